/**
 * Several masks against one reference (one row per mask, as in the KappaMask paper's tables),
 * and pairwise agreement between masks when there is no reference.
 */
import { basename } from 'node:path';
import { S2Error } from '../errors.js';
import type { SchemaMask } from '../masks/schema.js';
import type { Grid, PixelWindow } from '../raster/grid.js';
import { pixelAreaM2 } from './areas.js';
import { binaryScores, type BinaryScores, type ShadowMode } from './binary.js';
import { boundaryBuffer } from './buffer.js';
import { confusionMatrix, type ConfusionMatrix } from './confusion.js';
import { validatePoints, type LabelledPoint } from './points.js';
import { agreement, scoreMatrix, SCORED_CLASSES, type Scores } from './scores.js';

export interface CompareOptions {
  /** Boundary buffer in pixels around reference class edges (0 or absent: none). */
  buffer?: number;
  /** Where cloud shadow goes in the binary view (default 'clear'). */
  shadow?: ShadowMode;
  /** Only this pixel rectangle is scored. */
  window?: PixelWindow;
}

/** One mask scored against one reference (a raster, or a set of labelled points). */
export interface MaskComparison {
  reference: string;
  mask: string;
  kind: 'pixels' | 'points';
  matrix: ConfusionMatrix;
  scores: Scores;
  binary: BinaryScores;
  /** Pixels (or points) scored: valid on both sides, not excluded. */
  overlapPixels: number;
  overlapKm2: number | null;
  /** Points outside the grid (point comparisons only, else 0). */
  outside: number;
}

/** One row of the comparison table. */
export interface TableRow {
  reference: string;
  mask: string;
  kind: 'pixels' | 'points';
  scored: number;
  overallAccuracy: number | null;
  kappa: number | null;
  /** F1 per scored class, keyed by class value "1".."4". */
  f1: Record<string, number | null>;
  binaryAccuracy: number | null;
  binaryPrecision: number | null;
  binaryRecall: number | null;
  binaryF1: number | null;
}

export interface PairwiseAgreement {
  masks: string[];
  /** [i][j]: overall accuracy of mask j against mask i (symmetric); null on the diagonal. */
  overallAccuracy: (number | null)[][];
  kappa: (number | null)[][];
  /** Pixels valid in both masks. */
  overlapPixels: (number | null)[][];
  notes: string[];
}

/** Display names, unique: the source, plus the file name when two masks share a source. */
export function maskLabels(masks: readonly SchemaMask[]): string[] {
  const counts = new Map<string, number>();
  for (const m of masks) counts.set(m.source, (counts.get(m.source) ?? 0) + 1);
  const labels = masks.map((m) =>
    (counts.get(m.source) ?? 0) > 1 ? `${m.source} (${basename(m.file)})` : m.source,
  );
  return labels.map((l, i) => (labels.indexOf(l) === i ? l : `${l} #${i + 1}`));
}

/** Throws unless every mask is on the grid of the first (metrics never resample). */
export function assertSameGrid(masks: readonly SchemaMask[]): Grid {
  const first = masks[0];
  if (!first) throw new S2Error('INVALID_ARGUMENT', 'No mask to compare.');
  const g = first.grid;
  const tol = Math.abs(g.transform[1]) * 1e-6;
  for (const m of masks) {
    const h = m.grid;
    const sameTransform = h.transform.every((v, i) => Math.abs(v - (g.transform[i] ?? NaN)) <= tol);
    if (h.width !== g.width || h.height !== g.height || h.epsg !== g.epsg || !sameTransform) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${m.source} (${m.file}) is not on the comparison grid of ${first.source}: align the masks first ` +
          `(${h.width}x${h.height} EPSG:${h.epsg} vs ${g.width}x${g.height} EPSG:${g.epsg}).`,
        { file: m.file },
      );
    }
    if (m.data.length !== h.width * h.height) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${m.source} has ${m.data.length} pixels, expected ${h.width}x${h.height}.`,
        {
          file: m.file,
        },
      );
    }
  }
  return g;
}

