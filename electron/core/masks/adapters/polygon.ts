/**
 * Even-odd scanline rasterising of polygons at pixel centres (the GDAL default, no ALL_TOUCHED),
 * for north-up grids. A polygon is a list of rings (exterior and holes, any orientation).
 */
import type { Grid } from '../../raster/grid.js';

export type Ring = ReadonlyArray<readonly [number, number]>;
export type Polygon = readonly Ring[];

/** Sets `out[i] = value` for every pixel whose centre is inside `polygon` (even-odd rule). */
export function rasterisePolygon(grid: Grid, polygon: Polygon, value: number, out: Uint8Array): void {
  const [ox, pw, , oy, , ph] = grid.transform;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const ring of polygon)
    for (const [, y] of ring) {
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  if (!Number.isFinite(minY)) return;
  // Rows whose centre lies within [minY, maxY] (ph < 0: y decreases with the row).
  const r0 = Math.max(0, Math.floor((maxY - oy) / ph - 0.5));
  const r1 = Math.min(grid.height - 1, Math.ceil((minY - oy) / ph - 0.5));
  const xs: number[] = [];
  for (let r = r0; r <= r1; r++) {
    const cy = oy + (r + 0.5) * ph;
    xs.length = 0;
    for (const ring of polygon) {
      const n = ring.length;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const a = ring[i] as readonly [number, number];
        const b = ring[j] as readonly [number, number];
        // Half-open rule: an edge counts when cy is in [min, max) of its ends.
        if (a[1] > cy !== b[1] > cy) xs.push(a[0] + ((cy - a[1]) * (b[0] - a[0])) / (b[1] - a[1]));
      }
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const c0 = Math.max(0, Math.ceil(((xs[k] as number) - ox) / pw - 0.5));
      const c1 = Math.min(grid.width, Math.ceil(((xs[k + 1] as number) - ox) / pw - 0.5));
      if (c1 > c0) out.fill(value, r * grid.width + c0, r * grid.width + c1);
    }
  }
}
