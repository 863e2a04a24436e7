/** World <-> pixel coordinates for a GDAL geotransform (rotation terms included). */
import type { Grid } from '../../raster/grid.js';
import type { Position } from './types.js';

/** Returns a function mapping world (x, y) to fractional (col, row); pixel centres at +0.5. */
export function worldToPixel(grid: Grid): (p: Position) => Position {
  const [ox, pw, rx, oy, ry, ph] = grid.transform;
  const det = pw * ph - rx * ry;
  return ([x, y]) => {
    const dx = x - ox;
    const dy = y - oy;
    return [(ph * dx - rx * dy) / det, (-ry * dx + pw * dy) / det];
  };
}

/** World coordinates of the grid's outer corners' bounding box: [minX, minY, maxX, maxY]. */
export function gridBounds(grid: Grid): [number, number, number, number] {
  const [ox, pw, rx, oy, ry, ph] = grid.transform;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [c, r] of [
    [0, 0],
    [grid.width, 0],
    [0, grid.height],
    [grid.width, grid.height],
  ] as const) {
    xs.push(ox + c * pw + r * rx);
    ys.push(oy + c * ry + r * ph);
  }
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
