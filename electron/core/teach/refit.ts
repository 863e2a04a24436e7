/**
 * The refit itself, on label samples: split the labels into a part to fit and a part held out,
 * choose how strongly the default pulls (cross-validation over the labels being fitted), fit
 * toward the default, and score both models on the held-out labels with the same decision the
 * pipeline takes (fuseClouds: the gate, then the linear score against logit(threshold)).
 *
 * Labels, not pixels, are the unit of every split and of the bootstrap: the pixels of one
 * polygon are alike, and counting them as independent would make the noise look far smaller
 * than it is.
 */
import {
  FUSION_FEATURES,
  featureIndex,
  maxFilter,
  pixelFeatures,
  type FusionInputs,
} from '../masks/fusion/features.js';
import { fitLogisticToward, type Samples } from '../masks/fusion/fit.js';
import { gateMaximum, linearScore, type FusionModel } from '../masks/fusion/model.js';
import { seededRandom, type LabelPixels } from '../labels/read.js';

/** Every labelled pixel with a class other than ignore and a CNN probability. */
export interface TeachSamples {
  /** All of pixelFeatures' features, row-major n x FUSION_FEATURES.length. */
  x: Float64Array;
  /** 1 cloud or semi-transparent, 0 clear or shadow. */
  y: Uint8Array;
  /** The label's class (1-4). */
  cls: Uint8Array;
  /** Index of the label the pixel belongs to. */
  group: Int32Array;
  /** The CNN's largest probability within the gate window. */
  gateMax: Float32Array;
  /** The CNN's own class was cloud (probability above the card's threshold). */
  cnnCloud: Uint8Array;
  /** Pixel index on the working grid. */
  pixel: Int32Array;
}

const K = FUSION_FEATURES.length;

/** Features and labels of the labelled pixels (the gate window is the model's). */
export function teachSamples(
  inputs: FusionInputs,
  onGrid: readonly LabelPixels[],
  model: FusionModel,
  cnnThreshold: number,
): TeachSamples {
  const max5 = maxFilter(inputs.probability, inputs.width, inputs.height, 2);
  const gate = gateMaximum(inputs, max5, model);
  const take = onGrid.flatMap((l) =>
    l.cls === 0
      ? []
      : l.pixels.filter((p) => !Number.isNaN(inputs.probability[p]!)).map((p) => [l, p] as const),
  );
  const n = take.length;
  const s: TeachSamples = {
    x: new Float64Array(n * K),
    y: new Uint8Array(n),
    cls: new Uint8Array(n),
    group: new Int32Array(n),
    gateMax: new Float32Array(n),
    cnnCloud: new Uint8Array(n),
    pixel: new Int32Array(n),
  };
  const v = new Float64Array(K);
  take.forEach(([l, p], j) => {
    pixelFeatures(inputs, max5, p, v);
    s.x.set(v, j * K);
    s.y[j] = l.cls === 2 || l.cls === 3 ? 1 : 0;
    s.cls[j] = l.cls;
    s.group[j] = l.label;
    s.gateMax[j] = gate[p]!;
    s.cnnCloud[j] = inputs.probability[p]! > cnnThreshold ? 1 : 0;
    s.pixel[j] = p;
  });
  return s;
}

/** The pipeline's cloud decision for sample j (fuseClouds on a clear or cloud pixel). */
export function decide(model: FusionModel, s: TeachSamples, j: number, score = linearScore(model)): boolean {
  if (!(s.gateMax[j]! >= model.gate)) return false;
  const z = score(s.x.subarray(j * K, j * K + K));
  if (Number.isNaN(z)) return s.cnnCloud[j] === 1;
  return z > Math.log(model.threshold / (1 - model.threshold));
}

export interface HeldOutScore {
  labels: number;
  pixels: number;
  /** Cloud (incl. semi-transparent) vs not cloud. */
  accuracy: number;
  cloud: { f1: number; precision: number; recall: number };
}

/** Scores a model's decisions on the samples of `idx`. */
export function scoreSamples(model: FusionModel, s: TeachSamples, idx: readonly number[]): HeldOutScore {
  const score = linearScore(model);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const j of idx) {
    const p = decide(model, s, j, score);
    const t = s.y[j] === 1;
    if (p && t) tp++;
    else if (p) fp++;
    else if (t) fn++;
    else tn++;
  }
  const n = tp + fp + fn + tn;
  return {
    labels: new Set(idx.map((j) => s.group[j]!)).size,
    pixels: n,
    accuracy: n > 0 ? (tp + tn) / n : NaN,
    cloud: {
      f1: (2 * tp) / Math.max(1, 2 * tp + fp + fn),
      precision: tp / Math.max(1, tp + fp),
      recall: tp / Math.max(1, tp + fn),
    },
  };
}

/** Labels split into folds, stratified by cloud / not cloud, shuffled with a seed. */
export function foldsOf(s: TeachSamples, groups: readonly number[], folds: number, seed: number): number[][] {
  const rand = seededRandom(seed);
  const yOf = new Map<number, number>();
  for (let j = 0; j < s.y.length; j++) yOf.set(s.group[j]!, s.y[j]!);
  const shuffled = (xs: number[]): number[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const k = Math.floor(rand() * (i + 1));
      [xs[i], xs[k]] = [xs[k]!, xs[i]!];
    }
    return xs;
  };
  const order = [
    ...shuffled(groups.filter((g) => yOf.get(g) === 1)),
    ...shuffled(groups.filter((g) => yOf.get(g) !== 1)),
  ];
  const out: number[][] = Array.from({ length: folds }, () => []);
  order.forEach((g, i) => out[i % folds]!.push(g));
  return out;
}

