/**
 * L2-regularised logistic regression by Newton's method (iteratively reweighted least squares),
 * on standardised features. A handful of features and a few hundred thousand pixels: the normal
 * equations are tiny, so this converges in ~10 iterations with no step size to tune.
 */

export interface Samples {
  /** Feature rows, row-major: n x k. */
  x: Float64Array;
  /** 1 cloud, 0 not cloud, per row. */
  y: Uint8Array;
  k: number;
}

export interface LogisticFit {
  mean: number[];
  std: number[];
  /** Weights on standardised features. */
  weights: number[];
  bias: number;
  iterations: number;
}

/** Concatenates sample sets with the same feature count. */
export function concatSamples(sets: readonly Samples[]): Samples {
  const k = sets[0]?.k ?? 0;
  const n = sets.reduce((a, s) => a + s.y.length, 0);
  const x = new Float64Array(n * k);
  const y = new Uint8Array(n);
  let o = 0;
  for (const s of sets) {
    if (s.k !== k) throw new RangeError(`concatSamples: ${s.k} features, expected ${k}`);
    x.set(s.x, o * k);
    y.set(s.y, o);
    o += s.y.length;
  }
  return { x, y, k };
}

/** Solves A w = b for a small symmetric positive-definite A (Gaussian elimination, pivoting). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const piv = m[c]![c]!;
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / piv;
      for (let j = c; j <= n; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  const w = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let j = r + 1; j < n; j++) s -= m[r]![j]! * w[j]!;
    w[r] = s / m[r]![r]!;
  }
  return w;
}

/**
 * Fits P(cloud) = sigmoid(bias + sum w_f z_f), z the standardised features, minimising the mean
 * log-loss plus l2/2 |w|^2 (the bias is not penalised).
 */
export function fitLogistic(s: Samples, l2 = 1e-2, maxIterations = 50): LogisticFit {
  const { x, y, k } = s;
  const n = y.length;
  if (n === 0) throw new RangeError('fitLogistic: no samples');
  const mean = new Array<number>(k).fill(0);
  const std = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) for (let f = 0; f < k; f++) mean[f]! += x[i * k + f]! / n;
  for (let i = 0; i < n; i++) for (let f = 0; f < k; f++) std[f]! += (x[i * k + f]! - mean[f]!) ** 2 / n;
  for (let f = 0; f < k; f++) std[f] = Math.sqrt(std[f]!) || 1;
  // Mean log-loss (each sample's terms divided by n); the weights drawn toward 0, not the bias.
  const strength = [...new Array<number>(k).fill(l2), 0];
  const { w, it } = newton(s, mean, std, new Array<number>(k + 1).fill(0), {
    divide: n,
    strength,
    center: new Array<number>(k + 1).fill(0),
    maxIterations,
  });
  return { mean, std, weights: w.slice(0, k), bias: w[k]!, iterations: it };
}

/** Standardised weights and bias a refit is drawn toward (the model it starts from). */
export interface LogisticPrior {
  /** Standardisation of the prior; the refit keeps it, so its weights compare one to one. */
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

/**
 * Fits P(cloud) as fitLogistic does, but minimising the summed log-loss plus
 * lambda/2 |theta - theta0|^2 over the weights and the bias, theta0 the prior's (its
 * standardisation kept). Every sample adds to the evidence while the prior's weight stays
 * lambda: a few labels move the model a little, many labels move it more, and a label set of one
 * class cannot drive the bias off (it is drawn toward the prior's too). `weights` (optional, one
 * per sample) scale each sample's log-loss. lambda = Infinity returns the prior.
 */
export function fitLogisticToward(
  s: Samples,
  prior: LogisticPrior,
  lambda: number,
  weights?: Float64Array,
  maxIterations = 50,
): LogisticFit {
  const { y, k } = s;
  const n = y.length;
  const mean = [...prior.mean];
  const std = [...prior.std];
  const theta0 = [...prior.weights, prior.bias];
  if (prior.weights.length !== k || mean.length !== k || std.length !== k)
    throw new RangeError(
      `fitLogisticToward: the prior has ${prior.weights.length} features, the samples ${k}`,
    );
  if (!(lambda > 0)) throw new RangeError(`fitLogisticToward: lambda must be > 0 (got ${lambda})`);
  if (n === 0 || lambda === Infinity)
    return { mean, std, weights: [...prior.weights], bias: prior.bias, iterations: 0 };
  // Summed log-loss; weights and bias drawn toward the prior's.
  const { w, it } = newton(s, mean, std, theta0, {
    divide: 1,
    strength: new Array<number>(k + 1).fill(lambda),
    center: theta0,
    maxIterations,
    ...(weights ? { sampleWeights: weights } : {}),
  });
  return { mean, std, weights: w.slice(0, k), bias: w[k]!, iterations: it };
}

/**
 * Newton's method for a penalised logistic regression on standardised features: minimises the
 * log-loss (each sample's terms scaled by its weight and divided by `divide`) plus
 * sum_a strength_a / 2 (theta_a - center_a)^2 over the weights and then the bias.
 */
function newton(
  s: Samples,
  mean: readonly number[],
  std: readonly number[],
  start: readonly number[],
  o: {
    divide: number;
    strength: readonly number[];
    center: readonly number[];
    maxIterations: number;
    sampleWeights?: Float64Array;
  },
): { w: number[]; it: number } {
  const { x, y, k } = s;
  const n = y.length;
  const d = k + 1; // weights, then the bias
  const w = [...start];
  const z = new Float64Array(d);
  z[k] = 1;
  let it = 0;
  for (; it < o.maxIterations; it++) {
    const h = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    const g = new Array<number>(d).fill(0);
    for (let i = 0; i < n; i++) {
      let t = 0;
      for (let f = 0; f < k; f++) {
        z[f] = (x[i * k + f]! - mean[f]!) / std[f]!;
        t += w[f]! * z[f]!;
      }
      t += w[k]!;
      const p = 1 / (1 + Math.exp(-t));
      const c = o.sampleWeights ? o.sampleWeights[i]! : 1;
      const r = c * (p - y[i]!);
      const v = c * p * (1 - p);
      for (let a = 0; a < d; a++) {
        g[a]! += (r * z[a]!) / o.divide;
        const va = (v * z[a]!) / o.divide;
        for (let b = a; b < d; b++) h[a]![b]! += va * z[b]!;
      }
    }
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < a; b++) h[a]![b] = h[b]![a]!;
      const lambda = o.strength[a]!;
      if (lambda === 0) continue;
      h[a]![a]! += lambda;
      g[a]! += lambda * (w[a]! - o.center[a]!);
    }
    const step = solve(h, g);
    let change = 0;
    for (let a = 0; a < d; a++) {
      w[a]! -= step[a]!;
      change = Math.max(change, Math.abs(step[a]!));
    }
    if (change < 1e-8) {
      it++;
      break;
    }
  }
  return { w, it };
}
