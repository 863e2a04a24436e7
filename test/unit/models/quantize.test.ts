/**
 * The int8 quantiser (electron/core/models/quantize/) on the shipped default model and real
 * labelled tiles: exact float rewrites, a QDQ graph ONNX Runtime loads and fuses, and outputs
 * close to the float model's on a case it was not calibrated on.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Bytes } from '../../../electron/core/models/files.js';
import { decodeModel } from '../../../electron/core/models/onnx/decode.js';
import { encodeModel } from '../../../electron/core/models/onnx/encode.js';
import {
  activationParams,
  convTransposeToDepthToSpace,
  foldBatchNorm,
  planQuantization,
  quantizeModel,
  quantizeWeights,
} from '../../../electron/core/models/quantize/index.js';
import type { CalibrationTile, QuantizeResult } from '../../../electron/core/models/quantize/index.js';
import { createSession } from '../../../electron/core/models/session.js';
import { calibrationTiles, labelledCases } from '../../../native-models/quantize-int8.js';
import { ROOT, SHARED_DATA } from '../../helpers/env.js';

const FP32 = join(ROOT, 'native-models/dl-l8s2-uv-6b/dl-l8s2-uv-6b.onnx');
const cases = labelledCases(SHARED_DATA);
const l5 = cases.find((c) => c.name === 'landsat5');
const l7 = cases.find((c) => c.name === 'landsat7');

/** A Python 3 with the onnx package (Debian's python3-onnx lives under /usr/bin/python3). */
function pythonWithOnnx(): string | undefined {
  for (const py of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(py, ['-c', 'import onnx'], { stdio: 'ignore' });
      return py;
    } catch {
      // next
    }
  }
  return undefined;
}

