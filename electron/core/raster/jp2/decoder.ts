import { setMaxListeners } from 'node:events';
import type { ByteSource } from '../byte-source.js';
import { intersectWindows, type PixelWindow } from '../grid.js';
import { S2Error, throwIfAborted } from '../../errors.js';
import { indexCodestream, type CodestreamIndex } from './codestream.js';
import { reduceRect, rectToWindow, tileRect, type Rect } from './geometry.js';
import { M } from './markers.js';
import type { Jp2Codec } from './native.js';
import { DecodePool, type JobInput, type PoolOptions } from './pool.js';
import { buildTileCodestream, readTileParts } from './tile-codestream.js';
import { TileCache } from './tile-cache.js';
import type { DecodedRaster, DecodeRequest, Jp2Info, SampleArray } from './types.js';

export interface Jp2DecoderOptions extends PoolOptions {
  /**
   * Bytes of decoded tiles kept for reuse: tiles a request covers only in part (the ones the
   * next strip of a product will ask for again). Default 160 MiB: a strip of the default
   * pipeline on a full tile leaves about 110 MiB of them (one row of tiles of each band it
   * reads); the map's tiles keep their own caches. 0 turns the cache off.
   */
  tileCacheBytes?: number;
}

const fullRect = (idx: CodestreamIndex): Rect => ({
  x0: idx.siz.x0,
  y0: idx.siz.y0,
  x1: idx.siz.width,
  y1: idx.siz.height,
});

/** What the WASM wrapper can hand back bit-exactly; anything else is refused up front. */
function unsupported(idx: CodestreamIndex): string | null {
  const comps = idx.siz.components;
  const c0 = comps[0];
  if (!c0) return 'no components';
  if (comps.some((c) => c.dx !== 1 || c.dy !== 1)) return 'sub-sampled components';
  if (comps.some((c) => c.precision !== c0.precision || c.signed !== c0.signed)) return 'mixed sample types';
  if (c0.precision > 16) return `${c0.precision}-bit samples`;
  if (c0.signed && c0.precision <= 8) return 'signed 8-bit samples';
  if (comps.length !== 1 && !(comps.length === 3 && c0.precision <= 8)) {
    return `${comps.length} components of ${c0.precision} bits (1 component, or 3 of 8 bits, are supported)`;
  }
  if (idx.header.some((s) => s.marker === M.PPM)) return 'packed packet headers (PPM)';
  return null;
}

function toInfo(idx: CodestreamIndex): Jp2Info {
  const c0 = idx.siz.components[0];
  return {
    width: idx.siz.width - idx.siz.x0,
    height: idx.siz.height - idx.siz.y0,
    tileWidth: idx.siz.tileWidth,
    tileHeight: idx.siz.tileHeight,
    tilesX: idx.tilesX,
    tilesY: idx.tilesY,
    levels: Math.min(...idx.styles.map((s) => s.levels)),
    components: idx.siz.components.length,
    bitsPerSample: c0?.precision ?? 0,
    signed: c0?.signed ?? false,
  };
}

function invalid(src: ByteSource, what: string): S2Error {
  return new S2Error('INVALID_ARGUMENT', `${src.name}: ${what}.`, { file: src.name });
}

/**
 * Decodes JPEG 2000 files tile by tile: each internal tile intersecting the requested window is
 * cut out of the codestream, decoded alone by a worker (in parallel, bounded memory) and copied
 * into the output. Results are bit-exact with opj_decompress, at full and reduced resolution.
 */
export class Jp2Decoder {
  private readonly pool: DecodePool;
  private readonly indexes = new WeakMap<ByteSource, Promise<CodestreamIndex>>();
  private readonly cache: TileCache;
  /** Straddling tiles being decoded, by cache key: concurrent reads share one decode. */
  private readonly inflight = new Map<string, Promise<ArrayBuffer>>();

  constructor(opts: Jp2DecoderOptions = {}) {
    this.pool = new DecodePool(opts);
    this.cache = new TileCache(opts.tileCacheBytes ?? 160 * 2 ** 20);
  }

