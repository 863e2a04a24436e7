/**
 * One JPEG2000 band (or a THEIA GeoTIFF band, through the same decoder calls: its levels are
 * internal overviews or block means, raster/geotiff/decoder.ts) seen as a resolution pyramid for
 * map tiles. Level L is OpenJPEG's reduced
 * resolution L (ceil(size / 2^L) pixels of 2^L times the native pixel size, same origin).
 *
 * - Deep levels (the whole level image at most OVERVIEW_MAX pixels on a side: level 3 of a 10 m
 *   band, 1373 x 1373) are decoded whole, once, and kept for as long as the band is open: the
 *   whole-scene view and the per-scene stretch read them.
 * - Finer levels are read in blocks aligned on the file's internal tiles (one 1024 x 1024 tile at
 *   level 0, grouped so a block is at least 256 pixels at deeper levels), decoded on demand and
 *   kept in a least-recently-used cache bounded in bytes, shared by every band of every scene.
 * - A block asked for by several tiles at once is decoded once; it is cancelled when every tile
 *   waiting for it was cancelled (a map pan drops the tiles that left the view).
 */
import type { ByteSource } from '../raster/byte-source.js';
import type { RasterDecoder } from '../raster/band-decoder.js';
import type { Jp2Info, SampleArray } from '../raster/jp2/index.js';
import { S2Error, untilAborted } from '../errors.js';
import type { ByteLru } from './lru.js';

/** Longest side (pixels) of a level decoded whole and kept in memory. */
export const OVERVIEW_MAX = 2048;
/** Longest side (pixels) of the level per-scene statistics (the default stretch) are taken from. */
export const STATS_MAX = 1024;
/** Smallest block side (pixels) at any level. */
const MIN_BLOCK = 256;

/** Pixels of a level, covering at least the window asked for (x, y: level pixel of data[0]). */
export interface LevelWindow {
  data: SampleArray;
  x: number;
  y: number;
  width: number;
  height: number;
}

interface SharedTask {
  promise: Promise<SampleArray>;
  waiters: number;
  ctrl: AbortController;
}

const cancelled = (): S2Error => new S2Error('CANCELLED', 'The tile was cancelled.');

export class Jp2Pyramid {
  /** Deepest level the file can decode. */
  readonly levels: number;
  /** Levels at and below this one (coarser) are decoded whole and kept. */
  readonly overviewLevel: number;
  private readonly pinned = new Map<number, Promise<SampleArray>>();
  private readonly inflight = new Map<string, SharedTask>();
  /** Aborts the whole-level decodes when the file is closed. */
  private readonly closing = new AbortController();
  private closed = false;

  private constructor(
    /** Cache key prefix: unique per open file. */
    readonly key: string,
    private readonly src: ByteSource,
    readonly info: Jp2Info,
    private readonly decoder: RasterDecoder,
    private readonly cache: ByteLru<SampleArray>,
    overviewMax: number,
  ) {
    this.levels = info.levels;
    let ov = 0;
    while (ov < info.levels && Math.max(...Object.values(this.levelSize(ov))) > overviewMax) ov++;
    this.overviewLevel = ov;
  }

  /**
   * `key` prefixes this file's blocks in the shared cache (unique per open file); levels whose
   * image is at most `overviewMax` pixels on a side are kept whole (default OVERVIEW_MAX).
   */
  static async open(
    key: string,
    src: ByteSource,
    decoder: RasterDecoder,
    cache: ByteLru<SampleArray>,
    overviewMax = OVERVIEW_MAX,
  ): Promise<Jp2Pyramid> {
    return new Jp2Pyramid(key, src, await decoder.info(src), decoder, cache, overviewMax);
  }

  levelSize(level: number): { width: number; height: number } {
    return {
      width: Math.ceil(this.info.width / 2 ** level),
      height: Math.ceil(this.info.height / 2 ** level),
    };
  }

  /**
   * The level statistics are read from: the finest kept level at most STATS_MAX pixels on a
   * side (level 4 of a 10 m band, 687 px; level 1 of a 60 m band), the deepest when none is.
   */
  get statsLevel(): number {
    let level = this.overviewLevel;
    while (level < this.levels && Math.max(...Object.values(this.levelSize(level))) > STATS_MAX) level++;
    return level;
  }

  /**
   * The whole image at `level` (>= overviewLevel), decoded once and kept. `signal` cancels this
   * caller's wait only: the decode is shared by every tile of the level and kept, so it runs on.
   */
  overview(level: number, signal?: AbortSignal): Promise<SampleArray> {
    if (level < this.overviewLevel) {
      throw new S2Error('INTERNAL', `Level ${level} of ${this.src.name} is too large to keep whole.`);
    }
    let p = this.pinned.get(level);
    if (!p) {
      const decoding = this.decoder.decode(this.src, { level }, this.closing.signal).then((r) => r.data);
      decoding.catch(() => {
        if (this.pinned.get(level) === decoding) this.pinned.delete(level);
      });
      this.pinned.set(level, decoding);
      p = decoding;
    }
    return untilAborted(p, signal);
  }

