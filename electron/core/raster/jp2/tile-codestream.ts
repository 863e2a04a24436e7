import type { ByteSource } from '../byte-source.js';
import { S2Error } from '../../errors.js';
import type { CodestreamIndex } from './codestream.js';
import { movedOrigin, tileRect, type Rect } from './geometry.js';
import { M, MarkerError, parseCoc, parseCod, parseSot, writeSiz, type CodingStyle } from './markers.js';

export interface TileCodestream {
  /** A complete J2K codestream whose image is exactly this one tile. */
  bytes: Uint8Array;
  /** The tile on the original full-resolution reference grid. */
  rect: Rect;
  /** Where the tile sits in the new codestream (same size, moved origin). */
  moved: Rect;
}

/** Coding styles in force for a tile: the main header's, overridden by COD/COC in its first tile-part. */
function tileStyles(index: CodestreamIndex, firstPart: Uint8Array): CodingStyle[] {
  const styles = index.styles.slice();
  const view = new DataView(firstPart.buffer, firstPart.byteOffset, firstPart.byteLength);
  let p = 12;
  while (p + 4 <= firstPart.length) {
    const marker = view.getUint16(p);
    if (marker === M.SOD) break;
    const seg = firstPart.subarray(p, p + 2 + view.getUint16(p + 2));
    if (marker === M.COD) {
      const cod = parseCod(seg);
      // A tile COD replaces the defaults of every component without a main-header COC.
      const cocs = new Set(index.header.filter((s) => s.marker === M.COC).map((s) => s.bytes[4]));
      styles.forEach((_, c) => {
        if (!cocs.has(c)) styles[c] = cod.style;
      });
    } else if (marker === M.COC) {
      const coc = parseCoc(seg, styles.length);
      styles[coc.component] = coc.style;
    }
    p += 2 + view.getUint16(p + 2);
  }
  return styles;
}

/** Reads the tile-parts of tile `t`, checking that each one starts where the index says. */
export async function readTileParts(
  src: ByteSource,
  index: CodestreamIndex,
  t: number,
): Promise<Uint8Array[]> {
  const parts = index.tiles[t] ?? [];
  return Promise.all(
    parts.map(async (part) => {
      const b = await src.read(part.offset, part.length);
      const sot = parseSot(b);
      if (b.length < part.length || !sot || sot.tile !== t) {
        throw new S2Error(
          'CORRUPT_JP2',
          `${src.name} is not a readable JPEG 2000 file: tile ${t} is not where its index says (byte ${part.offset}).`,
          { file: src.name },
        );
      }
      return b;
    }),
  );
}

/**
 * Builds a standalone codestream for one tile: the main header with SIZ rewritten so that the
 * image is exactly that tile (moved to the smallest origin that keeps every bit the same), TLM and
 * PLM dropped (they describe the whole file), the tile-parts renumbered to tile 0, then EOC.
 */
export function buildTileCodestream(index: CodestreamIndex, t: number, parts: Uint8Array[]): TileCodestream {
  const rect = tileRect(index.siz, index.tilesX, t);
  const first = parts[0];
  if (!first) throw new Error(`tile ${t} has no tile-parts`);
  let styles: CodingStyle[];
  try {
    styles = tileStyles(index, first);
  } catch (err) {
    if (!(err instanceof MarkerError)) throw err;
    throw new S2Error(
      'CORRUPT_JP2',
      `${index.name} is not a readable JPEG 2000 file: tile ${t}: ${err.message}.`,
      {
        file: index.name,
        cause: err,
      },
    );
  }
  const o = movedOrigin(rect, styles);
  const moved: Rect = { x0: o.x, y0: o.y, x1: o.x + rect.x1 - rect.x0, y1: o.y + rect.y1 - rect.y0 };
  const header: Uint8Array[] = [];
  for (const seg of index.header) {
    if (seg.marker === M.TLM || seg.marker === M.PLM) continue;
    if (seg.marker === M.SIZ) {
      header.push(
        writeSiz(seg.bytes, {
          width: moved.x1,
          height: moved.y1,
          x0: moved.x0,
          y0: moved.y0,
          tileWidth: moved.x1 - moved.x0,
          tileHeight: moved.y1 - moved.y0,
          tileX0: moved.x0,
          tileY0: moved.y0,
        }),
      );
    } else {
      header.push(seg.bytes);
    }
  }
  const total = 2 + header.reduce((n, b) => n + b.length, 0) + parts.reduce((n, b) => n + b.length, 0) + 2;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint16(0, M.SOC);
  let p = 2;
  for (const b of header) {
    out.set(b, p);
    p += b.length;
  }
  for (const b of parts) {
    out.set(b, p);
    view.setUint16(p + 4, 0); // Isot: the only tile is tile 0
    view.setUint32(p + 6, b.length); // Psot: explicit even where the file used 0
    p += b.length;
  }
  view.setUint16(p, M.EOC);
  return { bytes: out, rect, moved };
}
