/** Lon/lat boxes of grids and layers: what decides that a tile is empty without rendering it. */
import { transformer } from '../masks/adapters/crs.js';
import type { Grid } from '../raster/grid.js';

/** [west, south, east, north] in degrees. */
export type LonLatBox = [number, number, number, number];

/** Lon/lat box of a grid: its edges sampled every 1/16 of a side through proj4. */
export function gridBounds(grid: Grid): LonLatBox {
  const toLL = transformer(grid.epsg, 4326);
  const [ox, pw, rx, oy, ry, ph] = grid.transform;
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (let k = 0; k <= 16; k++) {
    const t = k / 16;
    for (const [c, r] of [
      [t * grid.width, 0],
      [t * grid.width, grid.height],
      [0, t * grid.height],
      [grid.width, t * grid.height],
    ] as const) {
      const [lon, lat] = toLL(ox + c * pw + r * rx, oy + c * ry + r * ph);
      w = Math.min(w, lon);
      e = Math.max(e, lon);
      s = Math.min(s, lat);
      n = Math.max(n, lat);
    }
  }
  return [w, s, e, n];
}

export function boxesIntersect(a: readonly number[], b: readonly number[]): boolean {
  const m = 1e-9;
  return (
    (a[0] as number) <= (b[2] as number) + m &&
    (b[0] as number) <= (a[2] as number) + m &&
    (a[1] as number) <= (b[3] as number) + m &&
    (b[1] as number) <= (a[3] as number) + m
  );
}

/** The common part of two boxes; null when they do not meet. */
export function boxIntersection(a: LonLatBox, b: LonLatBox): LonLatBox | null {
  if (!boxesIntersect(a, b)) return null;
  return [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
}
