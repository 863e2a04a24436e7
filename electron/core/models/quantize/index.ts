/**
 * int8 copy of a float ONNX model: read the file, fold BatchNorm, calibrate activation ranges on
 * real tiles, write QDQ. See docs/int8.md for the method and the measured speed and quality.
 */
import { decodeModel } from '../onnx/decode.js';
import { encodeModel } from '../onnx/encode.js';
import type { OnnxModel } from '../onnx/types.js';
import { calibrateRanges } from './calibrate.js';
import type { CalibrationMethod, CalibrationTile } from './calibrate.js';
import { foldBatchNorm } from './fold.js';
import { planQuantization, quantizeQdq } from './qdq.js';
import { convTransposeToDepthToSpace } from './rewrite.js';
import type { ActivationRange, QdqOptions } from './qdq.js';

export { calibrateRanges, probeModel } from './calibrate.js';
export type { CalibrationMethod, CalibrationTile } from './calibrate.js';
export { foldBatchNorm } from './fold.js';
export { convTransposeToDepthToSpace } from './rewrite.js';
export { activationParams, planQuantization, quantizeQdq, quantizeWeights } from './qdq.js';
export type { ActivationRange, QdqOptions, QuantPlan } from './qdq.js';

export interface QuantizeOptions extends QdqOptions {
  method?: CalibrationMethod;
  /** Intra-op threads for the calibration runs. */
  threads?: number;
  /**
   * Widens every calibrated range by this factor (default 1): headroom for scenes brighter than
   * the calibration ones, at the cost of a coarser step.
   */
  rangeMargin?: number;
  /** Rewrite kernel-equals-stride ConvTranspose as Conv 1x1 + DepthToSpace (default true; exact). */
  rewriteConvTranspose?: boolean;
  /** Written into the model's metadata_props (what it was calibrated on...). */
  metadata?: Record<string, string>;
}

export interface QuantizeResult {
  /** The QDQ model and its bytes. */
  model: OnnxModel;
  bytes: Uint8Array;
  /** The float model it was quantised from (BatchNorm folded, ConvTranspose rewritten). */
  folded: OnnxModel;
  ranges: Map<string, ActivationRange>;
}

const describe = (m: CalibrationMethod): string =>
  m.kind === 'minmax' ? 'minmax' : `percentile ${m.percentile}`;

/** Quantises the float model in `fp32` (ONNX bytes) with ranges observed on `tiles`. */
export async function quantizeModel(
  fp32: Uint8Array,
  tiles: Iterable<CalibrationTile>,
  options: QuantizeOptions = {},
): Promise<QuantizeResult> {
  const {
    method = { kind: 'minmax' },
    threads,
    metadata,
    rewriteConvTranspose = true,
    rangeMargin = 1,
    ...qdq
  } = options;
  const bnFolded = foldBatchNorm(decodeModel(fp32)).model;
  const folded = rewriteConvTranspose ? convTransposeToDepthToSpace(bnFolded).model : bnFolded;
  const plan = planQuantization(folded, qdq);
  const observed = await calibrateRanges(folded, plan.calibrate, tiles, method, threads);
  const ranges = new Map(
    [...observed].map(([t, r]) => [t, { min: r.min * rangeMargin, max: r.max * rangeMargin }] as const),
  );
  const q = quantizeQdq(folded, ranges, qdq);
  const model: OnnxModel = {
    ...q,
    metadata: {
      ...q.metadata,
      quantization: `QDQ uint8 activations (${describe(method)}${rangeMargin !== 1 ? ` x ${rangeMargin}` : ''}), ${qdq.weightType ?? 'int8'} per-channel symmetric weights (${qdq.weightBits ?? 7} bits), BatchNorm folded${rewriteConvTranspose ? ', ConvTranspose as Conv + DepthToSpace' : ''}`,
      ...metadata,
    },
  };
  return { model, bytes: encodeModel(model), folded, ranges };
}
