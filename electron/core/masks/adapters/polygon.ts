/**
 * Rasterising polygons given in map coordinates (GML cloud masks, product footprints): the same
 * even-odd scanline at pixel centres as the vector references, after mapping to pixel space.
 */
import type { Grid } from '../../raster/grid.js';
import { fillRings } from '../vector/rasterize.js';
import { worldToPixel } from '../vector/pixel.js';

export type Ring = ReadonlyArray<readonly [number, number]>;
export type Polygon = readonly Ring[];

/** Sets `out[i] = value` for every pixel whose centre is inside `polygon` (even-odd rule). */
export function rasterisePolygon(grid: Grid, polygon: Polygon, value: number, out: Uint8Array): void {
  const toPixel = worldToPixel(grid);
  const rings = polygon.map((ring) => ring.map(([x, y]) => toPixel([x, y])));
  fillRings(rings, grid.width, grid.height, (row, c0, c1) =>
    out.fill(value, row * grid.width + c0, row * grid.width + c1 + 1),
  );
}
