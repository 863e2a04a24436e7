/** Reprojection of features into a grid's CRS with proj4 (x/y order: lon/lat, easting/northing). */
import proj4 from 'proj4';
import { S2Error } from '../../errors.js';
import { crsFromEpsg } from './crs.js';
import type { Position, VectorCrs, VectorFeature, VectorGeometry } from './types.js';

export type PointTransform = (p: Position) => Position;

/** A transform from `from` to EPSG `toEpsg`; the identity when both are the same code. */
export function makeTransform(from: VectorCrs, toEpsg: number, file?: string): PointTransform {
  if (from.epsg === toEpsg) return (p) => p;
  const target = crsFromEpsg(toEpsg, undefined, file);
  let conv: proj4.Converter;
  try {
    conv = proj4(from.proj4, target.proj4);
  } catch (err) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file ?? 'The vector file'}: its coordinate system cannot be used for reprojection (${String(err)}).`,
      { file, cause: err },
    );
  }
  return (p) => {
    const [x, y] = conv.forward([p[0], p[1]]);
    return [x, y] as Position;
  };
}

export function transformGeometry(g: VectorGeometry, t: PointTransform): VectorGeometry {
  switch (g.type) {
    case 'Point':
      return { type: 'Point', coordinates: t(g.coordinates) };
    case 'MultiPoint':
      return { type: 'MultiPoint', coordinates: g.coordinates.map(t) };
    case 'Polygon':
      return { type: 'Polygon', coordinates: g.coordinates.map((r) => r.map(t)) };
    case 'MultiPolygon':
      return {
        type: 'MultiPolygon',
        coordinates: g.coordinates.map((p) => p.map((r) => r.map(t))),
      };
  }
}

/** Features reprojected to EPSG `toEpsg` (lazily, one at a time). */
export function* reprojectFeatures<F extends VectorFeature>(
  features: Iterable<F>,
  from: VectorCrs,
  toEpsg: number,
  file?: string,
): Generator<F> {
  const t = makeTransform(from, toEpsg, file);
  for (const f of features) yield { ...f, geometry: transformGeometry(f.geometry, t) };
}