  /** Bytes held by the kept whole-level images. */
  get pinnedBytes(): number {
    let n = 0;
    for (const level of this.pinned.keys()) {
      const { width, height } = this.levelSize(level);
      n += width * height * (this.info.bitsPerSample > 8 ? 2 : 1);
    }
    return n;
  }

  /**
   * Pixels of `level` covering the window (level pixels, clipped to the image). Returns the kept
   * overview or a cached block as is when one covers the window, else a copy assembled from blocks.
   */
  async read(
    level: number,
    win: { x: number; y: number; width: number; height: number },
    signal?: AbortSignal,
  ): Promise<LevelWindow | null> {
    if (this.closed) throw new S2Error('INVALID_ARGUMENT', `${this.src.name} was closed.`);
    const size = this.levelSize(level);
    const x0 = Math.max(0, win.x);
    const y0 = Math.max(0, win.y);
    const x1 = Math.min(size.width, win.x + win.width);
    const y1 = Math.min(size.height, win.y + win.height);
    if (x1 <= x0 || y1 <= y0) return null;
    if (level >= this.overviewLevel) {
      return { data: await this.overview(level, signal), x: 0, y: 0, ...size };
    }
    const { tileWidth: tw, tileHeight: th } = this.info;
    const gx = Math.max(1, Math.ceil(MIN_BLOCK / (tw / 2 ** level)));
    const gy = Math.max(1, Math.ceil(MIN_BLOCK / (th / 2 ** level)));
    // Block edges sit on tile edges: ceil(k * tile / 2^L), as OpenJPEG reduces tile rectangles.
    const edgeX = (b: number): number => Math.min(size.width, Math.ceil((b * gx * tw) / 2 ** level));
    const edgeY = (b: number): number => Math.min(size.height, Math.ceil((b * gy * th) / 2 ** level));
    const bx0 = Math.floor(x0 / ((gx * tw) / 2 ** level));
    const by0 = Math.floor(y0 / ((gy * th) / 2 ** level));
    const blocks: Array<{ bx: number; by: number; x: number; y: number; w: number; h: number }> = [];
    for (let by = Math.max(0, by0 - 1); edgeY(by) < y1; by++) {
      if (edgeY(by + 1) <= y0) continue;
      for (let bx = Math.max(0, bx0 - 1); edgeX(bx) < x1; bx++) {
        if (edgeX(bx + 1) <= x0) continue;
        const x = edgeX(bx);
        const y = edgeY(by);
        blocks.push({ bx, by, x, y, w: edgeX(bx + 1) - x, h: edgeY(by + 1) - y });
      }
    }
    const datas = await Promise.all(
      blocks.map((b) => this.block(level, b.bx, b.by, { x: b.x, y: b.y, width: b.w, height: b.h }, signal)),
    );
    if (blocks.length === 1) {
      const b = blocks[0]!;
      return { data: datas[0]!, x: b.x, y: b.y, width: b.w, height: b.h };
    }
    const width = x1 - x0;
    const height = y1 - y0;
    const first = datas[0]!;
    const out = new (first.constructor as new (n: number) => SampleArray)(width * height);
    blocks.forEach((b, i) => {
      const d = datas[i]!;
      const cx0 = Math.max(x0, b.x);
      const cx1 = Math.min(x1, b.x + b.w);
      const cy0 = Math.max(y0, b.y);
      const cy1 = Math.min(y1, b.y + b.h);
      for (let y = cy0; y < cy1; y++) {
        const from = (y - b.y) * b.w + (cx0 - b.x);
        out.set(d.subarray(from, from + (cx1 - cx0)), (y - y0) * width + (cx0 - x0));
      }
    });
    return { data: out, x: x0, y: y0, width, height };
  }

  private block(
    level: number,
    bx: number,
    by: number,
    win: { x: number; y: number; width: number; height: number },
    signal: AbortSignal | undefined,
  ): Promise<SampleArray> {
    const key = `${this.key}|${level}|${bx}|${by}`;
    const hit = this.cache.get(key);
    if (hit) return Promise.resolve(hit);
    if (signal?.aborted) return Promise.reject(cancelled());
    let task = this.inflight.get(key);
    if (!task) {
      const ctrl = new AbortController();
      const t: SharedTask = {
        ctrl,
        waiters: 0,
        promise: this.decoder.decode(this.src, { level, window: win }, ctrl.signal).then((r) => {
          if (!ctrl.signal.aborted) this.cache.set(key, r.data);
          return r.data;
        }),
      };
      t.promise.then(
        () => this.inflight.get(key) === t && this.inflight.delete(key),
        () => this.inflight.get(key) === t && this.inflight.delete(key),
      );
      this.inflight.set(key, t);
      task = t;
    }
    const t = task;
    t.waiters++;
    if (!signal) return t.promise;
    return new Promise<SampleArray>((resolve, reject) => {
      const onAbort = (): void => {
        t.waiters--;
        if (t.waiters === 0) {
          this.inflight.delete(key); // later tiles start a fresh decode
          t.ctrl.abort();
        }
        reject(cancelled());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      t.promise.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  /** Drops the kept levels and cached blocks, cancels decodes in flight, closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    for (const t of this.inflight.values()) t.ctrl.abort();
    this.inflight.clear();
    this.pinned.clear();
    this.cache.deletePrefix(`${this.key}|`);
    await this.src.close();
  }
}
