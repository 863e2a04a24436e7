/**
 * The binary cloud-vs-clear view of the KappaMask paper and of "CNN cloud masking of Sentinel-2":
 * cloud = cloud + semi-transparent cloud; cloud shadow is counted as cloud, as clear, or left out.
 * Derived from the 5x5 matrix, so it costs no second pass over the pixels.
 */
import { cell, type ConfusionMatrix } from './confusion.js';

/** Where cloud shadow goes in the binary view. */
export type ShadowMode = 'cloud' | 'clear' | 'exclude';

export interface BinaryScores {
  shadow: ShadowMode;
  /** Cloud in both. */
  truePositives: number;
  /** Predicted cloud, reference clear. */
  falsePositives: number;
  /** Predicted clear, reference cloud. */
  falseNegatives: number;
  trueNegatives: number;
  /** Pixels scored in the binary view (fewer than in the 5-class view when shadow is excluded). */
  scored: number;
  accuracy: number | null;
  /** Of the pixels predicted cloud, the share that is cloud in the reference. */
  precision: number | null;
  /** Of the reference cloud pixels, the share predicted cloud. */
  recall: number | null;
  f1: number | null;
  notes: string[];
}

/** Binary side of a class: true cloud, false clear, null left out. */
export function binaryClass(c: number, shadow: ShadowMode): boolean | null {
  if (c === 2 || c === 3) return true;
  if (c === 1) return false;
  if (c === 4) return shadow === 'exclude' ? null : shadow === 'cloud';
  return null;
}

export function binaryScores(m: ConfusionMatrix, shadow: ShadowMode = 'clear'): BinaryScores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let r = 1; r <= 4; r++) {
    const rc = binaryClass(r, shadow);
    if (rc === null) continue;
    for (let p = 1; p <= 4; p++) {
      const pc = binaryClass(p, shadow);
      if (pc === null) continue;
      const v = cell(m, r, p);
      if (rc && pc) tp += v;
      else if (!rc && pc) fp += v;
      else if (rc && !pc) fn += v;
      else tn += v;
    }
  }
  const n = tp + fp + fn + tn;
  const notes: string[] = [];
  if (n === 0) notes.push('no pixel to score in the binary view');
  else {
    if (tp + fp === 0) notes.push('cloud never predicted: precision undefined');
    if (tp + fn === 0) notes.push('no cloud in the reference: recall undefined');
  }
  return {
    shadow,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    trueNegatives: tn,
    scored: n,
    accuracy: n > 0 ? (tp + tn) / n : null,
    precision: tp + fp > 0 ? tp / (tp + fp) : null,
    recall: tp + fn > 0 ? tp / (tp + fn) : null,
    // F1 = 2TP / (2TP + FP + FN): defined whenever cloud appears on either side.
    f1: 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : null,
    notes,
  };
}
