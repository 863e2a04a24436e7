/**
 * Scores pixels with a LightGBM tree ensemble, exactly as LightGBM's Tree::NumericalDecision
 * does: trees in the outer loop and pixels in the inner one, over feature-major input, so each
 * tree's few nodes stay in cache while the pixels stream past.
 */
import { S2Error } from '../../errors.js';
import { MISSING_NAN, MISSING_ZERO, type LightgbmModel } from './model.js';

/** LightGBM's kZeroThreshold: 1e-35f, as a double. */
const ZERO_THRESHOLD = 1.0000000180025095e-35;

/**
 * Feature-major input: feature f of pixel p is `data[offset + f * stride + p]`, p in 0..count-1.
 * A tile of an NCHW batch is one such block (stride = h * w).
 */
export interface FeatureBlock {
  data: Float32Array;
  count: number;
  stride: number;
  offset?: number;
  /** Features in the block; must be the model's. */
  features: number;
}

function checkBlock(model: LightgbmModel, x: FeatureBlock): void {
  const end = (x.offset ?? 0) + (x.features - 1) * x.stride + x.count;
  if (x.features !== model.numFeatures || x.stride < x.count || end > x.data.length) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${model.file}: the model takes ${model.numFeatures} features; got a block of ${x.features} features x ${x.count} pixels (stride ${x.stride}, ${x.data.length} values).`,
      { file: model.file },
    );
  }
}

/** Raw scores (sum of leaf values; mean for average_output models) into `out` (length >= count). */
export function predictRaw(
  model: LightgbmModel,
  x: FeatureBlock,
  out: Float64Array = new Float64Array(x.count),
): Float64Array {
  checkBlock(model, x);
  const { data, count: n, stride } = x;
  const base = x.offset ?? 0;
  const { splitFeature, threshold, missingType, defaultLeft, leftChild, rightChild, leafValue } = model;
  out.fill(0, 0, n);
  for (let t = 0; t < model.numTrees; t++) {
    const s = model.treeNodeStart[t]!;
    const l0 = model.treeLeafStart[t]!;
    if (model.treeNodeCount[t] === 0) {
      // A single-leaf tree (num_leaves=1) adds its constant to every pixel.
      const v = leafValue[l0]!;
      for (let p = 0; p < n; p++) out[p]! += v;
      continue;
    }
    for (let p = 0; p < n; p++) {
      const at = base + p;
      let node = 0;
      while (node >= 0) {
        const g = s + node;
        let v = data[at + splitFeature[g]! * stride]!;
        const mt = missingType[g]!;
        // NumericalDecision: NaN is 0 unless NaN is the missing value; missing goes the default way.
        if (v !== v && mt !== MISSING_NAN) v = 0;
        if (
          (mt === MISSING_ZERO && v >= -ZERO_THRESHOLD && v <= ZERO_THRESHOLD) ||
          (mt === MISSING_NAN && v !== v)
        ) {
          node = defaultLeft[g] === 1 ? leftChild[g]! : rightChild[g]!;
        } else {
          node = v <= threshold[g]! ? leftChild[g]! : rightChild[g]!;
        }
      }
      out[p]! += leafValue[l0 + ~node]!;
    }
  }
  if (model.averageOutput) for (let p = 0; p < n; p++) out[p]! /= model.numTrees;
  return out;
}

/**
 * What the model predicts: the probability 1 / (1 + exp(-sigmoid * raw)) for binary (and
 * cross-entropy) objectives, the raw score otherwise. Written as float32 into `out`.
 */
export function predict(
  model: LightgbmModel,
  x: FeatureBlock,
  out: Float32Array = new Float32Array(x.count),
): Float32Array {
  const raw = predictRaw(model, x);
  const s = model.sigmoid;
  for (let p = 0; p < x.count; p++) {
    const r = raw[p]!;
    out[p] = s === null ? r : 1 / (1 + Math.exp(-s * r));
  }
  return out;
}