  /** Worker count of the pool. */
  get workers(): number {
    return this.pool.size;
  }

  /** The tile codec in use: `native` (libopenjp2 addon) or `wasm` (see PoolOptions.codec). */
  get codec(): Jp2Codec {
    return this.pool.codec;
  }

  /** Pool occupancy (queued jobs, jobs in flight, jobs per worker). */
  get load(): DecodePool['load'] {
    return this.pool.load;
  }

  async info(src: ByteSource): Promise<Jp2Info> {
    return toInfo(await this.index(src));
  }

  async decode(src: ByteSource, req: DecodeRequest = {}, signal?: AbortSignal): Promise<DecodedRaster> {
    throwIfAborted(signal);
    const idx = await this.index(src);
    throwIfAborted(signal); // aborted while indexing: the listener below would never fire
    const info = toInfo(idx);
    const level = req.level ?? 0;
    if (!Number.isInteger(level) || level < 0 || level > info.levels) {
      throw invalid(
        src,
        `resolution level ${level} does not exist (the file has levels 0 to ${info.levels})`,
      );
    }
    const image = reduceRect(fullRect(idx), level);
    const bounds: PixelWindow = { x: 0, y: 0, width: image.x1 - image.x0, height: image.y1 - image.y0 };
    const win = req.window ?? bounds;
    const ints = [win.x, win.y, win.width, win.height].every(Number.isInteger);
    const inside = intersectWindows(win, bounds);
    if (!ints || !inside || inside.width !== win.width || inside.height !== win.height) {
      const size = `${bounds.width}x${bounds.height}`;
      throw invalid(src, `window ${JSON.stringify(win)} is not inside the ${size} image at level ${level}`);
    }
    const comps = info.components;
    const bps = info.bitsPerSample > 8 ? 2 : 1;
    const n = win.width * win.height * comps;
    if (n * bps > MAX_DECODE_BYTES) {
      throw new S2Error(
        'TOO_LARGE',
        `${src.name}: reading ${win.width} x ${win.height} pixels at level ${level} at once needs ` +
          `${gib(n * bps)} of memory, more than the ${gib(MAX_DECODE_BYTES)} one read may take; read it by windows.`,
        { file: src.name, details: { width: win.width, height: win.height, level } },
      );
    }
    const data: SampleArray =
      bps === 1 ? new Uint8Array(n) : info.signed ? new Int16Array(n) : new Uint16Array(n);

    const ctrl = new AbortController();
    setMaxListeners(0, ctrl.signal); // one listener per queued tile
    const onAbort = (): void => ctrl.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const jobs: Promise<void>[] = [];
    for (let t = 0; t < idx.tiles.length; t++) {
      const tw = rectToWindow(reduceRect(tileRect(idx.siz, idx.tilesX, t), level), image);
      // Files are told apart by name and size: a product's band files do not change while open.
      const key = `${src.name}|${src.size}|${level}|${t}`;
      if (req.downward && tw.y + tw.height <= win.y) this.cache.delete(key);
      const part = intersectWindows(tw, win);
      if (!part) continue;
      const partial = part.width !== tw.width || part.height !== tw.height;
      const copy = (buf: ArrayBuffer): void => {
        const tile =
          bps === 1 ? new Uint8Array(buf) : info.signed ? new Int16Array(buf) : new Uint16Array(buf);
        copyRows(tile, tw, data, win, part, comps);
      };
      const cached = partial ? this.cache.get(key) : undefined;
      if (cached) {
        copy(cached);
        continue;
      }
      const load = async (): Promise<JobInput> => {
        const tc = buildTileCodestream(idx, t, await readTileParts(src, idx, t));
        const m = reduceRect(tc.moved, level);
        if (m.x1 - m.x0 !== tw.width || m.y1 - m.y0 !== tw.height) {
          throw new S2Error('INTERNAL', `${src.name}: tile ${t} changed size when cut out of the file.`);
        }
        const { width, height } = tw;
        return {
          codestream: tc.bytes.buffer as ArrayBuffer,
          level,
          width,
          height,
          components: comps,
          bytesPerSample: bps,
        };
      };
      const own = (): Promise<ArrayBuffer> => {
        const run = this.pool.run(load, ctrl.signal);
        if (!partial) return run;
        // A straddling tile another read is already decoding (strips read ahead) is decoded once.
        this.inflight.set(key, run);
        const settle = (): void => {
          if (this.inflight.get(key) === run) this.inflight.delete(key);
        };
        run.then((buf) => {
          settle();
          if (this.cache.maxBytes > 0) this.cache.set(key, buf);
        }, settle);
        return run;
      };
      const shared = partial ? this.inflight.get(key) : undefined;
      // If the other read fails (it may be cancelled), this one decodes the tile itself.
      const tile = shared ? shared.catch(() => own()) : own();
      jobs.push(
        tile.then(copy, (err: unknown) => {
          throw damagedTile(err, t, idx);
        }),
      );
    }
    try {
      await Promise.all(jobs);
    } catch (err) {
      ctrl.abort(); // stop the sibling tiles: queued ones are dropped, running ones discarded
      await Promise.allSettled(jobs);
      if (signal?.aborted)
        throw new S2Error('CANCELLED', 'The JP2 decode was cancelled.', { file: src.name });
      throw err instanceof S2Error && err.file === undefined
        ? new S2Error(err.code, `${src.name}: ${err.message}`, {
            file: src.name,
            details: err.details,
            cause: err,
          })
        : err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    return {
      width: win.width,
      height: win.height,
      components: comps,
      bitsPerSample: info.bitsPerSample,
      level,
      window: win,
      data,
    };
  }

  /** Bytes of decoded tiles held for reuse. */
  get cachedBytes(): number {
    return this.cache.size;
  }

  async destroy(): Promise<void> {
    this.cache.clear();
    await this.pool.destroy();
  }

  private index(src: ByteSource): Promise<CodestreamIndex> {
    let p = this.indexes.get(src);
    if (!p) {
      p = indexCodestream(src).then((idx) => {
        const why = unsupported(idx);
        if (why) {
          throw new S2Error(
            'CORRUPT_JP2',
            `${src.name} uses ${why}, which the JP2 decoder does not support.`,
            {
              file: src.name,
              details: { unsupported: why },
            },
          );
        }
        return idx;
      });
      p.catch(() => this.indexes.delete(src));
      this.indexes.set(src, p);
    }
    return p;
  }
}

/** The most one decode() may allocate for its output (a 10 m band is 241 MB). */
export const MAX_DECODE_BYTES = 2 * 2 ** 30;

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/** A codec failure on tile `t`, said in words with the tile's place (the caller adds the file). */
function damagedTile(err: unknown, t: number, idx: CodestreamIndex): unknown {
  if (!(err instanceof S2Error) || err.code !== 'CORRUPT_JP2' || err.file !== undefined) return err;
  const where = `tile ${t} (column ${(t % idx.tilesX) + 1}, row ${Math.floor(t / idx.tilesX) + 1} of ${idx.tilesX} x ${idx.tilesY})`;
  return new S2Error('CORRUPT_JP2', `${where} is damaged: ${err.message}`, {
    details: { ...err.details, tile: t },
    cause: err,
  });
}

/** Copies `part` (level coordinates) from a decoded tile at `tw` into the output at `win`. */
function copyRows(
  tile: SampleArray,
  tw: PixelWindow,
  out: SampleArray,
  win: PixelWindow,
  part: PixelWindow,
  comps: number,
): void {
  const rowLen = part.width * comps;
  for (let y = part.y; y < part.y + part.height; y++) {
    const from = ((y - tw.y) * tw.width + (part.x - tw.x)) * comps;
    const to = ((y - win.y) * win.width + (part.x - win.x)) * comps;
    out.set(tile.subarray(from, from + rowLen), to);
  }
}
