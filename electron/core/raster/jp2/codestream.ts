import type { ByteSource } from '../byte-source.js';
import { S2Error } from '../../errors.js';
import {
  M,
  MarkerError,
  parseCoc,
  parseCod,
  parseSiz,
  parseSot,
  parseTlm,
  type Cod,
  type CodingStyle,
  type Siz,
  type TlmEntry,
} from './markers.js';

/** One marker segment of the main header, bytes included (they are copied into tile codestreams). */
export interface Segment {
  marker: number;
  bytes: Uint8Array;
}

export interface TilePart {
  /** Absolute offset of the SOT marker in the source. */
  offset: number;
  length: number;
}

/** Everything needed to cut and decode single tiles; built once per file with small reads. */
export interface CodestreamIndex {
  name: string;
  /** Absolute offset and length of the codestream (jp2c box contents, or the whole file for .j2k). */
  start: number;
  length: number;
  siz: Siz;
  cod: Cod;
  /** Coding style per component (COD overridden by COC). */
  styles: CodingStyle[];
  /** Main header segments after SOC, in order (SIZ, COD, QCD, TLM, ...). */
  header: Segment[];
  tilesX: number;
  tilesY: number;
  /** Tile-parts per tile index, in codestream order. */
  tiles: TilePart[][];
}

/** Tiles a codestream can have (Isot, the tile index of SOT, is a 16-bit number). */
export const MAX_TILES = 65535;

const corrupt = (name: string, what: string, cause?: unknown): S2Error =>
  new S2Error('CORRUPT_JP2', `${name} is not a readable JPEG 2000 file: ${what}.`, { file: name, cause });

async function readExact(src: ByteSource, offset: number, length: number, what: string): Promise<Uint8Array> {
  const b = await src.read(offset, length);
  if (b.length < length) {
    throw corrupt(
      src.name,
      `${what} at byte ${offset} needs ${length} bytes but the file ends at ${src.size} (truncated?)`,
    );
  }
  return b;
}

const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset).getUint32(at);
const u16 = (b: Uint8Array, at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);

/** Finds the codestream: the jp2c box of a JP2 file, or the whole file for a raw J2K codestream. */
async function locateCodestream(src: ByteSource): Promise<{ start: number; length: number }> {
  const head = await readExact(src, 0, Math.min(12, src.size), 'the file signature');
  if (head.length >= 4 && u16(head, 0) === M.SOC && u16(head, 2) === M.SIZ)
    return { start: 0, length: src.size };
  if (head.length < 12 || u32(head, 0) !== 12 || u32(head, 4) !== 0x6a502020) {
    throw corrupt(src.name, 'neither a JP2 signature box nor a J2K codestream at the start');
  }
  // Walk the top-level boxes with one small read per box header.
  let off = 0;
  while (off + 8 <= src.size) {
    const h = await readExact(src, off, Math.min(16, src.size - off), 'a box header');
    let len = u32(h, 0);
    const type = String.fromCharCode(...h.subarray(4, 8));
    let hdr = 8;
    if (len === 1) {
      if (h.length < 16) throw corrupt(src.name, `box '${type}' at byte ${off} is cut short`);
      len = u32(h, 8) * 2 ** 32 + u32(h, 12);
      hdr = 16;
    } else if (len === 0) {
      len = src.size - off;
    }
    if (len < hdr) throw corrupt(src.name, `box '${type}' at byte ${off} has an invalid length ${len}`);
    if (type === 'jp2c') {
      if (off + len > src.size) {
        throw corrupt(
          src.name,
          `the codestream box ends at byte ${off + len} but the file has ${src.size} (truncated)`,
        );
      }
      return { start: off + hdr, length: len - hdr };
    }
    off += len;
  }
  throw corrupt(src.name, 'no codestream (jp2c) box');
}

/** Reads the main header: the segments between SOC and the first SOT. */
async function readMainHeader(
  src: ByteSource,
  start: number,
  length: number,
): Promise<{ header: Segment[]; firstSot: number }> {
  let chunk = Math.min(length, 64 * 1024);
  for (;;) {
    const b = await src.read(start, chunk);
    if (u16(b, 0) !== M.SOC) throw corrupt(src.name, 'the codestream does not start with SOC');
    const header: Segment[] = [];
    let p = 2;
    while (p + 4 <= b.length) {
      const marker = u16(b, p);
      if ((marker & 0xff00) !== 0xff00) throw corrupt(src.name, `expected a marker at codestream byte ${p}`);
      if (marker === M.SOT) return { header, firstSot: p };
      const len = u16(b, p + 2);
      if (len < 2) throw corrupt(src.name, `marker ${marker.toString(16)} has an invalid length`);
      if (p + 2 + len > b.length) break;
      header.push({ marker, bytes: b.slice(p, p + 2 + len) });
      p += 2 + len;
    }
    if (chunk >= length) throw corrupt(src.name, 'the main header has no end (no tile found; truncated?)');
    chunk = Math.min(length, chunk * 4); // rare: huge main header (big TLM/PLM); read more
  }
}

