import { open, rm, type FileHandle } from 'node:fs/promises';
import { writeFully } from '../../outputs/write.js';

interface SpilledTile {
  offset: number;
  length: number;
}
type StoredTile = Buffer | SpilledTile;

/**
 * Compressed tiles, kept until the file is assembled (the IFDs that come first need every
 * tile's size). They stay in memory up to `memoryLimit` bytes, then all go to a spill file,
 * so a float32 10 m raster does not hold its compressed form in RAM.
 */
export class TileStore {
  private readonly levels: StoredTile[][];
  private memBytes = 0;
  private spill: FileHandle | null = null;
  private spillEnd = 0;
  private disposed = false;
  /** Adds run one at a time: levels compress concurrently and spilling must not interleave. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    levelTileCounts: readonly number[],
    private readonly spillPath: string,
    private readonly memoryLimit: number,
  ) {
    this.levels = levelTileCounts.map((n) => new Array<StoredTile>(n));
  }

  /** Whether the spill file is in use (for tests and logs). */
  get spilled(): boolean {
    return this.spill !== null;
  }

  add(level: number, index: number, data: Buffer): Promise<void> {
    const next = this.chain.then(() => this.addNow(level, index, data));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async addNow(level: number, index: number, data: Buffer): Promise<void> {
    if (this.disposed) throw new Error('The tile store was disposed');
    const tiles = this.levels[level]!;
    if (this.spill === null && this.memBytes + data.length > this.memoryLimit) await this.startSpill();
    if (this.spill === null) {
      tiles[index] = data;
      this.memBytes += data.length;
    } else {
      tiles[index] = await this.append(data);
    }
  }

  byteCount(level: number, index: number): number {
    const t = this.levels[level]?.[index];
    if (t === undefined) throw new Error(`Tile ${index} of level ${level} was never written`);
    return t.length;
  }

  async read(level: number, index: number): Promise<Buffer> {
    const t = this.levels[level]?.[index];
    if (t === undefined) throw new Error(`Tile ${index} of level ${level} was never written`);
    if (Buffer.isBuffer(t)) return t;
    const buf = Buffer.allocUnsafe(t.length);
    const { bytesRead } = await this.spill!.read(buf, 0, t.length, t.offset);
    if (bytesRead !== t.length) throw new Error('Short read from the tile spill file');
    return buf;
  }

  /** Closes and deletes the spill file; safe to call more than once. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.chain;
    const fh = this.spill;
    this.spill = null;
    if (fh) await fh.close().catch(() => undefined);
    await rm(this.spillPath, { force: true });
  }

  private async startSpill(): Promise<void> {
    this.spill = await open(this.spillPath, 'w+');
    for (const tiles of this.levels) {
      for (let i = 0; i < tiles.length; i++) {
        const t = tiles[i];
        if (Buffer.isBuffer(t)) tiles[i] = await this.append(t);
      }
    }
    this.memBytes = 0;
  }

  private async append(data: Buffer): Promise<SpilledTile> {
    const offset = this.spillEnd;
    this.spillEnd += data.length;
    await writeFully(this.spill!, data, offset); // a short write on a full disk is an error, not a hole
    return { offset, length: data.length };
  }
}
