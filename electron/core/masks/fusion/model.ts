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
import { computeFeatures, maxFilter, type FusionFeature, type FusionInputs } from './features.js';

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
  /** Fused cloud probability of each pixel (NaN where an input is missing). */
  probability: Float32Array;
  /** Pixels turned clear -> cloud and cloud -> clear. */
  changed: { toCloud: number; toClear: number };
}

/** Fused probability of every pixel (NaN where a feature is missing). */
export function fusedProbability(
  inputs: FusionInputs,
  model: FusionModel,
  pmax?: Float32Array,
): Float32Array {
  const feats = computeFeatures(inputs, model.features, pmax);
  const n = inputs.width * inputs.height;
  const out = new Float32Array(n);
  const k = model.features.length;
  for (let i = 0; i < n; i++) {
    let z = model.bias;
    for (let f = 0; f < k; f++) z += (model.weights[f]! * (feats[f]![i]! - model.mean[f]!)) / model.std[f]!;
    out[i] = 1 / (1 + Math.exp(-z));
  }
  return out;
}

/**
 * Applies the fused decision to a block's classes in place: clear (1) and cloud (2) pixels are
 * set from the fused probability; no data, semi-transparent and shadow are kept, and so is any
 * pixel whose features are incomplete (the CNN's class stands).
 */
export function fuseClouds(classes: Uint8Array, inputs: FusionInputs, model: FusionModel): FusionResult {
  const pmax = maxFilter(inputs.probability, inputs.width, inputs.height, 2);
  const probability = fusedProbability(inputs, model, pmax);
  const radius = model.gateRadius ?? 2;
  const gateMax = radius === 2 ? pmax : maxFilter(inputs.probability, inputs.width, inputs.height, radius);
  let toCloud = 0;
  let toClear = 0;
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i];
    if (c !== MASK_CLASS.clear && c !== MASK_CLASS.cloud) continue;
    const q = probability[i]!;
    if (Number.isNaN(q)) continue;
    const cloud = q > model.threshold && gateMax[i]! >= model.gate;
    if (cloud && c === MASK_CLASS.clear) {
      classes[i] = MASK_CLASS.cloud;
      toCloud++;
    } else if (!cloud && c === MASK_CLASS.cloud) {
      classes[i] = MASK_CLASS.clear;
      toClear++;
    }
  }
  return { probability, changed: { toCloud, toClear } };
}