/** Tile-part lengths from TLM segments, or null when the main header has none. */
function tlmEntries(header: Segment[]): TlmEntry[] | null {
  const tlms = header.filter((s) => s.marker === M.TLM).map((s) => parseTlm(s.bytes));
  if (tlms.length === 0) return null;
  tlms.sort((a, b) => a.index - b.index);
  const all = tlms.flatMap((t) => t.entries);
  return all.map((e, i) => (e.tile < 0 ? { tile: i, length: e.length } : e));
}

/** Walks SOT markers, one 12-byte read per tile-part (Psot gives the next one). */
async function walkSots(
  src: ByteSource,
  start: number,
  length: number,
  firstSot: number,
): Promise<TlmEntry[]> {
  const out: TlmEntry[] = [];
  let p = firstSot;
  while (p + 2 <= length) {
    const b = await src.read(start + p, 12);
    if (b.length >= 2 && u16(b, 0) === M.EOC) break;
    const sot = parseSot(b);
    if (!sot) throw corrupt(src.name, `expected a tile-part (SOT) at byte ${start + p}`);
    let len = sot.length;
    if (len === 0) len = length - p - (length - p >= 14 ? 2 : 0); // Psot 0: up to EOC
    if (len < 14) throw corrupt(src.name, `tile-part of tile ${sot.tile} at byte ${start + p} is too short`);
    out.push({ tile: sot.tile, length: len });
    p += len;
  }
  return out;
}

function styles(siz: Siz, cod: Cod, header: Segment[]): CodingStyle[] {
  const out = siz.components.map(() => cod.style);
  for (const s of header) {
    if (s.marker !== M.COC) continue;
    const coc = parseCoc(s.bytes, siz.components.length);
    out[coc.component] = coc.style;
  }
  return out;
}

/**
 * Indexes a JP2/J2K file: main header and where every tile-part is. Reads the box headers, the
 * main header and, without a TLM marker, 12 bytes per tile-part; never the tile data.
 */
export async function indexCodestream(src: ByteSource): Promise<CodestreamIndex> {
  const { start, length } = await locateCodestream(src);
  const { header, firstSot } = await readMainHeader(src, start, length);
  let siz: Siz;
  let cod: Cod;
  let comps: CodingStyle[];
  let entries: TlmEntry[] | null;
  try {
    const sizSeg = header.find((s) => s.marker === M.SIZ);
    const codSeg = header.find((s) => s.marker === M.COD);
    if (!sizSeg) throw new MarkerError('the main header has no SIZ marker');
    if (!codSeg) throw new MarkerError('the main header has no COD marker');
    siz = parseSiz(sizSeg.bytes);
    cod = parseCod(codSeg.bytes);
    comps = styles(siz, cod, header);
    entries = tlmEntries(header);
  } catch (err) {
    if (err instanceof MarkerError) throw corrupt(src.name, err.message, err);
    throw err;
  }
  entries ??= await walkSots(src, start, length, firstSot);
  const tilesX = Math.ceil((siz.width - siz.tileX0) / siz.tileWidth);
  const tilesY = Math.ceil((siz.height - siz.tileY0) / siz.tileHeight);
  // Isot is 16 bits: a SIZ declaring more tiles is damaged (and would allocate a huge index).
  if (!(tilesX >= 1 && tilesY >= 1 && tilesX * tilesY <= MAX_TILES)) {
    throw corrupt(
      src.name,
      `the header declares ${tilesX} x ${tilesY} tiles; JPEG 2000 allows 1 to ${MAX_TILES}`,
    );
  }
  const tiles: TilePart[][] = Array.from({ length: tilesX * tilesY }, () => []);
  let p = firstSot;
  for (const e of entries) {
    const parts = tiles[e.tile];
    if (!parts)
      throw corrupt(src.name, `a tile-part names tile ${e.tile} but there are ${tiles.length} tiles`);
    if (p + e.length > length) {
      throw corrupt(
        src.name,
        `tile ${e.tile} extends to byte ${start + p + e.length} but the codestream ends at ${start + length} (truncated)`,
      );
    }
    parts.push({ offset: start + p, length: e.length });
    p += e.length;
  }
  const missing = tiles.findIndex((t) => t.length === 0);
  if (missing >= 0) throw corrupt(src.name, `tile ${missing} of ${tiles.length} is missing (truncated?)`);
  return { name: src.name, start, length, siz, cod, styles: comps, header, tilesX, tilesY, tiles };
}
