/**
 * The one cache of rendered tiles, for every layer kind: get-or-render by key, byte-bounded LRU.
 * Empty tiles are kept too (as a marker), so a tile known to be empty is not rendered again.
 */
import { throwIfAborted } from '../errors.js';
import { encodePng } from '../render/png.js';
import { ByteLru } from './lru.js';
import { TILE_SIZE } from './mercator.js';

/** Marks a tile known to be empty. */
const EMPTY = Buffer.alloc(0);

export class PngCache {
  private readonly lru: ByteLru<Buffer>;

  constructor(maxBytes: number) {
    this.lru = new ByteLru<Buffer>(maxBytes, (v) => v.length + 64);
  }

  /**
   * The PNG kept under `key`, or `render`'s RGBA encoded and kept; null when nothing is drawn.
   * The signal is checked before rendering and before encoding: a cancelled tile rejects with
   * CANCELLED and leaves nothing in the cache.
   */
  async tile(
    key: string,
    render: () => Promise<Uint8Array | null>,
    signal?: AbortSignal,
  ): Promise<Buffer | null> {
    const hit = this.lru.get(key);
    if (hit) return hit === EMPTY ? null : hit;
    throwIfAborted(signal);
    const rgba = await render();
    throwIfAborted(signal);
    const png = rgba ? encodePng(TILE_SIZE, TILE_SIZE, rgba, 4) : EMPTY;
    this.lru.set(key, png);
    return png === EMPTY ? null : png;
  }

  has(key: string): boolean {
    return this.lru.has(key);
  }

  /** Drops the tiles of a layer (keys start with its id). */
  deletePrefix(prefix: string): void {
    this.lru.deletePrefix(prefix);
  }

  clear(): void {
    this.lru.clear();
  }

  get bytes(): number {
    return this.lru.bytes;
  }

  get hits(): number {
    return this.lru.hits;
  }

  get misses(): number {
    return this.lru.misses;
  }
}
