import { open } from 'node:fs/promises';

/** What checkTiff found: ok, or why the file is not a complete TIFF of the size expected. */
export type TiffCheck = { ok: true; width: number; height: number } | { ok: false; reason: string };

const TAG_WIDTH = 256;
const TAG_HEIGHT = 257;
const TAG_STRIP_OFFSETS = 273;
const TAG_STRIP_COUNTS = 279;
const TAG_TILE_OFFSETS = 324;
const TAG_TILE_COUNTS = 325;
/** Bytes of one IFD read at most (a 10 m COG's full-resolution IFD holds 484 tiles: a few KB). */
const MAX_IFD_BYTES = 64 * 2 ** 20;
const MAX_IFDS = 64;

/**
 * Whether `path` is a complete TIFF (classic or BigTIFF): a valid header, every IFD inside the
 * file, and every strip or tile it lists lying inside the file (a file cut short by a full disk
 * or a kill fails here). With `expect`, the first image must also have that width and height.
 * Used by the batch's "skip existing", so a broken output is made again instead of kept.
 */
export async function checkTiff(
  path: string,
  expect?: { width: number; height: number },
): Promise<TiffCheck> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    return { ok: false, reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  try {
    const size = (await fh.stat()).size;
    const read = async (pos: number, len: number): Promise<DataView | null> => {
      if (pos < 0 || len < 0 || pos + len > size) return null;
      const buf = Buffer.alloc(len);
      const { bytesRead } = await fh.read(buf, 0, len, pos);
      return bytesRead === len ? new DataView(buf.buffer, buf.byteOffset, len) : null;
    };
    const head = await read(0, 16);
    if (!head && size < 8) return { ok: false, reason: `is ${size} bytes long, too short for a TIFF` };
    const h = head ?? (await read(0, 8))!;
    const order = h.getUint16(0);
    if (order !== 0x4949 && order !== 0x4d4d)
      return { ok: false, reason: 'does not start with a TIFF header' };
    const le = order === 0x4949;
    const magic = h.getUint16(2, le);
    if (magic !== 42 && magic !== 43) return { ok: false, reason: 'does not start with a TIFF header' };
    const big = magic === 43;
    if (big && !head) return { ok: false, reason: 'is too short for a BigTIFF' };
    const u = (v: DataView, at: number, bytes: number): number =>
      bytes === 8 ? Number(v.getBigUint64(at, le)) : bytes === 4 ? v.getUint32(at, le) : v.getUint16(at, le);
    const offBytes = big ? 8 : 4;
    let ifd = u(h, big ? 8 : 4, offBytes);
    let first: { width: number; height: number } | null = null;
    for (let n = 0; ifd !== 0; n++) {
      if (n >= MAX_IFDS) return { ok: false, reason: `has more than ${MAX_IFDS} images (a loop?)` };
      const countBytes = big ? 8 : 2;
      const cv = await read(ifd, countBytes);
      if (!cv)
        return { ok: false, reason: `image ${n + 1}'s directory lies past the end of the file (cut short?)` };
      const count = u(cv, 0, countBytes);
      const entryBytes = big ? 20 : 12;
      const len = count * entryBytes + offBytes;
      if (len > MAX_IFD_BYTES)
        return { ok: false, reason: `image ${n + 1}'s directory is implausibly large` };
      const body = await read(ifd + countBytes, len);
      if (!body) return { ok: false, reason: `image ${n + 1}'s directory is cut short` };
      const tags = new Map<number, number[]>();
      for (let i = 0; i < count; i++) {
        const at = i * entryBytes;
        const tag = body.getUint16(at, le);
        const type = body.getUint16(at + 2, le);
        const cnt = u(body, at + 4, offBytes);
        const size1 = type === 3 ? 2 : type === 4 ? 4 : type === 16 ? 8 : 0;
        if (
          size1 === 0 ||
          ![
            TAG_WIDTH,
            TAG_HEIGHT,
            TAG_STRIP_OFFSETS,
            TAG_STRIP_COUNTS,
            TAG_TILE_OFFSETS,
            TAG_TILE_COUNTS,
          ].includes(tag)
        )
          continue;
        const inline = cnt * size1 <= offBytes;
        const values = inline ? body : await read(u(body, at + 4 + offBytes, offBytes), cnt * size1);
        if (!values)
          return { ok: false, reason: `image ${n + 1}'s tag ${tag} points past the end of the file` };
        const base = inline ? at + 4 + offBytes : 0;
        const out: number[] = [];
        for (let k = 0; k < cnt; k++) out.push(u(values, base + k * size1, size1));
        tags.set(tag, out);
      }
      const width = tags.get(TAG_WIDTH)?.[0];
      const height = tags.get(TAG_HEIGHT)?.[0];
      if (width === undefined || height === undefined)
        return { ok: false, reason: `image ${n + 1} has no size` };
      first ??= { width, height };
      const offsets = tags.get(TAG_TILE_OFFSETS) ?? tags.get(TAG_STRIP_OFFSETS);
      const counts = tags.get(TAG_TILE_COUNTS) ?? tags.get(TAG_STRIP_COUNTS);
      if (!offsets || !counts || offsets.length !== counts.length || offsets.length === 0) {
        return { ok: false, reason: `image ${n + 1} lists no data blocks` };
      }
      for (let k = 0; k < offsets.length; k++) {
        if (offsets[k]! + counts[k]! > size) {
          return {
            ok: false,
            reason: `data block ${k} of image ${n + 1} ends at byte ${offsets[k]! + counts[k]!}, past the end of the ${size}-byte file (cut short?)`,
          };
        }
      }
      const next = await read(ifd + countBytes + count * entryBytes, offBytes);
      if (!next) return { ok: false, reason: `image ${n + 1}'s directory is cut short` };
      ifd = u(next, 0, offBytes);
    }
    if (!first) return { ok: false, reason: 'holds no image' };
    if (expect && (first.width !== expect.width || first.height !== expect.height)) {
      return {
        ok: false,
        reason: `is ${first.width} x ${first.height} px, ${expect.width} x ${expect.height} expected`,
      };
    }
    return { ok: true, ...first };
  } finally {
    await fh.close();
  }
}