/** The samples of the model's features (and gate-open only: the decision uses no other pixel). */
function fitSamples(
  model: FusionModel,
  s: TeachSamples,
  idx: readonly number[],
): { samples: Samples; kept: number[] } {
  const fi = model.features.map(featureIndex);
  const k = fi.length;
  const kept = idx.filter((j) => {
    if (!(s.gateMax[j]! >= model.gate)) return false;
    for (const f of fi) if (!Number.isFinite(s.x[j * K + f]!)) return false;
    return true;
  });
  const x = new Float64Array(kept.length * k);
  const y = new Uint8Array(kept.length);
  kept.forEach((j, r) => {
    fi.forEach((f, c) => (x[r * k + c] = s.x[j * K + f]!));
    y[r] = s.y[j]!;
  });
  return { samples: { x, y, k }, kept };
}

/** The prior's model refitted on the samples of `idx` with strength `lambda`. */
export function refitToward(
  prior: FusionModel,
  s: TeachSamples,
  idx: readonly number[],
  lambda: number,
): FusionModel {
  const { samples } = fitSamples(prior, s, idx);
  const fit = fitLogisticToward(samples, prior, lambda);
  return { ...prior, weights: fit.weights, bias: fit.bias };
}

function logLoss(model: FusionModel, s: TeachSamples, idx: readonly number[]): { sum: number; n: number } {
  const { samples, kept } = fitSamples(model, s, idx);
  const score = linearScore(model);
  let sum = 0;
  kept.forEach((j, r) => {
    const z = score(s.x.subarray(j * K, j * K + K));
    // log(1 + e^-z) for a cloud, log(1 + e^z) for not, computed without overflow.
    const m = samples.y[r] === 1 ? -z : z;
    sum += m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
  });
  return { sum, n: kept.length };
}

/** Prior strengths tried (in pixels' worth of evidence per coefficient); Infinity keeps the default. */
export const LAMBDAS: readonly number[] = [10, 30, 100, 300, 1000, Infinity];

export interface LambdaChoice {
  lambda: number;
  /** Mean cross-validated log-loss of each lambda tried. */
  losses: { lambda: number; logLoss: number }[];
}

/**
 * Picks the prior's strength by k-fold cross-validation over the labels being fitted: the mean
 * log-loss of each fold's pixels under the model fitted on the other folds. Ties go to the
 * stronger prior (closer to the default).
 */
export function chooseLambda(
  prior: FusionModel,
  s: TeachSamples,
  groups: readonly number[],
  seed: number,
  lambdas: readonly number[] = LAMBDAS,
): LambdaChoice {
  const folds = foldsOf(s, groups, Math.min(5, groups.length), seed);
  const members = new Map<number, number[]>();
  for (let j = 0; j < s.y.length; j++) {
    const g = s.group[j]!;
    if (!members.has(g)) members.set(g, []);
    members.get(g)!.push(j);
  }
  const idxOf = (gs: readonly number[]): number[] => gs.flatMap((g) => members.get(g) ?? []);
  const losses = lambdas.map((lambda) => {
    let sum = 0;
    let n = 0;
    folds.forEach((fold, f) => {
      const train = idxOf(folds.filter((_, o) => o !== f).flat());
      const model = refitToward(prior, s, train, lambda);
      const l = logLoss(model, s, idxOf(fold));
      sum += l.sum;
      n += l.n;
    });
    return { lambda, logLoss: n > 0 ? sum / n : NaN };
  });
  let best = losses[losses.length - 1]!;
  for (const l of losses) if (l.logLoss < best.logLoss - 1e-9) best = l;
  return { lambda: best.lambda, losses };
}

export interface Difference {
  /** After minus before, on the held-out labels. */
  accuracy: number;
  /** 95 % bootstrap interval of the accuracy difference (labels resampled). */
  low: number;
  high: number;
}

/** Paired bootstrap over held-out labels of the accuracy difference (after - before). */
export function bootstrapDifference(
  before: FusionModel,
  after: FusionModel,
  s: TeachSamples,
  idx: readonly number[],
  seed: number,
  rounds = 1000,
): Difference {
  const sb = linearScore(before);
  const sa = linearScore(after);
  // Per label: pixels, and right answers of each model.
  const per = new Map<number, { n: number; b: number; a: number }>();
  for (const j of idx) {
    const g = s.group[j]!;
    const e = per.get(g) ?? { n: 0, b: 0, a: 0 };
    const t = s.y[j] === 1;
    e.n++;
    if (decide(before, s, j, sb) === t) e.b++;
    if (decide(after, s, j, sa) === t) e.a++;
    per.set(g, e);
  }
  const cells = [...per.values()];
  const diff = (cs: readonly { n: number; b: number; a: number }[]): number => {
    const n = cs.reduce((x, c) => x + c.n, 0);
    return n > 0 ? cs.reduce((x, c) => x + c.a - c.b, 0) / n : 0;
  };
  const point = diff(cells);
  if (cells.length < 2) return { accuracy: point, low: point, high: point };
  const rand = seededRandom(seed);
  const draws: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const pick = Array.from({ length: cells.length }, () => cells[Math.floor(rand() * cells.length)]!);
    draws.push(diff(pick));
  }
  draws.sort((a, b) => a - b);
  return {
    accuracy: point,
    low: draws[Math.floor(0.025 * (rounds - 1))]!,
    high: draws[Math.ceil(0.975 * (rounds - 1))]!,
  };
}
