import { FIELD_SIZE, FieldType, type IfdEntry } from './tags.js';

/** Classic TIFF (32-bit offsets) or BigTIFF (64-bit offsets). */
export interface TiffFlavour {
  bigTiff: boolean;
}

function valueCount(e: IfdEntry): number {
  return typeof e.values === 'string' ? Buffer.byteLength(e.values, 'latin1') + 1 : e.values.length;
}

function inlineLimit(f: TiffFlavour): number {
  return f.bigTiff ? 8 : 4;
}

/** Word-aligned byte size of an entry's out-of-line value, or 0 when it fits in the entry. */
function externalSize(e: IfdEntry, f: TiffFlavour): number {
  const n = valueCount(e) * FIELD_SIZE[e.type];
  return n <= inlineLimit(f) ? 0 : n + (n & 1);
}

/** Bytes of one IFD with its out-of-line values placed right after it (GDAL does the same). */
export function ifdByteSize(entries: readonly IfdEntry[], f: TiffFlavour): number {
  const head = f.bigTiff ? 8 + entries.length * 20 + 8 : 2 + entries.length * 12 + 4;
  let size = head;
  for (const e of entries) size += externalSize(e, f);
  return size;
}

function writeValues(buf: Buffer, at: number, e: IfdEntry): void {
  if (typeof e.values === 'string') {
    buf.write(e.values, at, 'latin1');
    buf[at + Buffer.byteLength(e.values, 'latin1')] = 0;
    return;
  }
  const size = FIELD_SIZE[e.type];
  e.values.forEach((v, i) => {
    const p = at + i * size;
    switch (e.type) {
      case FieldType.BYTE:
        buf.writeUInt8(v, p);
        break;
      case FieldType.SHORT:
        buf.writeUInt16LE(v, p);
        break;
      case FieldType.LONG:
        buf.writeUInt32LE(v, p);
        break;
      case FieldType.DOUBLE:
        buf.writeDoubleLE(v, p);
        break;
      case FieldType.LONG8:
        buf.writeBigUInt64LE(BigInt(v), p);
        break;
      default:
        throw new Error(`Unsupported TIFF field type ${e.type}`);
    }
  });
}

/**
 * Encodes one little-endian IFD at file offset `offset` (must be even). Entries are sorted by
 * tag as TIFF requires; `next` is the offset of the following IFD (0 for the last).
 */
export function encodeIfd(
  entries: readonly IfdEntry[],
  offset: number,
  next: number,
  f: TiffFlavour,
): Buffer {
  if (offset % 2 !== 0) throw new Error('IFD offset must be word-aligned');
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const buf = Buffer.alloc(ifdByteSize(sorted, f));
  const entrySize = f.bigTiff ? 20 : 12;
  if (f.bigTiff) buf.writeBigUInt64LE(BigInt(sorted.length), 0);
  else buf.writeUInt16LE(sorted.length, 0);
  let p = f.bigTiff ? 8 : 2;
  let ext = p + sorted.length * entrySize + (f.bigTiff ? 8 : 4);
  for (const e of sorted) {
    const count = valueCount(e);
    buf.writeUInt16LE(e.tag, p);
    buf.writeUInt16LE(e.type, p + 2);
    if (f.bigTiff) buf.writeBigUInt64LE(BigInt(count), p + 4);
    else buf.writeUInt32LE(count, p + 4);
    const valueAt = p + (f.bigTiff ? 12 : 8);
    const extSize = externalSize(e, f);
    if (extSize === 0) {
      writeValues(buf, valueAt, e); // left-justified in the value field
    } else {
      if (f.bigTiff) buf.writeBigUInt64LE(BigInt(offset + ext), valueAt);
      else buf.writeUInt32LE(offset + ext, valueAt);
      writeValues(buf, ext, e);
      ext += extSize;
    }
    p += entrySize;
  }
  if (f.bigTiff) buf.writeBigUInt64LE(BigInt(next), p);
  else buf.writeUInt32LE(next, p);
  return buf;
}

/** The 8-byte (classic) or 16-byte (BigTIFF) little-endian header pointing at the first IFD. */
export function encodeHeader(firstIfd: number, f: TiffFlavour): Buffer {
  const buf = Buffer.alloc(f.bigTiff ? 16 : 8);
  buf.write('II', 0, 'latin1');
  if (f.bigTiff) {
    buf.writeUInt16LE(43, 2);
    buf.writeUInt16LE(8, 4); // bytesize of offsets
    buf.writeUInt16LE(0, 6);
    buf.writeBigUInt64LE(BigInt(firstIfd), 8);
  } else {
    buf.writeUInt16LE(42, 2);
    buf.writeUInt32LE(firstIfd, 4);
  }
  return buf;
}
