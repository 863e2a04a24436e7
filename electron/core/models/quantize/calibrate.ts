/**
 * Calibration: the range of every tensor the int8 model quantises, observed by running the float
 * model over real input tiles. The float graph gets each of those tensors as an extra output (a
 * "probe" model) and ONNX Runtime runs it on the CPU.
 */
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../onnx/encode.js';
import type { OnnxModel } from '../onnx/types.js';
import { ONNX_FLOAT } from '../onnx/types.js';
import type { ActivationRange } from './qdq.js';

/** One network input: NCHW float32, as the inference engine feeds the session. */
export interface CalibrationTile {
  data: Float32Array;
  dims: readonly [number, number, number, number];
}

/**
 * How a range is taken from the observed values: the extremes ('minmax', ONNX Runtime's default
 * calibrator) or a two-sided percentile (clips rare outliers for a finer step on the bulk).
 */
export type CalibrationMethod = { kind: 'minmax' } | { kind: 'percentile'; percentile: number };

/** The float model with `tensors` as extra graph outputs (float32, dimensions left symbolic). */
export function probeModel(model: OnnxModel, tensors: readonly string[]): OnnxModel {
  const existing = new Set(model.graph.outputs.map((o) => o.name));
  const extra = tensors
    .filter((t) => !existing.has(t))
    .map((t, i) => ({ name: t, elemType: ONNX_FLOAT, shape: [`p${i}n`, `p${i}c`, `p${i}h`, `p${i}w`] }));
  return { ...model, graph: { ...model.graph, outputs: [...model.graph.outputs, ...extra] } };
}

/** Values kept per tensor and tile for percentiles: a strided sample (deterministic). */
const SAMPLE_PER_TILE = 65_536;

function quantile(sorted: Float32Array, q: number): number {
  if (sorted.length === 0) return 0;
  const pos = Math.min(sorted.length - 1, Math.max(0, q * (sorted.length - 1)));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (pos - lo);
}

/**
 * Runs the float model over every tile and returns the range of each tensor. Min/max are exact;
 * percentiles come from a strided sample of each tensor in each tile (65 536 values).
 */
export async function calibrateRanges(
  model: OnnxModel,
  tensors: readonly string[],
  tiles: Iterable<CalibrationTile>,
  method: CalibrationMethod = { kind: 'minmax' },
  threads = 2,
): Promise<Map<string, ActivationRange>> {
  const session = await ort.InferenceSession.create(encodeModel(probeModel(model, tensors)), {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    enableMemPattern: false,
  });
  const inputName = session.inputNames[0] ?? '';
  const min = new Map<string, number>();
  const max = new Map<string, number>();
  const samples = new Map<string, Float32Array[]>();
  try {
    for (const tile of tiles) {
      const input = new ort.Tensor('float32', tile.data, [...tile.dims]);
      const out = await session.run({ [inputName]: input }, [...tensors]);
      input.dispose();
      for (const t of tensors) {
        const v = out[t];
        if (!v || !(v.data instanceof Float32Array)) throw new Error(`calibrate: no float output "${t}"`);
        const d = v.data;
        let lo = min.get(t) ?? Infinity;
        let hi = max.get(t) ?? -Infinity;
        for (let i = 0; i < d.length; i++) {
          const x = d[i] ?? 0;
          if (x < lo) lo = x;
          if (x > hi) hi = x;
        }
        min.set(t, lo);
        max.set(t, hi);
        if (method.kind === 'percentile') {
          const step = Math.max(1, Math.floor(d.length / SAMPLE_PER_TILE));
          const s = new Float32Array(Math.ceil(d.length / step));
          for (let i = 0, j = 0; i < d.length; i += step, j++) s[j] = d[i] ?? 0;
          const list = samples.get(t) ?? [];
          list.push(s);
          samples.set(t, list);
        }
        v.dispose();
      }
    }
  } finally {
    await session.release();
  }
  const ranges = new Map<string, ActivationRange>();
  for (const t of tensors) {
    const lo = min.get(t);
    const hi = max.get(t);
    if (lo === undefined || hi === undefined) throw new Error('calibrate: no tiles');
    if (method.kind === 'minmax') {
      ranges.set(t, { min: lo, max: hi });
      continue;
    }
    const parts = samples.get(t) ?? [];
    const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += p.length;
    }
    all.sort();
    const q = method.percentile / 100;
    ranges.set(t, { min: Math.max(lo, quantile(all, 1 - q)), max: Math.min(hi, quantile(all, q)) });
  }
  return ranges;
}
