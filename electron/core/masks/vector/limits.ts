/** Feature/vertex bounds shared by all readers: refuse huge inputs with a clear message. */
import { S2Error } from '../../errors.js';
import {
  DEFAULT_MAX_FEATURES,
  DEFAULT_MAX_VERTICES,
  type VectorGeometry,
  type VectorLimits,
} from './types.js';

export function vertexCount(g: VectorGeometry): number {
  switch (g.type) {
    case 'Point':
      return 1;
    case 'MultiPoint':
      return g.coordinates.length;
    case 'Polygon':
      return g.coordinates.reduce((n, r) => n + r.length, 0);
    case 'MultiPolygon':
      return g.coordinates.reduce((n, p) => n + p.reduce((m, r) => m + r.length, 0), 0);
  }
}

/** Fails early when a file announces more features than allowed (before reading any). */
export function checkFeatureCount(file: string, count: number, limits: VectorLimits): void {
  const max = limits.maxFeatures ?? DEFAULT_MAX_FEATURES;
  if (count > max)
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file} has ${count} features, more than the limit of ${max}; raise maxFeatures or split the file.`,
      { file, details: { featureCount: count, maxFeatures: max } },
    );
}

/** Returns a counter to call once per feature read; throws when a limit is passed. */
export function makeLimiter(file: string, limits: VectorLimits): (g: VectorGeometry) => void {
  const maxF = limits.maxFeatures ?? DEFAULT_MAX_FEATURES;
  const maxV = limits.maxVertices ?? DEFAULT_MAX_VERTICES;
  let features = 0;
  let vertices = 0;
  return (g) => {
    features += 1;
    vertices += vertexCount(g);
    if (features > maxF) checkFeatureCount(file, features, limits);
    if (vertices > maxV)
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${file} has more than ${maxV} vertices (limit reached at feature ${features}); raise maxVertices or simplify the file.`,
        { file, details: { maxVertices: maxV, features } },
      );
  };
}
