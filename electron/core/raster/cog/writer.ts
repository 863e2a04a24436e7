import { endianness } from 'node:os';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { S2Error, writeError } from '../../errors.js';
import { syncFolder } from '../../outputs/write.js';
import { assembleCog, type LevelLayout } from './assemble.js';
import { levelEntries } from './entries.js';
import { LevelEncoder } from './level.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import { levelSizes, makeReducer } from './overviews.js';
import { TileStore } from './tile-store.js';
import type { CogBandData, CogOptions, CogTypedArray } from './types.js';

/** Outputs being written by this process: two writers on one path would share temp names. */
const active = new Set<string>();

export interface CogWriteResult {
  path: string;
  bytes: number;
  bigTiff: boolean;
  /** Overview sizes, largest first (full resolution excluded). */
  overviews: { width: number; height: number }[];
}

type State = 'open' | 'finishing' | 'done' | 'failed';

/**
 * Streaming COG writer. Rows arrive top to bottom in any chunk size (`writeRows`); each level
 * keeps one strip of tileSize rows, compressed tiles are kept (or spilled to disk) until
 * `finish` writes header, IFDs and tiles to `<out>.tmp-<pid>` and renames it over `<out>`.
 * Any error, `abort()` or the signal firing removes the temporary files; `<out>` is untouched
 * until the new file is complete.
 */
export class CogWriter {
  private state: State = 'open';
  private queue: Promise<unknown> = Promise.resolve();
  private readonly onAbort: () => void;
  private cleaning: Promise<void> | null = null;