function fromMatrix(
  reference: string,
  mask: string,
  kind: 'pixels' | 'points',
  matrix: ConfusionMatrix,
  grid: Grid,
  shadow: ShadowMode,
  outside = 0,
): MaskComparison {
  const px = pixelAreaM2(grid);
  return {
    reference,
    mask,
    kind,
    matrix,
    scores: scoreMatrix(matrix),
    binary: binaryScores(matrix, shadow),
    overlapPixels: matrix.scored,
    overlapKm2: kind === 'pixels' && px !== null ? (matrix.scored * px) / 1e6 : null,
    outside,
  };
}

/** Every mask against the reference; the boundary buffer is computed once from the reference. */
export function compareWithReference(
  reference: SchemaMask,
  masks: readonly SchemaMask[],
  options: CompareOptions = {},
): MaskComparison[] {
  const grid = assertSameGrid([reference, ...masks]);
  const labels = maskLabels([reference, ...masks]);
  const shadow = options.shadow ?? 'clear';
  const exclude = options.buffer
    ? boundaryBuffer(reference.data, grid.width, grid.height, options.buffer)
    : undefined;
  return masks.map((m, i) => {
    const matrix = confusionMatrix(reference.data, m.data, grid.width, grid.height, {
      ...(options.window ? { window: options.window } : {}),
      ...(exclude ? { exclude } : {}),
    });
    return fromMatrix(labels[0]!, labels[i + 1]!, 'pixels', matrix, grid, shadow);
  });
}

/** Every mask against labelled points (pixel coordinates on the masks' grid). */
export function compareWithPoints(
  pointSet: string,
  points: readonly LabelledPoint[],
  masks: readonly SchemaMask[],
  options: Pick<CompareOptions, 'shadow'> = {},
): MaskComparison[] {
  const grid = assertSameGrid(masks);
  const labels = maskLabels(masks);
  return masks.map((m, i) => {
    const v = validatePoints(m.data, grid.width, grid.height, points);
    return fromMatrix(pointSet, labels[i]!, 'points', v.matrix, grid, options.shadow ?? 'clear', v.outside);
  });
}

/** Table rows (one per comparison). */
export function comparisonTable(comparisons: readonly MaskComparison[]): TableRow[] {
  return comparisons.map((c) => ({
    reference: c.reference,
    mask: c.mask,
    kind: c.kind,
    scored: c.scores.scored,
    overallAccuracy: c.scores.overallAccuracy,
    kappa: c.scores.kappa,
    f1: Object.fromEntries(
      SCORED_CLASSES.map((k) => [String(k), c.scores.classes.find((s) => s.classValue === k)?.f1 ?? null]),
    ),
    binaryAccuracy: c.binary.accuracy,
    binaryPrecision: c.binary.precision,
    binaryRecall: c.binary.recall,
    binaryF1: c.binary.f1,
  }));
}

/** Overall accuracy and kappa of every pair of masks (no reference: agreement, not accuracy). */
export function pairwiseAgreement(
  masks: readonly SchemaMask[],
  options: Pick<CompareOptions, 'window'> = {},
): PairwiseAgreement {
  const grid = assertSameGrid(masks);
  const names = maskLabels(masks);
  const n = masks.length;
  const square = (): (number | null)[][] =>
    Array.from({ length: n }, () => new Array<number | null>(n).fill(null));
  const oa = square();
  const kappa = square();
  const overlap = square();
  const notes: string[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const m = confusionMatrix(masks[i]!.data, masks[j]!.data, grid.width, grid.height, {
        ...(options.window ? { window: options.window } : {}),
      });
      const a = agreement(m);
      oa[i]![j] = oa[j]![i] = a.overallAccuracy;
      kappa[i]![j] = kappa[j]![i] = a.kappa;
      overlap[i]![j] = overlap[j]![i] = m.scored;
      if (a.note) notes.push(`${names[i]} / ${names[j]}: ${a.note}`);
    }
  }
  return { masks: names, overallAccuracy: oa, kappa, overlapPixels: overlap, notes };
}