async function run(model: Uint8Array | string, tile: CalibrationTile): Promise<Float32Array> {
  const session =
    typeof model === 'string'
      ? (await createSession(model, { providers: ['cpu'], threads: 2, log: () => {} })).session
      : await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: 2 });
  try {
    const input = new ort.Tensor('float32', tile.data, [...tile.dims]);
    const out = (await session.run({ [session.inputNames[0]!]: input }))[session.outputNames[0]!];
    if (!(out?.data instanceof Float32Array)) throw new Error('no float output');
    return out.data;
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

describe('ONNX reader', () => {
  it('reads the shipped fp32 model back to the same bytes (what it quantises is what the app runs)', async () => {
    const bytes = await readFile(FP32);
    const model = decodeModel(bytes);
    expect(model.opsetVersion).toBe(17);
    expect(model.graph.nodes.filter((n) => n.opType === 'BatchNormalization')).toHaveLength(10);
    expect(sha256Bytes(encodeModel(model))).toBe(sha256Bytes(bytes));
  });
});

describe('int8 building blocks', () => {
  it('per-channel symmetric weights: the largest magnitude maps to +-qmax, zero stays zero', () => {
    const w = Float32Array.from([-1, 0.254, 0, 10 / 63, -0.04, 0.01016, 0, 0.4 / 63]);
    const { q, scales } = quantizeWeights(w, 2, 7);
    expect([...q]).toEqual([-63, 16, 0, 10, -63, 16, 0, 10]);
    expect(scales[0]).toBeCloseTo(1 / 63, 7);
    expect(scales[1]).toBeCloseTo(0.04 / 63, 7);
    expect(Math.min(...quantizeWeights(w, 2, 8).q)).toBe(-127);
  });

  it('uint8 activation parameters always represent 0 exactly', () => {
    expect(activationParams({ min: 0, max: 2.55 })).toEqual({ scale: Math.fround(0.01), zeroPoint: 0 });
    const p = activationParams({ min: -1, max: 3 });
    expect(p.zeroPoint).toBe(64);
    expect(activationParams({ min: 0.5, max: 1 }).zeroPoint).toBe(0);
  });

  it('keeps the normalisation, the first separable conv and the final conv + sigmoid in float', async () => {
    const folded = foldBatchNorm(decodeModel(await readFile(FP32))).model;
    const plan = planQuantization(convTransposeToDepthToSpace(folded).model);
    const convs = folded.graph.nodes.filter((n) => n.opType === 'Conv');
    const floatConvs = convs.filter((n) => !plan.quantized.has(n.name)).map((n) => n.outputs[0]);
    expect(floatConvs).toEqual(['normalization', 'input_conv_1/Conv', 'input_bn_1', 'linear_model/Conv']);
    // A Relu after a quantised conv runs inside it: its output is quantised, the conv's is not.
    expect(plan.tensors).toContain('input_act_2');
    expect(plan.tensors).not.toContain('input_bn_2');
    expect(plan.tensors).not.toContain('normalization');
    expect(plan.sameAs.get('pooling_1')).toBe('input_act_2');
  });
});

describe.skipIf(!l5 || !l7)('int8 copy of DL-L8S2-UV on the real labelled cases', () => {
  let tmp = '';
  let heldOut: CalibrationTile;
  let quantized: QuantizeResult;
  let fp32: Uint8Array;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 's2-quantize-'));
    fp32 = await readFile(FP32);
    // Calibrated on landsat5 at 20 m, checked on landsat7 (leave one out).
    const calibration = await calibrationTiles(l5!, [20]);
    heldOut = (await calibrationTiles(l7!, [20]))[0]!;
    quantized = await quantizeModel(fp32, calibration);
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('folds BatchNorm exactly in float (1e-5) and rewrites the up-convolutions exactly', async () => {
    const original = await run(fp32, heldOut);
    const bnFolded = foldBatchNorm(decodeModel(fp32));
    expect(bnFolded.folded).toHaveLength(10);
    expect(bnFolded.model.graph.nodes.some((n) => n.opType === 'BatchNormalization')).toBe(false);
    expect(maxAbsDiff(original, await run(encodeModel(bnFolded.model), heldOut))).toBeLessThan(1e-5);
    const rewritten = convTransposeToDepthToSpace(bnFolded.model);
    expect(rewritten.rewritten).toHaveLength(2);
    expect(maxAbsDiff(original, await run(encodeModel(rewritten.model), heldOut))).toBeLessThan(1e-5);
  });

  it('loads in onnxruntime-node with the app options and agrees with fp32 on a held-out real tile', async () => {
    const file = join(tmp, 'int8.onnx');
    await writeFile(file, quantized.bytes);
    const a = await run(fp32, heldOut);
    const b = await run(file, heldOut);
    let sum = 0;
    let flips = 0;
    for (let i = 0; i < a.length; i++) {
      sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
      if ((a[i] ?? 0) > 0.5 !== (b[i] ?? 0) > 0.5) flips++;
    }
    // Measured: mean |dp| about 0.02, 1-2 % of pixels change side of 0.5 (docs/int8.md).
    expect(sum / a.length).toBeLessThan(0.04);
    expect(flips / a.length).toBeLessThan(0.04);
  });

  it('is fused by ONNX Runtime into int8 kernels (QLinearConv, QLinearConcat) and passes onnx.checker', async (ctx) => {
    const file = join(tmp, 'int8.onnx');
    await writeFile(file, quantized.bytes);
    const optimized = join(tmp, 'int8-optimized.onnx');
    const session = await ort.InferenceSession.create(file, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      optimizedModelFilePath: optimized,
    });
    await session.release();
    const py = pythonWithOnnx();
    if (!py) {
      console.warn('python3-onnx is missing: onnx.checker and the fused-graph check skipped');
      ctx.skip();
      return;
    }
    execFileSync(py, [
      '-c',
      'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)',
      file,
    ]);
    const ops = JSON.parse(
      execFileSync(py, [
        '-c',
        'import onnx, sys, json, collections; m = onnx.load(sys.argv[1]); print(json.dumps(collections.Counter(n.op_type for n in m.graph.node)))',
        optimized,
      ]).toString(),
    ) as Record<string, number>;
    // 18 separable-conv halves + 2 up-convolutions as 1x1 convs (the first separable conv stays float).
    expect(ops.QLinearConv).toBe(20);
    expect(ops.QLinearConcat).toBe(2);
    expect(ops.ConvTranspose ?? 0).toBe(0);
  });
});
