/**
 * Point-based validation: labelled reference points (pixel column/row on the comparison grid and
 * a schema class, e.g. ALCD point labels converted by the reference module) against a mask.
 */
import { addPair, emptyConfusion, type ConfusionMatrix } from './confusion.js';
import { scoreMatrix, type Scores } from './scores.js';

export interface LabelledPoint {
  /** Pixel column on the comparison grid (fractional values are floored). */
  col: number;
  /** Pixel row on the comparison grid. */
  row: number;
  /** Reference class on the schema (0 counts as no data). */
  classValue: number;
}

export interface PointValidation {
  matrix: ConfusionMatrix;
  scores: Scores;
  /** Points given. */
  points: number;
  /** Points outside the grid (not scored). */
  outside: number;
  /** Points on no data: the point's class is 0, or the mask is no data there. */
  onNoData: number;
}

export function validatePoints(
  prediction: Uint8Array,
  width: number,
  height: number,
  points: readonly LabelledPoint[],
): PointValidation {
  const m = emptyConfusion();
  let outside = 0;
  for (const p of points) {
    const col = Math.floor(p.col);
    const row = Math.floor(p.row);
    if (!(col >= 0 && col < width && row >= 0 && row < height)) {
      outside++;
      continue;
    }
    m.considered++;
    addPair(m, p.classValue, prediction[row * width + col]!, 1);
  }
  return {
    matrix: m,
    scores: scoreMatrix(m),
    points: points.length,
    outside,
    onNoData: m.noDataReference + m.noDataPrediction,
  };
}
