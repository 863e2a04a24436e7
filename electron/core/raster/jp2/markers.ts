/**
 * JPEG 2000 codestream marker segments (ITU-T T.800 Annex A) that the tile cutter needs: SIZ for
 * the geometry, COD/COC for the partition structure. Everything else is copied through untouched.
 */
export const M = {
  SOC: 0xff4f,
  SIZ: 0xff51,
  COD: 0xff52,
  COC: 0xff53,
  TLM: 0xff55,
  PLM: 0xff57,
  PPM: 0xff60,
  SOT: 0xff90,
  SOD: 0xff93,
  EOC: 0xffd9,
} as const;

export interface ComponentSiz {
  precision: number;
  signed: boolean;
  dx: number;
  dy: number;
}

export interface Siz {
  width: number; // Xsiz: right edge of the reference grid (absolute)
  height: number;
  x0: number; // XOsiz
  y0: number;
  tileWidth: number; // XTsiz
  tileHeight: number;
  tileX0: number; // XTOsiz
  tileY0: number;
  components: ComponentSiz[];
}

/** Coding style of one component: what fixes the DWT, precinct and code-block partitions. */
export interface CodingStyle {
  levels: number;
  /** log2 of code-block width / height. */
  cbw: number;
  cbh: number;
  /** log2 precinct width / height per resolution (0 = lowest); 15 when not signalled. */
  ppx: number[];
  ppy: number[];
}

export interface Cod {
  progression: number;
  layers: number;
  style: CodingStyle;
}

export class MarkerError extends Error {}

