/**
 * GeoJSON reader. RFC 7946 files are WGS 84 lon/lat (EPSG:4326); the legacy 2008 "crs" member
 * (e.g. urn:ogc:def:crs:EPSG::32631) is honoured because ogr2ogr and QGIS still write it.
 * The whole text is parsed at once (JSON has no cheap streaming), so the size is bounded first.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { S2Error } from '../../errors.js';
import { crsFromEpsg, crsFromUser, crsFromWkt } from './crs.js';
import { checkFeatureCount, makeLimiter } from './limits.js';
import type {
  Position,
  PropertyValue,
  ReadOptions,
  Ring,
  VectorCrs,
  VectorFeature,
  VectorGeometry,
  VectorSource,
} from './types.js';

/** Largest GeoJSON text accepted (bytes): beyond this use a GeoPackage or a Shapefile. */
export const MAX_GEOJSON_BYTES = 512 * 1024 * 1024;

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function crsOf(doc: Record<string, unknown>, file: string, opts: ReadOptions): VectorCrs {
  const c = doc.crs;
  if (!isObj(c)) return opts.crs !== undefined ? crsFromUser(opts.crs, file) : crsFromEpsg(4326);
  const name = isObj(c.properties) ? c.properties.name : undefined;
  if (typeof name === 'string') {
    if (/CRS84$/i.test(name)) return crsFromEpsg(4326);
    const m = /EPSG:(?::)?(\d+)$/i.exec(name) ?? /EPSG::?(\d+)/i.exec(name);
    if (m) return crsFromEpsg(Number(m[1]), undefined, file);
    if (/^(PROJ|GEOG)/i.test(name)) return crsFromWkt(name);
  }
  throw new S2Error('INVALID_ARGUMENT', `${file}: unknown "crs" member ${JSON.stringify(c)}.`, { file });
}

function pos(v: unknown): Position | null {
  if (!Array.isArray(v) || typeof v[0] !== 'number' || typeof v[1] !== 'number') return null;
  return [v[0], v[1]];
}
const ring = (v: unknown): Ring =>
  Array.isArray(v) ? v.map(pos).filter((p): p is Position => p !== null) : [];
const rings = (v: unknown): Ring[] => (Array.isArray(v) ? v.map(ring) : []);

function geometry(g: unknown): VectorGeometry | null {
  if (!isObj(g)) return null;
  const c = g.coordinates;
  switch (g.type) {
    case 'Point': {
      const p = pos(c);
      return p && { type: 'Point', coordinates: p };
    }
    case 'MultiPoint': {
      const ps = ring(c);
      return ps.length ? { type: 'MultiPoint', coordinates: ps } : null;
    }
    case 'Polygon': {
      const rs = rings(c);
      return rs.length ? { type: 'Polygon', coordinates: rs } : null;
    }
    case 'MultiPolygon': {
      const ps = Array.isArray(c) ? c.map(rings).filter((p) => p.length > 0) : [];
      return ps.length ? { type: 'MultiPolygon', coordinates: ps } : null;
    }
    case 'GeometryCollection': {
      const parts = (Array.isArray(g.geometries) ? g.geometries : []).map(geometry);
      const polys = parts.flatMap((p) =>
        p?.type === 'Polygon' ? [p.coordinates] : p?.type === 'MultiPolygon' ? p.coordinates : [],
      );
      return polys.length ? { type: 'MultiPolygon', coordinates: polys } : null;
    }
    default:
      return null;
  }
}

function properties(p: unknown): Record<string, PropertyValue> {
  const out: Record<string, PropertyValue> = {};
  if (!isObj(p)) return out;
  for (const [k, v] of Object.entries(p))
    out[k] =
      typeof v === 'string' || typeof v === 'number'
        ? v
        : typeof v === 'boolean'
          ? Number(v)
          : v === null
            ? null
            : JSON.stringify(v);
  return out;
}

/** Opens a GeoJSON FeatureCollection (or a single Feature / geometry). */
export function openGeoJson(file: string, opts: ReadOptions = {}): VectorSource {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new S2Error('NOT_FOUND', `${file} does not exist.`, { file });
  }
  if (size > MAX_GEOJSON_BYTES)
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file} is ${Math.round(size / 2 ** 20)} MiB, above the ${MAX_GEOJSON_BYTES / 2 ** 20} MiB GeoJSON limit; convert it to GeoPackage.`,
      { file, details: { size } },
    );
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new S2Error('BAD_METADATA', `${file} is not valid JSON.`, { file, cause: err });
  }
  if (!isObj(doc)) throw new S2Error('BAD_METADATA', `${file} is not a GeoJSON object.`, { file });
  const raw: unknown[] =
    doc.type === 'FeatureCollection'
      ? Array.isArray(doc.features)
        ? doc.features
        : []
      : doc.type === 'Feature'
        ? [doc]
        : [{ type: 'Feature', geometry: doc, properties: {} }];
  if (doc.type !== 'FeatureCollection' && doc.type !== 'Feature' && typeof doc.type !== 'string')
    throw new S2Error('BAD_METADATA', `${file} is not GeoJSON (no "type").`, { file });
  const crs = crsOf(doc, file, opts);
  checkFeatureCount(file, raw.length, opts);
  const fields: string[] = [];
  const seen = new Set<string>();
  for (const f of raw)
    if (isObj(f) && isObj(f.properties))
      for (const k of Object.keys(f.properties))
        if (!seen.has(k)) {
          seen.add(k);
          fields.push(k);
        }
  let skipped = 0;
  function* features(): Generator<VectorFeature> {
    const limit = makeLimiter(file, opts);
    for (const f of raw) {
      const g = isObj(f) ? geometry(f.geometry) : null;
      if (g === null) {
        skipped += 1;
        continue;
      }
      limit(g);
      yield { geometry: g, properties: properties(isObj(f) ? f.properties : undefined) };
    }
  }
  return {
    file,
    layer: basename(file, extname(file)),
    crs,
    fields,
    featureCount: raw.length,
    features,
    skipped: () => skipped,
  };
}
