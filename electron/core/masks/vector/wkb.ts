/**
 * Well-Known Binary reader (ISO and EWKB flavours) for the geometry types masks use. Z and M
 * (ISO codes +1000/+2000/+3000, or EWKB high bits) are read past and dropped.
 */
import type { Position, Ring, VectorGeometry } from './types.js';

type Raw =
  | { t: 1; p: Position | null }
  | { t: 2 | 5 }
  | { t: 3; rings: Ring[] }
  | { t: 4; pts: Position[] }
  | { t: 6; polys: Ring[][] }
  | { t: 7; parts: Raw[] };

class WkbCursor {
  pos: number;
  constructor(
    private readonly v: DataView,
    start: number,
  ) {
    this.pos = start;
  }
  u8(): number {
    const x = this.v.getUint8(this.pos);
    this.pos += 1;
    return x;
  }
  u32(le: boolean): number {
    const x = this.v.getUint32(this.pos, le);
    this.pos += 4;
    return x;
  }
  f64(le: boolean): number {
    const x = this.v.getFloat64(this.pos, le);
    this.pos += 8;
    return x;
  }
}

function readRaw(c: WkbCursor): Raw {
  const le = c.u8() === 1;
  let code = c.u32(le);
  let dims = 2;
  // EWKB (PostGIS) flags in the high bits; ISO uses thousands.
  if (code & 0x80000000) dims += 1;
  if (code & 0x40000000) dims += 1;
  if (code & 0x20000000) c.u32(le); // embedded SRID
  code &= 0x0fffffff;
  const kind = code % 1000;
  const iso = Math.floor(code / 1000);
  if (iso === 1 || iso === 2) dims += 1;
  else if (iso === 3) dims += 2;
  const point = (): Position => {
    const x = c.f64(le);
    const y = c.f64(le);
    for (let d = 2; d < dims; d++) c.f64(le);
    return [x, y];
  };
  const seq = (): Position[] => {
    const n = c.u32(le);
    const out: Position[] = [];
    for (let i = 0; i < n; i++) out.push(point());
    return out;
  };
  switch (kind) {
    case 1: {
      const p = point();
      return { t: 1, p: Number.isNaN(p[0]) || Number.isNaN(p[1]) ? null : p };
    }
    case 2:
      seq();
      return { t: 2 };
    case 3: {
      const n = c.u32(le);
      const rings: Ring[] = [];
      for (let i = 0; i < n; i++) rings.push(seq());
      return { t: 3, rings };
    }
    case 4:
    case 5:
    case 6:
    case 7: {
      const n = c.u32(le);
      const parts: Raw[] = [];
      for (let i = 0; i < n; i++) parts.push(readRaw(c));
      if (kind === 4) return { t: 4, pts: parts.flatMap((r) => (r.t === 1 && r.p !== null ? [r.p] : [])) };
      if (kind === 6) return { t: 6, polys: parts.flatMap((r) => (r.t === 3 ? [r.rings] : [])) };
      if (kind === 5) return { t: 5 };
      return { t: 7, parts };
    }
    default:
      throw new Error(`unsupported WKB geometry type ${code}`);
  }
}

function toGeometry(r: Raw): VectorGeometry | null {
  switch (r.t) {
    case 1:
      return r.p === null ? null : { type: 'Point', coordinates: r.p };
    case 3:
      return r.rings.length === 0 ? null : { type: 'Polygon', coordinates: r.rings };
    case 4:
      return r.pts.length === 0 ? null : { type: 'MultiPoint', coordinates: r.pts };
    case 6:
      return r.polys.length === 0 ? null : { type: 'MultiPolygon', coordinates: r.polys };
    case 7: {
      // A collection becomes MultiPoint or MultiPolygon of its point / polygon members.
      const gs = r.parts.map(toGeometry).filter((g): g is VectorGeometry => g !== null);
      const polys = gs.flatMap((g) =>
        g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [],
      );
      if (polys.length > 0) return { type: 'MultiPolygon', coordinates: polys };
      const pts = gs.flatMap((g) =>
        g.type === 'Point' ? [g.coordinates] : g.type === 'MultiPoint' ? g.coordinates : [],
      );
      return pts.length > 0 ? { type: 'MultiPoint', coordinates: pts } : null;
    }
    default:
      return null; // lines
  }
}

/** Parses WKB at `offset`; null for empty or line geometries. Throws on malformed input. */
export function parseWkb(bytes: Uint8Array, offset = 0): VectorGeometry | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return toGeometry(readRaw(new WkbCursor(view, offset)));
}

/** Parses a GeoPackage geometry blob: "GP" header (+ optional envelope) then WKB. */
export function parseGpkgGeometry(blob: Uint8Array): { srsId: number; geometry: VectorGeometry | null } {
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50)
    throw new Error('not a GeoPackage geometry blob (no "GP" magic)');
  const flags = blob[3] ?? 0;
  const le = (flags & 1) === 1;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const srsId = view.getInt32(4, le);
  const envelope = (flags >> 1) & 7;
  const envBytes = [0, 32, 48, 48, 64][envelope];
  if (envBytes === undefined) throw new Error(`bad GeoPackage envelope code ${envelope}`);
  if ((flags & 0x10) !== 0) return { srsId, geometry: null }; // empty geometry flag
  return { srsId, geometry: parseWkb(blob, 8 + envBytes) };
}
