/**
 * The fused cloud decision: a logistic regression over the CNN's probability, its 5 x 5 context
 * and physical evidence (features.ts), with a gate that keeps the CNN's word where it sees no
 * hint of cloud anywhere near. The parameters live in the model card (`fusion`), fitted by
 * `npm run models -- fit-fusion` on the real labelled cases (fit.ts, labelled.ts).
 *
 * Why a gate: brightness, HOT and SWIR evidence also fire on bright bare soil and quarries. On the
 * real, mostly clear crop T31TDH 2015 the ungated regression called about 4 % of the pixels cloud.
 * Requiring the CNN's maximum within `gateRadius` pixels to reach `gate` (0.4 within 13 x 13 in
 * the default card, chosen against that crop and the labelled cases) keeps the whole default
 * pipeline at 0.39 % cloud + semi-transparent there at 10 m. The fusion refines the CNN's clouds
 * and their surroundings; it never invents a cloud far from anything the CNN suspects.
 */
import { MASK_CLASS } from '../../models/card.js';
import { dilateSquare } from '../shadow/dilate.js';
import {
  FUSION_FEATURES,
  featureIndex,
  featuresOf,
  maxFilter,
  pixelFeatures,
  type FusionFeature,
  type FusionInputs,
} from './features.js';

export interface FusionModel {
  features: FusionFeature[];
  /** Standardisation of each feature (z = (x - mean) / std) before the weights apply. */
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
  /** Fused probability above which a pixel is cloud (0.5: the fit's own cut). */
  threshold: number;
  /** A pixel can only be cloud where the CNN's maximum probability in its gate window reaches this. */
  gate: number;
  /** Half-size of the gate window in pixels (2: 5 x 5). Default 2. */
  gateRadius?: number;
  /** How the parameters were obtained (cases, resolutions, samples, leave-one-out scores). */
  provenance?: Record<string, unknown>;
}

export interface FusionResult {
  /** Pixels turned clear -> cloud and cloud -> clear. */
  changed: { toCloud: number; toClear: number };
}

/** The model as one linear score over pixelFeatures' vector: z = bias + sum coef * x (also used to decide single pixels when teaching). */
export function linearScore(model: FusionModel): (x: Float64Array) => number {
  const { idx, coef, bias } = linearTerms(model);
  return (x) => {
    let z = bias;
    for (let f = 0; f < idx.length; f++) z += coef[f]! * x[idx[f]!]!;
    return z;
  };
}

/** The linear score's terms: feature index in pixelFeatures' vector, coefficient, bias. */
function linearTerms(model: FusionModel): { idx: Int32Array; coef: Float64Array; bias: number } {
  const idx = Int32Array.from(model.features.map(featureIndex));
  const coef = Float64Array.from(model.weights.map((w, f) => w / model.std[f]!));
  const bias = model.bias - coef.reduce((a, c, f) => a + c * model.mean[f]!, 0);
  return { idx, coef, bias };
}

/** Fused probability of every pixel (NaN where a feature is missing). */
export function fusedProbability(
  inputs: FusionInputs,
  model: FusionModel,
  pmax?: Float32Array,
): Float32Array {
  const n = inputs.width * inputs.height;
  const max5 = pmax ?? maxFilter(inputs.probability, inputs.width, inputs.height, 2);
  const score = linearScore(model);
  const x = new Float64Array(FUSION_FEATURES.length);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    pixelFeatures(inputs, max5, i, x);
    out[i] = 1 / (1 + Math.exp(-score(x)));
  }
  return out;
}

/**
 * The CNN's largest probability within the model's gate window of every pixel, from the 5 x 5
 * maximum `max5`. A (2r+1)-window maximum is the (2r-3)-window maximum of the 5 x 5 one (clamped
 * windows compose exactly): fewer passes than filtering the probability again.
 */
export function gateMaximum(inputs: FusionInputs, max5: Float32Array, model: FusionModel): Float32Array {
  const { width, height } = inputs;
  const radius = model.gateRadius ?? 2;
  return radius === 2
    ? max5
    : radius > 2
      ? maxFilter(max5, width, height, radius - 2)
      : maxFilter(inputs.probability, width, height, radius);
}

/**
 * 1 where the model's gate is open: the CNN's probability reaches `gate` somewhere in the gate
 * window. The same pixels as gateMaximum(...) >= gate (a window maximum reaches the gate exactly
 * when one of its values does), as a binary dilation of the 5 x 5 maximum's test: about half the
 * work of a second float maximum filter.
 */
export function gateMask(inputs: FusionInputs, max5: Float32Array, model: FusionModel): Uint8Array {
  const { width, height } = inputs;
  const radius = model.gateRadius ?? 2;
  const src = radius >= 2 ? max5 : inputs.probability;
  const gate = model.gate;
  const open = new Uint8Array(width * height);
  for (let i = 0; i < open.length; i++) open[i] = src[i]! >= gate ? 1 : 0;
  return radius === 2 ? open : dilateSquare(open, width, height, radius > 2 ? radius - 2 : radius);
}

/**
 * Applies the fused decision to a block's classes in place: clear (1) and cloud (2) pixels are
 * set from the fused probability; no data, semi-transparent and shadow are kept, and so is any
 * pixel whose features are incomplete (the CNN's class stands). Pixels outside the gate stay as
 * they are without computing their features (most of a clear scene).
 */
export function fuseClouds(classes: Uint8Array, inputs: FusionInputs, model: FusionModel): FusionResult {
  const { width, height, probability, blue, green, red, nir, swir2 } = inputs;
  const max5 = maxFilter(probability, width, height, 2);
  const open = gateMask(inputs, max5, model);
  // linearScore's sum, in the loop: it runs on every pixel of the tile.
  const { idx, coef, bias } = linearTerms(model);
  // q > threshold  <=>  z > logit(threshold): no exp per pixel.
  const zCut = Math.log(model.threshold / (1 - model.threshold));
  const x = new Float64Array(FUSION_FEATURES.length);
  let toCloud = 0;
  let toClear = 0;
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i];
    if (c !== MASK_CLASS.clear && c !== MASK_CLASS.cloud) continue;
    // Outside the gate nothing can become cloud; a CNN cloud there (only with gate > 0.5) clears.
    let cloud = false;
    if (open[i]) {
      featuresOf(probability[i]!, max5[i]!, blue[i]!, green[i]!, red[i]!, nir[i]!, swir2[i]!, x);
      let z = bias;
      for (let f = 0; f < idx.length; f++) z += coef[f]! * x[idx[f]!]!;
      if (Number.isNaN(z)) continue;
      cloud = z > zCut;
    }
    if (cloud && c === MASK_CLASS.clear) {
      classes[i] = MASK_CLASS.cloud;
      toCloud++;
    } else if (!cloud && c === MASK_CLASS.cloud) {
      classes[i] = MASK_CLASS.clear;
      toClear++;
    }
  }
  return { changed: { toCloud, toClear } };
}