function need(seg: Uint8Array, n: number, what: string): void {
  if (seg.length < n) throw new MarkerError(`${what} marker segment is too short (${seg.length} bytes)`);
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Parses a SIZ segment; `seg` starts at the marker (FF51). */
export function parseSiz(seg: Uint8Array): Siz {
  need(seg, 40, 'SIZ');
  const v = view(seg);
  const csiz = v.getUint16(38);
  need(seg, 40 + 3 * csiz, 'SIZ');
  const components: ComponentSiz[] = [];
  for (let c = 0; c < csiz; c++) {
    const s = v.getUint8(40 + 3 * c);
    components.push({
      precision: (s & 0x7f) + 1,
      signed: (s & 0x80) !== 0,
      dx: v.getUint8(41 + 3 * c),
      dy: v.getUint8(42 + 3 * c),
    });
  }
  const siz: Siz = {
    width: v.getUint32(6),
    height: v.getUint32(10),
    x0: v.getUint32(14),
    y0: v.getUint32(18),
    tileWidth: v.getUint32(22),
    tileHeight: v.getUint32(26),
    tileX0: v.getUint32(30),
    tileY0: v.getUint32(34),
    components,
  };
  if (csiz === 0) throw new MarkerError('SIZ declares no components');
  if (siz.width <= siz.x0 || siz.height <= siz.y0) throw new MarkerError('SIZ declares an empty image');
  if (siz.tileWidth === 0 || siz.tileHeight === 0) throw new MarkerError('SIZ declares a zero tile size');
  if (siz.tileX0 > siz.x0 || siz.tileY0 > siz.y0) throw new MarkerError('SIZ tile offset is past the image');
  if (siz.tileX0 + siz.tileWidth <= siz.x0 || siz.tileY0 + siz.tileHeight <= siz.y0) {
    throw new MarkerError('SIZ first tile does not cover the image origin');
  }
  if (components.some((c) => c.dx === 0 || c.dy === 0)) throw new MarkerError('SIZ has a zero sub-sampling');
  return siz;
}

/** Writes `siz` over a copy of the original SIZ segment (same length: the component list is unchanged). */
export function writeSiz(original: Uint8Array, siz: Omit<Siz, 'components'>): Uint8Array {
  const out = original.slice();
  const v = view(out);
  v.setUint32(6, siz.width);
  v.setUint32(10, siz.height);
  v.setUint32(14, siz.x0);
  v.setUint32(18, siz.y0);
  v.setUint32(22, siz.tileWidth);
  v.setUint32(26, siz.tileHeight);
  v.setUint32(30, siz.tileX0);
  v.setUint32(34, siz.tileY0);
  return out;
}

/** Parses SPcod/SPcoc starting at `at`; `precincts` is bit 0 of Scod/Scoc. */
function parseSpco(seg: Uint8Array, at: number, precincts: boolean, what: string): CodingStyle {
  need(seg, at + 5, what);
  const levels = seg[at] ?? 0;
  if (levels > 32) throw new MarkerError(`${what} declares ${levels} decomposition levels (at most 32)`);
  const cbw = (seg[at + 1] ?? 0) + 2;
  const cbh = (seg[at + 2] ?? 0) + 2;
  if (cbw > 10 || cbh > 10 || cbw + cbh > 12)
    throw new MarkerError(`${what} declares an invalid code-block size`);
  const ppx: number[] = [];
  const ppy: number[] = [];
  for (let r = 0; r <= levels; r++) {
    if (precincts) {
      need(seg, at + 5 + r + 1, what);
      const b = seg[at + 5 + r] ?? 0;
      ppx.push(b & 0x0f);
      ppy.push(b >> 4);
    } else {
      ppx.push(15);
      ppy.push(15);
    }
  }
  return { levels, cbw, cbh, ppx, ppy };
}

/** Parses a COD segment (starts at FF52). */
export function parseCod(seg: Uint8Array): Cod {
  need(seg, 14, 'COD');
  const v = view(seg);
  const scod = v.getUint8(4);
  return {
    progression: v.getUint8(5),
    layers: v.getUint16(6),
    style: parseSpco(seg, 9, (scod & 1) !== 0, 'COD'),
  };
}

/** Parses a COC segment (starts at FF53); the component index is 2 bytes when Csiz >= 257. */
export function parseCoc(seg: Uint8Array, componentCount: number): { component: number; style: CodingStyle } {
  const wide = componentCount >= 257;
  need(seg, wide ? 7 : 6, 'COC');
  const v = view(seg);
  const component = wide ? v.getUint16(4) : v.getUint8(4);
  const at = wide ? 6 : 5;
  const scoc = v.getUint8(at);
  if (component >= componentCount)
    throw new MarkerError(`COC names component ${component} of ${componentCount}`);
  return { component, style: parseSpco(seg, at + 1, (scoc & 1) !== 0, 'COC') };
}

export interface TlmEntry {
  /** Tile index, or -1 when the TLM does not carry it (tile-parts in index order). */
  tile: number;
  length: number;
}

/** Parses one TLM segment (starts at FF55). */
export function parseTlm(seg: Uint8Array): { index: number; entries: TlmEntry[] } {
  need(seg, 6, 'TLM');
  const v = view(seg);
  const len = v.getUint16(2);
  const stlm = v.getUint8(5);
  const st = (stlm >> 4) & 3;
  const sp = (stlm >> 6) & 1 ? 4 : 2;
  if (st === 3) throw new MarkerError('TLM has an invalid Stlm');
  const size = st + sp;
  const n = (len - 4) / size;
  if (!Number.isInteger(n) || seg.length < len + 2) throw new MarkerError('TLM length is inconsistent');
  const entries: TlmEntry[] = [];
  for (let i = 0, p = 6; i < n; i++, p += size) {
    const tile = st === 0 ? -1 : st === 1 ? v.getUint8(p) : v.getUint16(p);
    const length = sp === 2 ? v.getUint16(p + st) : v.getUint32(p + st);
    entries.push({ tile, length });
  }
  return { index: v.getUint8(4), entries };
}

export interface Sot {
  tile: number;
  /** Psot: tile-part length from the SOT marker; 0 = up to the end of the codestream. */
  length: number;
  part: number;
  parts: number;
}

/** Parses the 12 bytes of an SOT segment, or returns null when they are not one. */
export function parseSot(b: Uint8Array): Sot | null {
  if (b.length < 12) return null;
  const v = view(b);
  if (v.getUint16(0) !== M.SOT || v.getUint16(2) !== 10) return null;
  return { tile: v.getUint16(4), length: v.getUint32(6), part: v.getUint8(10), parts: v.getUint8(11) };
}
