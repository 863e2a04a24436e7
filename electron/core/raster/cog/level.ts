import { deflate } from 'node:zlib';
import { promisify } from 'node:util';
import type { RowReducer } from './overviews.js';
import { predictTile } from './predictor.js';
import type { TileStore } from './tile-store.js';
import type { CogTypedArray } from './types.js';

const deflateAsync = promisify(deflate);

export type ArrayFactory = (length: number) => CogTypedArray;

export interface LevelConfig {
  level: number;
  width: number;
  height: number;
  tileSize: number;
  spp: number;
  /** Value of the padding outside the image in edge tiles (nodata, else 0). */
  pad: number;
  deflateLevel: number;
  alloc: ArrayFactory;
  store: TileStore;
  /** Checked between strips so a cancel is seen within one strip. */
  checkAborted: () => void;
}

/**
 * One resolution level, fed rows top to bottom (pixel-interleaved). It buffers one strip of
 * tileSize rows, compresses the strip's tiles in parallel (zlib runs on libuv's thread pool)
 * when the strip is full, and passes its rows on to the next (half-size) level, so all levels
 * are built in one pass over the image with O(width x tileSize) memory per level.
 */
export class LevelEncoder {
  readonly tilesAcross: number;
  readonly tilesDown: number;
  private readonly strip: CogTypedArray;
  private stripRows = 0;
  private stripIndex = 0;
  private rowsIn = 0;
  private pending: CogTypedArray | null = null;
  /** Compression and storing of the last flushed strip. */
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly cfg: LevelConfig,
    private readonly next: { encoder: LevelEncoder; reduce: RowReducer } | null,
  ) {
    this.tilesAcross = Math.ceil(cfg.width / cfg.tileSize);
    this.tilesDown = Math.ceil(cfg.height / cfg.tileSize);
    this.strip = cfg.alloc(cfg.width * cfg.tileSize * cfg.spp);
  }

  get rowsReceived(): number {
    return this.rowsIn;
  }

  /** Appends `nRows` rows (pixel-interleaved, width * spp samples each). */
  async pushRows(rows: CogTypedArray, nRows: number): Promise<void> {
    const { width, spp, tileSize, height } = this.cfg;
    const rowLen = width * spp;
    if (this.rowsIn + nRows > height) throw new Error(`Level ${this.cfg.level}: more rows than its height`);
    let done = 0;
    while (done < nRows) {
      const take = Math.min(nRows - done, tileSize - this.stripRows);
      this.strip.set(rows.subarray(done * rowLen, (done + take) * rowLen), this.stripRows * rowLen);
      this.stripRows += take;
      done += take;
      this.rowsIn += take;
      if (this.stripRows === tileSize || this.rowsIn === height) await this.flushStrip();
    }
    if (this.next) await this.forward(rows, nRows);
  }

  /** Feeds the next level with reduced rows; the last odd row is reduced alone. */
  private async forward(rows: CogTypedArray, nRows: number): Promise<void> {
    const { width, spp, height } = this.cfg;
    const { encoder, reduce } = this.next!;
    const rowLen = width * spp;
    const outWidth = encoder.cfg.width;
    const firstRow = this.rowsIn - nRows;
    let i = 0;
    const outRows: CogTypedArray[] = [];
    if (this.pending) {
      const out = encoder.cfg.alloc(outWidth * spp);
      reduce(this.pending, rows.subarray(0, rowLen), width, out, outWidth, spp);
      outRows.push(out);
      this.pending = null;
      i = 1;
    }
    const pairs = Math.floor((nRows - i) / 2);
    const batch = encoder.cfg.alloc(pairs * outWidth * spp);
    for (let p = 0; p < pairs; p++, i += 2) {
      reduce(
        rows.subarray(i * rowLen, (i + 1) * rowLen),
        rows.subarray((i + 1) * rowLen, (i + 2) * rowLen),
        width,
        batch.subarray(p * outWidth * spp, (p + 1) * outWidth * spp),
        outWidth,
        spp,
      );
    }
    if (i < nRows) {
      const last = rows.subarray(i * rowLen, (i + 1) * rowLen);
      if (firstRow + i === height - 1) {
        // Odd height: the bottom row forms a block on its own.
        const out = encoder.cfg.alloc(outWidth * spp);
        reduce(last, null, width, out, outWidth, spp);
        outRows.push(batch, out);
        await this.pushAll(encoder, outRows, outWidth * spp);
        return;
      }
      this.pending = last.slice(); // the caller may reuse its buffer
    }
    outRows.push(batch);
    await this.pushAll(encoder, outRows, outWidth * spp);
  }

  private async pushAll(encoder: LevelEncoder, parts: CogTypedArray[], rowLen: number): Promise<void> {
    for (const part of parts) {
      const n = part.length / rowLen;
      if (n > 0) await encoder.pushRows(part, n);
    }
  }

  /**
   * Waits for this level's and all smaller levels' compression to end. With `settle`, errors
   * are swallowed (used before cleanup, so no late write recreates a deleted spill file).
   */
  async drain(settle = false): Promise<void> {
    const p = this.inflight;
    this.inflight = null;
    if (p) await (settle ? p.catch(() => undefined) : p);
    if (this.next) await this.next.encoder.drain(settle);
  }

  /**
   * Cuts the strip into tiles and starts compressing them, but only waits for the strip before
   * it: compression of one strip overlaps with producing the next (2 cores: caller + zlib).
   */
  private async flushStrip(): Promise<void> {
    this.cfg.checkAborted();
    const { width, spp, tileSize, pad, deflateLevel, alloc, store, level } = this.cfg;
    const rowLen = width * spp;
    const tileRowLen = tileSize * spp;
    const jobs: Promise<Buffer>[] = [];
    for (let tx = 0; tx < this.tilesAcross; tx++) {
      const x0 = tx * tileSize;
      const w = Math.min(tileSize, width - x0);
      const tile = alloc(tileSize * tileRowLen);
      if (w < tileSize || this.stripRows < tileSize) tile.fill(pad);
      for (let r = 0; r < this.stripRows; r++) {
        const src = r * rowLen + x0 * spp;
        tile.set(this.strip.subarray(src, src + w * spp), r * tileRowLen);
      }
      const bytes = predictTile(tile, tileSize, tileRowLen, spp);
      jobs.push(deflateAsync(bytes, { level: deflateLevel }));
    }
    const previous = this.inflight;
    const first = this.stripIndex * this.tilesAcross;
    const done = (async (): Promise<void> => {
      const compressed = await Promise.all(jobs);
      if (previous) await previous; // keeps the store's tile order (and the first error)
      for (let tx = 0; tx < compressed.length; tx++) await store.add(level, first + tx, compressed[tx]!);
    })();
    done.catch(() => undefined); // handled when awaited; avoids an unhandled rejection meanwhile
    this.inflight = done;
    this.stripIndex++;
    this.stripRows = 0;
    if (previous) await previous;
  }
}
