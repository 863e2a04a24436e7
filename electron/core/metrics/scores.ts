/**
 * Scores from a confusion matrix: per class precision (user's accuracy), recall (producer's
 * accuracy), F1 and IoU; overall accuracy; Cohen's kappa; macro and weighted averages.
 * A score that is undefined is null with a reason, never NaN and never a silent 0.
 */
import { CLASS_NAMES, type MaskClassValue } from '../masks/schema.js';
import { SCORED_CLASSES } from '../../shared/classes.js';
import { cell, NUM_CLASSES, type ConfusionMatrix } from './confusion.js';

export { SCORED_CLASSES };

export interface ClassScores {
  classValue: MaskClassValue;
  name: string;
  /** Reference pixels of the class (row sum). */
  support: number;
  /** Predicted pixels of the class (column sum). */
  predicted: number;
  truePositives: number;
  /** TP / predicted; null when the class is never predicted. */
  precision: number | null;
  /** TP / support; null when the class is absent from the reference. */
  recall: number | null;
  /** 2TP / (support + predicted); null only when the class is absent from both sides. */
  f1: number | null;
  /** TP / (support + predicted - TP); null only when the class is absent from both sides. */
  iou: number | null;
  /** Why some of the scores above are null (empty when none is). */
  notes: string[];
}

export interface Averages {
  precision: number | null;
  recall: number | null;
  f1: number | null;
  iou: number | null;
}

export interface Scores {
  /** True when no pixel was scored (no overlap of valid pixels): every score below is null. */
  empty: boolean;
  /** Pixels scored. */
  scored: number;
  overallAccuracy: number | null;
  kappa: number | null;
  /** Why kappa (or the overall accuracy) is null; null when they are defined. */
  kappaNote: string | null;
  classes: ClassScores[];
  /**
   * Unweighted mean over the classes present on either side. As in scikit-learn, a precision
   * (recall) that is null because the class was never predicted (is absent from the reference)
   * counts as 0 there: the mask failed on that class.
   */
  macro: Averages;
  /** Mean weighted by reference support (classes absent from the reference weigh nothing). */
  weighted: Averages;
  notes: string[];
}

function ratio(num: number, den: number): number | null {
  return den > 0 ? num / den : null;
}

/** Per-class scores of one class of the matrix. */
export function classScores(m: ConfusionMatrix, c: MaskClassValue): ClassScores {
  let support = 0;
  let predicted = 0;
  for (let k = 1; k < NUM_CLASSES; k++) {
    support += cell(m, c, k);
    predicted += cell(m, k, c);
  }
  const tp = cell(m, c, c);
  const notes: string[] = [];
  if (support === 0 && predicted === 0) notes.push('absent from both the reference and the prediction');
  else if (support === 0) notes.push('absent from the reference: recall undefined');
  else if (predicted === 0) notes.push('never predicted: precision undefined');
  return {
    classValue: c,
    name: CLASS_NAMES[c],
    support,
    predicted,
    truePositives: tp,
    precision: ratio(tp, predicted),
    recall: ratio(tp, support),
    f1: ratio(2 * tp, support + predicted),
    iou: ratio(tp, support + predicted - tp),
    notes,
  };
}

function averages(classes: readonly ClassScores[]): { macro: Averages; weighted: Averages } {
  const present = classes.filter((c) => c.support > 0 || c.predicted > 0);
  const totalSupport = classes.reduce((s, c) => s + c.support, 0);
  const keys = ['precision', 'recall', 'f1', 'iou'] as const;
  const macro: Averages = { precision: null, recall: null, f1: null, iou: null };
  const weighted: Averages = { precision: null, recall: null, f1: null, iou: null };
  for (const key of keys) {
    if (present.length > 0) macro[key] = present.reduce((s, c) => s + (c[key] ?? 0), 0) / present.length;
    if (totalSupport > 0)
      weighted[key] = classes.reduce((s, c) => s + (c[key] ?? 0) * c.support, 0) / totalSupport;
  }
  return { macro, weighted };
}

/** Every score of a confusion matrix. */
export function scoreMatrix(m: ConfusionMatrix): Scores {
  const classes = SCORED_CLASSES.map((c) => classScores(m, c));
  const n = m.scored;
  const notes: string[] = [];
  if (n === 0) {
    const none: Averages = { precision: null, recall: null, f1: null, iou: null };
    const why =
      m.considered === 0
        ? 'nothing to score: the window or point set is empty'
        : 'no overlap: no pixel has a valid class in both masks';
    return {
      empty: true,
      scored: 0,
      overallAccuracy: null,
      kappa: null,
      kappaNote: why,
      classes,
      macro: none,
      weighted: { ...none },
      notes: [why],
    };
  }
  let agree = 0;
  let chance = 0;
  for (const c of classes) {
    agree += c.truePositives;
    chance += (c.support / n) * (c.predicted / n);
  }
  const po = agree / n;
  let kappa: number | null = null;
  let kappaNote: string | null = null;
  // Chance agreement 1 happens when both sides hold one and the same class everywhere.
  if (1 - chance < 1e-12) kappaNote = 'kappa undefined: chance agreement is 1 (a single class everywhere)';
  else kappa = (po - chance) / (1 - chance);
  if (kappaNote) notes.push(kappaNote);
  return {
    empty: false,
    scored: n,
    overallAccuracy: po,
    kappa,
    kappaNote,
    classes,
    ...averages(classes),
    notes,
  };
}

/** Overall accuracy and kappa only (pairwise agreement tables). */
export function agreement(m: ConfusionMatrix): {
  overallAccuracy: number | null;
  kappa: number | null;
  note: string | null;
} {
  const s = scoreMatrix(m);
  return { overallAccuracy: s.overallAccuracy, kappa: s.kappa, note: s.kappaNote };
}
