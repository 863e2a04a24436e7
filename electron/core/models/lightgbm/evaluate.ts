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

/**
 * Per node, which way a NaN goes and whether the node treats zero as missing, folded from
 * NumericalDecision once per model: NaN is 0 for missing None (so it goes where 0 goes), and goes
 * the default way for missing Zero and NaN; for missing Zero, |v| <= 1e-35 goes the default way.
 */
interface Walk {
  /** Children packed [left, right] per node. */
  child: Int32Array;
  nanRight: Uint8Array;
  zeroMissing: Uint8Array;
}

const walks = new WeakMap<LightgbmModel, Walk>();

function walkOf(model: LightgbmModel): Walk {
  let w = walks.get(model);
  if (w) return w;
  const n = model.splitFeature.length;
  w = { child: new Int32Array(2 * n), nanRight: new Uint8Array(n), zeroMissing: new Uint8Array(n) };
  for (let g = 0; g < n; g++) {
    w.child[2 * g] = model.leftChild[g]!;
    w.child[2 * g + 1] = model.rightChild[g]!;
    const mt = model.missingType[g]!;
    const defaultRight = model.defaultLeft[g] === 1 ? 0 : 1;
    w.nanRight[g] =
      mt === MISSING_NAN || mt === MISSING_ZERO ? defaultRight : 0 <= model.threshold[g]! ? 0 : 1;
    w.zeroMissing[g] = mt === MISSING_ZERO ? 1 : 0;
  }
  walks.set(model, w);
  return w;
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
  const { splitFeature, threshold, leafValue } = model;
  const { child, nanRight, zeroMissing } = walkOf(model);
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
      let g = s;
      for (;;) {
        const v = data[at + splitFeature[g]! * stride]!;
        const th = threshold[g]!;
        // Ordinary values: v <= threshold goes left. NaN fails both tests; zero-as-missing nodes are rare.
        let dir = v <= th ? 0 : v > th ? 1 : nanRight[g]!;
        if (zeroMissing[g] === 1 && v >= -ZERO_THRESHOLD && v <= ZERO_THRESHOLD) dir = nanRight[g]!;
        const c = child[2 * g + dir]!;
        if (c < 0) {
          out[p]! += leafValue[l0 + ~c]!;
          break;
        }
        g = s + c;
      }
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
