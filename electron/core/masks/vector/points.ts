/** Labelled points on a grid, for point-based validation (ALCD-style samples). */
import type { Grid } from '../../raster/grid.js';
import type { MaskClassValue } from '../schema.js';
import { worldToPixel } from './pixel.js';
import type { ClassifiedFeature, Position } from './types.js';

export interface LabelledPixel {
  col: number;
  row: number;
  /** Point coordinates in the grid's CRS. */
  x: number;
  y: number;
  cls: MaskClassValue;
  /** Index of the feature in its file (MultiPoint members share it). */
  featureIndex: number;
  /** File the point came from, when several files were merged. */
  file?: string;
}

export interface PointsOnGrid {
  points: LabelledPixel[];
  /** Points outside the grid, not in `points`. */
  outside: number;
  /** Polygon features given where points were expected (ignored here). */
  notPoints: number;
}

/** Places point features (already in the grid's CRS) on the grid's pixels. */
export function pointsOnGrid(
  features: Iterable<ClassifiedFeature & { featureIndex: number; file?: string }>,
  grid: Grid,
): PointsOnGrid {
  const toPixel = worldToPixel(grid);
  const out: PointsOnGrid = { points: [], outside: 0, notPoints: 0 };
  for (const f of features) {
    const g = f.geometry;
    const pts: Position[] =
      g.type === 'Point' ? [g.coordinates] : g.type === 'MultiPoint' ? g.coordinates : [];
    if (pts.length === 0) out.notPoints += 1;
    for (const p of pts) {
      const [c, r] = toPixel(p);
      const col = Math.floor(c);
      const row = Math.floor(r);
      if (col < 0 || row < 0 || col >= grid.width || row >= grid.height) {
        out.outside += 1;
        continue;
      }
      const lp: LabelledPixel = { col, row, x: p[0], y: p[1], cls: f.cls, featureIndex: f.featureIndex };
      if (f.file !== undefined) lp.file = f.file;
      out.points.push(lp);
    }
  }
  return out;
}
