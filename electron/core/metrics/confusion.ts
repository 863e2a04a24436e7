/**
 * Confusion matrix between a reference and a prediction on one grid, in one pass over the bytes.
 * Classes are the schema's 0..4; no data (0) on either side is never scored but counted apart.
 */
import { S2Error } from '../errors.js';
import type { PixelWindow } from '../raster/grid.js';

/** Number of schema classes (0 no data .. 4 cloud shadow). */
export const NUM_CLASSES = 5;

export interface ConfusionMatrix {
  /**
   * Counts indexed [ref * 5 + pred] (rows: reference, columns: prediction). Row 0 and column 0
   * are always zero: no data is never scored.
   */
  counts: Float64Array;
  /** Pixels with a valid class on both sides (and not excluded): the sum of `counts`. */
  scored: number;
  /** Pixels looked at (window size, or number of points). */
  considered: number;
  /** Reference is no data (whatever the prediction). */
  noDataReference: number;
  /** Prediction is no data while the reference is valid. */
  noDataPrediction: number;
  /** Valid on both sides but removed by the exclusion mask (e.g. the boundary buffer). */
  excluded: number;
  /** Values above 4 on either side (not schema classes): never scored, reported. */
  invalid: number;
}

export interface ConfusionOptions {
  /** Only this pixel rectangle is scored (default: the whole grid). */
  window?: PixelWindow;
  /** Same size as the masks; pixels where it is non-zero are not scored (counted in `excluded`). */
  exclude?: Uint8Array;
}

/** An empty matrix, for callers that accumulate (points, tiles). */
export function emptyConfusion(): ConfusionMatrix {
  return {
    counts: new Float64Array(NUM_CLASSES * NUM_CLASSES),
    scored: 0,
    considered: 0,
    noDataReference: 0,
    noDataPrediction: 0,
    excluded: 0,
    invalid: 0,
  };
}

/** Count at (reference class, predicted class). */
export function cell(m: ConfusionMatrix, ref: number, pred: number): number {
  return m.counts[ref * NUM_CLASSES + pred] ?? 0;
}

/**
 * Confusion matrix of `prediction` against `reference` (both `width * height` bytes, row-major).
 * One pass, no allocation per pixel: a 64 K-bin histogram indexed by (ref << 8) | pred holds every
 * byte pair without a branch, and is folded into the 5x5 matrix at the end. 120 M pixels take a
 * few hundred milliseconds.
 */
export function confusionMatrix(
  reference: Uint8Array,
  prediction: Uint8Array,
  width: number,
  height: number,
  options: ConfusionOptions = {},
): ConfusionMatrix {
  const n = width * height;
  if (reference.length !== n || prediction.length !== n) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `Masks must be aligned on one ${width}x${height} grid; got ${reference.length} and ${prediction.length} pixels.`,
    );
  }
  const { exclude } = options;
  if (exclude && exclude.length !== n) {
    throw new S2Error('INVALID_ARGUMENT', `The exclusion mask has ${exclude.length} pixels, expected ${n}.`);
  }
  const win = options.window ?? { x: 0, y: 0, width, height };
  if (
    win.x < 0 ||
    win.y < 0 ||
    win.width < 0 ||
    win.height < 0 ||
    win.x + win.width > width ||
    win.y + win.height > height
  ) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `Window ${JSON.stringify(win)} is outside the ${width}x${height} grid.`,
    );
  }

  // Uint32 bins are faster than Float64 increments; they are flushed before they could overflow.
  const hist = new Uint32Array(65536);
  const excludedHist = exclude ? new Uint32Array(65536) : null;
  const total = new Float64Array(65536);
  const totalExcluded = new Float64Array(65536);
  const flushEvery = Math.max(1, Math.floor(0x7fffffff / Math.max(1, win.width)));
  const flush = (): void => {
    for (let k = 0; k < 65536; k++) {
      total[k] = total[k]! + hist[k]!;
      if (excludedHist) totalExcluded[k] = totalExcluded[k]! + excludedHist[k]!;
    }
    hist.fill(0);
    excludedHist?.fill(0);
  };

  for (let y = win.y, rows = 0; y < win.y + win.height; y++, rows++) {
    if (rows === flushEvery) {
      flush();
      rows = 0;
    }
    const start = y * width + win.x;
    const end = start + win.width;
    if (exclude && excludedHist) {
      for (let i = start; i < end; i++) {
        const k = (reference[i]! << 8) | prediction[i]!;
        if (exclude[i] === 0) hist[k] = hist[k]! + 1;
        else excludedHist[k] = excludedHist[k]! + 1;
      }
    } else {
      for (let i = start; i < end; i++) {
        const k = (reference[i]! << 8) | prediction[i]!;
        hist[k] = hist[k]! + 1;
      }
    }
  }
  flush();

  const m = emptyConfusion();
  m.considered = win.width * win.height;
  for (let r = 0; r < 256; r++) {
    for (let p = 0; p < 256; p++) {
      const k = (r << 8) | p;
      const c = total[k]!;
      const ce = totalExcluded[k]!;
      if (c === 0 && ce === 0) continue;
      addPair(m, r, p, c, ce);
    }
  }
  return m;
}

/**
 * Adds `count` scored (and `excludedCount` excluded) observations of the pair (ref, pred),
 * applying the no-data and invalid-value rules. Shared with point validation.
 */
export function addPair(
  m: ConfusionMatrix,
  ref: number,
  pred: number,
  count: number,
  excludedCount = 0,
): void {
  const both = count + excludedCount;
  if (ref > 4 || pred > 4) m.invalid += both;
  else if (ref === 0) m.noDataReference += both;
  else if (pred === 0) m.noDataPrediction += both;
  else {
    const k = ref * NUM_CLASSES + pred;
    m.counts[k] = m.counts[k]! + count;
    m.scored += count;
    m.excluded += excludedCount;
  }
}
