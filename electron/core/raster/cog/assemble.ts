import { open } from 'node:fs/promises';
import { S2Error } from '../../errors.js';
import { writeFully } from '../../outputs/write.js';
import { ghostArea, TILE_FRAMING } from './ghost.js';
import { encodeHeader, encodeIfd, ifdByteSize, type TiffFlavour } from './ifd.js';
import { FieldType, Tag, type IfdEntry } from './tags.js';
import type { TileStore } from './tile-store.js';

export interface LevelLayout {
  tileCount: number;
  /** Every IFD entry of the level except TileOffsets and TileByteCounts. */
  entries: readonly IfdEntry[];
}

const CLASSIC_LIMIT = 2 ** 32 - 1;
const WRITE_CHUNK = 8 * 1024 * 1024;

function tileEntries(offsets: readonly number[], counts: readonly number[], f: TiffFlavour): IfdEntry[] {
  return [
    { tag: Tag.TileOffsets, type: f.bigTiff ? FieldType.LONG8 : FieldType.LONG, values: offsets },
    { tag: Tag.TileByteCounts, type: FieldType.LONG, values: counts },
  ];
}

interface Plan {
  flavour: TiffFlavour;
  ifdOffsets: number[];
  tileOffsets: number[][];
  dataStart: number;
  fileSize: number;
}

/**
 * COG layout as GDAL's COG driver: header, ghost area, the IFDs of full resolution then of
 * each overview (largest first), then tile data from the smallest overview to full resolution,
 * each level's tiles in row-major order, each tile framed by its leader and trailer.
 */
function plan(levels: readonly LevelLayout[], counts: readonly number[][], bigTiff: boolean): Plan {
  const flavour = { bigTiff };
  const ghost = ghostArea().length;
  let pos = (bigTiff ? 16 : 8) + ghost;
  pos += pos & 1;
  const ifdOffsets: number[] = [];
  levels.forEach((lv, i) => {
    ifdOffsets.push(pos);
    const placeholder = new Array<number>(lv.tileCount).fill(0);
    pos += ifdByteSize([...lv.entries, ...tileEntries(placeholder, counts[i]!, flavour)], flavour);
  });
  const dataStart = pos;
  const tileOffsets: number[][] = levels.map(() => []);
  for (let i = levels.length - 1; i >= 0; i--) {
    for (const c of counts[i]!) {
      tileOffsets[i]!.push(pos + 4);
      pos += c + TILE_FRAMING;
    }
  }
  return { flavour, ifdOffsets, tileOffsets, dataStart, fileSize: pos };
}

/**
 * Writes the finished COG to `path` (the temporary name) from the stored tiles. Classic TIFF is
 * used unless it would pass 4 GiB (or BigTIFF is forced).
 */
export async function assembleCog(
  path: string,
  levels: readonly LevelLayout[],
  store: TileStore,
  bigTiff: 'auto' | 'always' | 'never',
  checkAborted: () => void,
): Promise<{ bytes: number; bigTiff: boolean }> {
  const counts = levels.map((lv, i) => Array.from({ length: lv.tileCount }, (_, t) => store.byteCount(i, t)));
  let p = plan(levels, counts, bigTiff === 'always');
  if (!p.flavour.bigTiff && p.fileSize > CLASSIC_LIMIT) {
    if (bigTiff === 'never') {
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${path}: the COG would be ${p.fileSize} bytes, over the 4 GiB of a classic TIFF, and BigTIFF was refused.`,
        { file: path },
      );
    }
    p = plan(levels, counts, true);
  }

  const head = Buffer.alloc(p.dataStart);
  head.set(encodeHeader(p.ifdOffsets[0]!, p.flavour), 0);
  head.set(ghostArea(), p.flavour.bigTiff ? 16 : 8);
  levels.forEach((lv, i) => {
    const next = p.ifdOffsets[i + 1] ?? 0;
    const entries = [...lv.entries, ...tileEntries(p.tileOffsets[i]!, counts[i]!, p.flavour)];
    head.set(encodeIfd(entries, p.ifdOffsets[i]!, next, p.flavour), p.ifdOffsets[i]!);
  });

  const fh = await open(path, 'w');
  try {
    await writeFully(fh, head, 0);
    let pos = p.dataStart;
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    const flush = async (): Promise<void> => {
      if (chunkBytes === 0) return;
      const buf = Buffer.concat(chunk, chunkBytes);
      await writeFully(fh, buf, pos);
      pos += buf.length;
      chunk = [];
      chunkBytes = 0;
      checkAborted();
    };
    for (let i = levels.length - 1; i >= 0; i--) {
      for (let t = 0; t < levels[i]!.tileCount; t++) {
        const data = await store.read(i, t);
        const leader = Buffer.alloc(4);
        leader.writeUInt32LE(data.length, 0);
        // Trailer: the tile's last 4 bytes again (lets a reader detect a truncated or edited tile).
        const trailer = Buffer.alloc(4);
        data.copy(trailer, 0, Math.max(0, data.length - 4));
        chunk.push(leader, data, trailer);
        chunkBytes += data.length + TILE_FRAMING;
        if (chunkBytes >= WRITE_CHUNK) await flush();
      }
    }
    await flush();
    if (pos !== p.fileSize) throw new Error(`COG layout mismatch: wrote ${pos} bytes, planned ${p.fileSize}`);
    await fh.sync(); // the rename that follows must not publish a file whose data is not on disk
  } finally {
    await fh.close();
  }
  return { bytes: p.fileSize, bigTiff: p.flavour.bigTiff };
}