  private constructor(
    readonly path: string,
    private readonly opts: ResolvedOptions,
    private readonly tmpPath: string,
    private readonly store: TileStore,
    private readonly levels: LevelEncoder[],
    private readonly layouts: LevelLayout[],
  ) {
    this.onAbort = (): void => void this.abort().catch(() => undefined);
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Checks the options and claims `<path>.tmp-<pid>` (so a bad folder fails now, not at the end). */
  static async open(path: string, options: CogOptions): Promise<CogWriter> {
    if (endianness() !== 'LE') throw new S2Error('INTERNAL', 'The COG writer needs a little-endian machine.');
    const opts = resolveOptions(path, options);
    if (opts.signal?.aborted) throw new S2Error('CANCELLED', 'The operation was cancelled.', { file: path });
    if (active.has(path)) {
      throw new S2Error('INVALID_ARGUMENT', `${path} is already being written by this process.`, {
        file: path,
      });
    }
    const tmpPath = `${path}.tmp-${process.pid}`;
    const sizes = levelSizes(opts.grid.width, opts.grid.height, opts.tileSize);
    const tileCounts = sizes.map(
      (s) => Math.ceil(s.width / opts.tileSize) * Math.ceil(s.height / opts.tileSize),
    );
    const store = new TileStore(tileCounts, `${tmpPath}.tiles`, opts.memoryLimitBytes);
    active.add(path);
    try {
      await (await open(tmpPath, 'w')).close();
    } catch (err) {
      active.delete(path);
      throw writeError(err, path);
    }
    const ref: { writer?: CogWriter } = {}; // the encoders are built before the writer exists
    const checkAborted = (): void => {
      if (opts.signal?.aborted || ref.writer?.state === 'failed') {
        throw new S2Error('CANCELLED', 'The operation was cancelled.', { file: path });
      }
    };
    const reduce = makeReducer(opts.overviewResampling, opts.type.integer, opts.nodata);
    const pad = opts.nodata !== undefined && !Number.isNaN(opts.nodata) ? opts.nodata : 0;
    const encoders: LevelEncoder[] = [];
    // Built smallest first so that each level can hand its rows to the next smaller one.
    for (let i = sizes.length - 1; i >= 0; i--) {
      const next = encoders[0];
      const size = sizes[i]!;
      encoders.unshift(
        new LevelEncoder(
          {
            level: i,
            width: size.width,
            height: size.height,
            tileSize: opts.tileSize,
            spp: opts.bands.length,
            pad: Number.isNaN(opts.nodata) && !opts.type.integer ? NaN : pad,
            deflateLevel: opts.deflateLevel,
            alloc: opts.type.alloc,
            store,
            checkAborted,
          },
          next ? { encoder: next, reduce } : null,
        ),
      );
    }
    const layouts = sizes.map((s, i) => ({ tileCount: tileCounts[i]!, entries: levelEntries(opts, i, s) }));
    ref.writer = new CogWriter(path, opts, tmpPath, store, encoders, layouts);
    return ref.writer;
  }

  /** Rows written so far; the next writeRows must start here. */
  get rowsWritten(): number {
    return this.levels[0]!.rowsReceived;
  }

  /**
   * Writes rows y0 .. y0+n-1: one array per band, each n * width samples, row-major. Rows must
   * come in order (y0 === rowsWritten); the arrays may be reused by the caller afterwards.
   */
  writeRows(y0: number, bands: readonly CogTypedArray[]): Promise<void> {
    return this.run(async () => {
      const { grid, type } = this.opts;
      const spp = this.opts.bands.length;
      if (bands.length !== spp) throw this.bad(`${bands.length} bands given, ${spp} expected.`);
      if (y0 !== this.rowsWritten)
        throw this.bad(`rows must come in order: got row ${y0}, expected ${this.rowsWritten}.`);
      const first = bands[0]!;
      for (const b of bands) {
        if (!type.is(b)) throw this.bad(`band data must be a ${this.opts.dataType} typed array.`);
        if (b.length !== first.length || b.length % grid.width !== 0) {
          throw this.bad(`each band must hold whole rows of ${grid.width} samples, all of the same length.`);
        }
      }
      const n = first.length / grid.width;
      if (n === 0) return;
      if (y0 + n > grid.height)
        throw this.bad(`rows ${y0}..${y0 + n - 1} pass the image height ${grid.height}.`);
      await this.levels[0]!.pushRows(spp === 1 ? first : interleave(bands, type.alloc), n);
    });
  }

  /** Writes the file and publishes it under its name. */
  finish(): Promise<CogWriteResult> {
    return this.run(async () => {
      const { grid } = this.opts;
      if (this.rowsWritten !== grid.height) {
        throw this.bad(`only ${this.rowsWritten} of ${grid.height} rows were written.`);
      }
      await this.levels[0]!.drain();
      this.state = 'finishing';
      const { bytes, bigTiff } = await assembleCog(
        this.tmpPath,
        this.layouts,
        this.store,
        this.opts.bigTiff,
        () => this.checkAborted(),
      );
      this.checkAborted();
      await rename(this.tmpPath, this.path);
      await syncFolder(dirname(this.path)); // the new name, not only the bytes, survives a crash
      this.state = 'done';
      await this.release();
      const overviews = levelSizes(grid.width, grid.height, this.opts.tileSize).slice(1);
      return { path: this.path, bytes, bigTiff, overviews };
    });
  }

  /** Stops the write and removes the temporary files. Does nothing once finished. */
  async abort(): Promise<void> {
    if (this.state === 'done') return;
    this.state = 'failed'; // seen by the running step at its next strip
    await this.queue;
    await this.cleanup();
  }

  private run<T>(step: () => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      if (this.state === 'done') throw this.bad('the file is already finished.');
      try {
        this.checkAborted();
        return await step();
      } catch (err) {
        this.state = 'failed';
        await this.cleanup();
        throw writeError(err, this.path);
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  private checkAborted(): void {
    if (this.opts.signal?.aborted || this.state === 'failed') {
      throw new S2Error('CANCELLED', 'The operation was cancelled.', { file: this.path });
    }
  }

  private bad(message: string): S2Error {
    return new S2Error('INVALID_ARGUMENT', `${this.path}: ${message}`, { file: this.path });
  }

  /** Removes the temporary files once, however many paths (error, signal, abort) ask for it. */
  private cleanup(): Promise<void> {
    this.cleaning ??= (async (): Promise<void> => {
      await this.levels[0]!.drain(true);
      await rm(this.tmpPath, { force: true }).catch(() => undefined);
      await this.release();
    })();
    return this.cleaning;
  }

  private async release(): Promise<void> {
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    await this.store.dispose().catch(() => undefined);
    active.delete(this.path);
  }
}

/** Pixel-interleaves band rows (TIFF PlanarConfiguration 1). */
function interleave(bands: readonly CogTypedArray[], alloc: (n: number) => CogTypedArray): CogTypedArray {
  const spp = bands.length;
  const n = bands[0]!.length;
  const out = alloc(n * spp);
  bands.forEach((b, s) => {
    for (let i = 0; i < n; i++) out[i * spp + s] = b[i]!;
  });
  return out;
}

/**
 * Writes whole in-memory bands as a COG (streams them strip by strip, without copies for a
 * single band). For rasters produced progressively, use CogWriter.
 */
export async function writeCog(
  path: string,
  options: Omit<CogOptions, 'bands'> & { bands: readonly CogBandData[] },
): Promise<CogWriteResult> {
  const { grid } = options;
  for (const [i, b] of options.bands.entries()) {
    if (b.data.length !== grid.width * grid.height) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${path}: band ${i + 1} has ${b.data.length} samples, the grid needs ${grid.width}x${grid.height}.`,
        { file: path },
      );
    }
  }
  const writer = await CogWriter.open(path, options);
  const step = (options.tileSize ?? 512) * 2;
  try {
    for (let y = 0; y < grid.height; y += step) {
      const end = Math.min(grid.height, y + step) * grid.width;
      await writer.writeRows(
        y,
        options.bands.map((b) => b.data.subarray(y * grid.width, end)),
      );
    }
    return await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
