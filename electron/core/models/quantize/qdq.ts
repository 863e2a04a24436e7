/**
 * Writes a QDQ int8 model: QuantizeLinear / DequantizeLinear pairs around each convolution's input,
 * int8 weights and int32 bias, so ONNX Runtime's CPU provider fuses every DQ -> Conv -> Q unit into
 * a QLinearConv (and DQ -> MaxPool -> Q into a uint8 MaxPool, DQ -> Concat -> Q into QLinearConcat)
 * and activations stay 8-bit between them. Activations are uint8 with a zero point (x86 runs
 * u8 x s8 products); weights int8, symmetric, one scale per output channel.
 */
import type { OnnxModel, OnnxNode, OnnxTensor } from '../onnx/types.js';
import { ONNX_FLOAT, ONNX_INT32, ONNX_INT8, ONNX_UINT8 } from '../onnx/types.js';
import { consumersOf, floatInitializer } from './fold.js';

/** Observed range of one activation tensor (from calibration). */
export interface ActivationRange {
  min: number;
  max: number;
}

export interface QdqOptions {
  /**
   * Output tensor names of the Conv nodes that stay float. Default: the convolutions from the
   * graph input up to the first ReLU (the per-band normalisation and the first separable conv)
   * and those whose output reaches a graph output through one activation (final 1x1 + sigmoid).
   */
  keepFloat?: readonly string[];
  /**
   * Bits of the int8 weights: 7 (range -63..63, the default) or 8 (-127..127). 7 avoids the int16
   * saturation of AVX2's u8 x s8 multiply-add (vpmaddubsw) on CPUs without VNNI: with 8, ONNX
   * Runtime's fused kernels there flipped 8.8 % of a real tile's cloud decisions instead of 1 %.
   */
  weightBits?: 7 | 8;
  /**
   * Storage of the weights: 'int8' (zero point 0) or 'uint8' (zero point 128, same values). ONNX
   * Runtime's AVX2 kernels multiply u8 x u8 in 16 bits, so 'uint8' keeps 8-bit weights without
   * the saturation that 8-bit 'int8' weights meet there.
   */
  weightType?: 'int8' | 'uint8';
}

/** Which nodes run in int8 and which tensors carry 8-bit values between them. */
export interface QuantPlan {
  /** Conv, MaxPool, Concat and DepthToSpace nodes in QDQ form, by node name. */
  quantized: Set<string>;
  /** Tensors that get a QuantizeLinear, in graph order. */
  tensors: string[];
  /** Tensors whose quantisation copies another's (max-pool and DepthToSpace outputs keep their input's). */
  sameAs: Map<string, string>;
  /** Tensors calibration must observe: `tensors` less those in `sameAs`. */
  calibrate: string[];
}

const QUANTIZABLE = new Set(['Conv', 'MaxPool', 'Concat', 'DepthToSpace']);
/** Ops that only move or select values: their output keeps their input's scale and zero point. */
const SAME_SCALE = new Set(['MaxPool', 'DepthToSpace']);

function defaultKeepFloat(model: OnnxModel): string[] {
  const graphInputs = new Set(model.graph.inputs.map((i) => i.name));
  const graphOutputs = new Set(model.graph.outputs.map((o) => o.name));
  const consumers = consumersOf(model.graph.nodes);
  const keep: string[] = [];
  // Convs from the graph input up to the first ReLU: the per-band normalisation and the first
  // separable conv. Their inputs are the six normalised bands, which one uint8 scale serves badly:
  // quantising them flipped 2.2 % of the cloud decisions on a held-out real tile, 0.7 % without.
  const early = new Set(graphInputs);
  for (const n of model.graph.nodes) {
    if (n.opType !== 'Conv') continue;
    const out = n.outputs[0] ?? '';
    const next = consumers.get(out) ?? [];
    const feedsOutput =
      graphOutputs.has(out) ||
      (next.length === 1 && next[0]?.inputs.length === 1 && graphOutputs.has(next[0].outputs[0] ?? ''));
    const isEarly = early.has(n.inputs[0] ?? '');
    if (isEarly && !next.some((c) => c.opType === 'Relu')) early.add(out);
    if (isEarly || feedsOutput) keep.push(out);
  }
  return keep;
}

/** Decides which ops are quantised and which tensors need a QuantizeLinear. */
export function planQuantization(model: OnnxModel, options: QdqOptions = {}): QuantPlan {
  const keep = new Set(options.keepFloat ?? defaultKeepFloat(model));
  const nodes = model.graph.nodes;
  const consumers = consumersOf(nodes);
  const producer = new Map<string, OnnxNode>();
  for (const n of nodes) for (const o of n.outputs) producer.set(o, n);
  const graphOutputs = new Set(model.graph.outputs.map((o) => o.name));
  const initializers = new Set(model.graph.initializers.map((i) => i.name));

  const quantized = new Set<string>();
  for (const n of nodes) {
    if (!QUANTIZABLE.has(n.opType)) continue;
    if (n.opType === 'Conv' && (keep.has(n.outputs[0] ?? '') || !initializers.has(n.inputs[1] ?? '')))
      continue;
    quantized.add(n.name);
  }
  const isQ = (n: OnnxNode | undefined): boolean => n !== undefined && quantized.has(n.name);
  // A Relu that is the only reader of a quantised Conv's output runs inside the QLinearConv
  // (ONNX Runtime drops it before a Q whose zero point is the type's minimum): the Relu's output
  // is the unit's output and the Conv's own output stays float.
  const fusedRelu = (n: OnnxNode | undefined): boolean =>
    n !== undefined &&
    n.opType === 'Relu' &&
    isQ(producer.get(n.inputs[0] ?? '')) &&
    producer.get(n.inputs[0] ?? '')?.opType === 'Conv' &&
    (consumers.get(n.inputs[0] ?? '')?.length ?? 0) === 1;
  const feedsFusedRelu = (t: string): boolean => {
    const next = consumers.get(t) ?? [];
    return next.length === 1 && fusedRelu(next[0]);
  };

  const tensors: string[] = [];
  const seen = new Set<string>();
  const consider = (t: string): void => {
    if (t === '' || seen.has(t) || initializers.has(t) || graphOutputs.has(t)) return;
    seen.add(t);
    const p = producer.get(t);
    const readByQ = (consumers.get(t) ?? []).some(isQ);
    const fromQ = (isQ(p) && !(p?.opType === 'Conv' && feedsFusedRelu(t))) || fusedRelu(p);
    if (readByQ || fromQ) tensors.push(t);
  };
  for (const i of model.graph.inputs) consider(i.name);
  for (const n of nodes) for (const o of n.outputs) consider(o);

  const sameAs = new Map<string, string>();
  for (const n of nodes) {
    if (SAME_SCALE.has(n.opType) && isQ(n)) sameAs.set(n.outputs[0] ?? '', n.inputs[0] ?? '');
  }
  return { quantized, tensors, sameAs, calibrate: tensors.filter((t) => !sameAs.has(t)) };
}

/** uint8 scale and zero point covering [min, max] and always 0 (ReLU outputs, padding). */
export function activationParams(r: ActivationRange): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, r.min);
  const hi = Math.max(0, r.max);
  const scale = Math.max((hi - lo) / 255, 1e-8);
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  return { scale: Math.fround(scale), zeroPoint };
}

/** Symmetric int8, one scale per output channel (axis 0 of an ONNX Conv weight). */
export function quantizeWeights(
  w: Float32Array,
  outChannels: number,
  bits: 7 | 8,
): { q: Int8Array; scales: Float32Array } {
  const qmax = bits === 8 ? 127 : 63;
  const per = w.length / outChannels;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    let m = 0;
    for (let k = 0; k < per; k++) m = Math.max(m, Math.abs(w[o * per + k] ?? 0));
    const s = Math.fround(m > 0 ? m / qmax : 1);
    scales[o] = s;
    for (let k = 0; k < per; k++) {
      q[o * per + k] = Math.max(-qmax, Math.min(qmax, Math.round((w[o * per + k] ?? 0) / s)));
    }
  }
  return { q, scales };
}

/**
 * The QDQ model of a (BatchNorm-folded) float model, given the calibrated range of every tensor
 * in `planQuantization(model).calibrate`. Node order stays topological: each DQ just before its
 * reader, each Q just after its writer.
 */
export function quantizeQdq(
  model: OnnxModel,
  ranges: ReadonlyMap<string, ActivationRange>,
  options: QdqOptions = {},
): OnnxModel {
  const plan = planQuantization(model, options);
  const bits = options.weightBits ?? 7;
  const params = new Map<string, { scale: string; zeroPoint: string; value: number }>();
  const initializers: OnnxTensor[] = [];
  const nodes: OnnxNode[] = [];
  const quantizedTensors = new Set(plan.tensors);

  for (const t of plan.tensors) {
    const source = plan.sameAs.get(t);
    if (source !== undefined) {
      const p = params.get(source);
      if (!p) throw new Error(`quantize: ${t} copies ${source}, which has no parameters yet`);
      params.set(t, p);
      continue;
    }
    const r = ranges.get(t);
    if (!r) throw new Error(`quantize: no calibrated range for tensor "${t}"`);
    const { scale, zeroPoint } = activationParams(r);
    const s = `${t}.q_scale`;
    const z = `${t}.q_zero_point`;
    initializers.push({ name: s, dims: [], dataType: ONNX_FLOAT, data: Float32Array.of(scale) });
    initializers.push({ name: z, dims: [], dataType: ONNX_UINT8, data: Uint8Array.of(zeroPoint) });
    params.set(t, { scale: s, zeroPoint: z, value: scale });
  }

  const emitQ = (t: string): void => {
    const p = params.get(t);
    if (!p) return;
    nodes.push({
      opType: 'QuantizeLinear',
      name: `${t}#quantize`,
      inputs: [t, p.scale, p.zeroPoint],
      outputs: [`${t}.quantized`],
    });
  };
  let dqCount = 0;
  // One DequantizeLinear per reader: ONNX Runtime groups each reader with its own DQ nodes.
  const emitDq = (t: string): string => {
    const p = params.get(t);
    if (!p) return t;
    const out = `${t}.dequantized_${dqCount++}`;
    nodes.push({
      opType: 'DequantizeLinear',
      name: `${out}#node`,
      inputs: [`${t}.quantized`, p.scale, p.zeroPoint],
      outputs: [out],
    });
    return out;
  };

  for (const i of model.graph.inputs) if (quantizedTensors.has(i.name)) emitQ(i.name);
  const dropped = new Set<string>();
  for (const n of model.graph.nodes) {
    const inputs = n.inputs.map((i) => (quantizedTensors.has(i) ? emitDq(i) : i));
    if (n.opType === 'Conv' && plan.quantized.has(n.name)) {
      const x = n.inputs[0] ?? '';
      const xScale = params.get(x)?.value;
      const w = floatInitializer(model, n.inputs[1]);
      if (xScale === undefined || !w) throw new Error(`quantize: ${n.name} lacks an input scale or weights`);
      const out = w.dims[0] ?? 0;
      const { q, scales } = quantizeWeights(w.data, out, bits);
      const wq = `${w.name}.${options.weightType ?? 'int8'}`;
      if (options.weightType === 'uint8') {
        initializers.push(
          { name: wq, dims: w.dims, dataType: ONNX_UINT8, data: Uint8Array.from(q, (v) => v + 128) },
          { name: `${wq}.scale`, dims: [out], dataType: ONNX_FLOAT, data: scales },
          {
            name: `${wq}.zero_point`,
            dims: [out],
            dataType: ONNX_UINT8,
            data: new Uint8Array(out).fill(128),
          },
        );
      } else {
        initializers.push(
          { name: wq, dims: w.dims, dataType: ONNX_INT8, data: q },
          { name: `${wq}.scale`, dims: [out], dataType: ONNX_FLOAT, data: scales },
          { name: `${wq}.zero_point`, dims: [out], dataType: ONNX_INT8, data: new Int8Array(out) },
        );
      }
      nodes.push({
        opType: 'DequantizeLinear',
        name: `${wq}#dequantize`,
        inputs: [wq, `${wq}.scale`, `${wq}.zero_point`],
        outputs: [`${wq}.dequantized`],
        attributes: { axis: { kind: 'int', value: 0 } },
      });
      inputs[1] = `${wq}.dequantized`;
      dropped.add(w.name);
      const b = floatInitializer(model, n.inputs[2]);
      if (b) {
        // int32 bias on the product scale input_scale x weight_scale, as QLinearConv adds it.
        const bScale = Float32Array.from(scales, (s) => xScale * s);
        const bq = Int32Array.from(b.data, (v, o) =>
          Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v / (bScale[o] ?? 1)))),
        );
        const bName = `${b.name}.int32`;
        initializers.push(
          { name: bName, dims: b.dims, dataType: ONNX_INT32, data: bq },
          { name: `${bName}.scale`, dims: [out], dataType: ONNX_FLOAT, data: bScale },
          { name: `${bName}.zero_point`, dims: [out], dataType: ONNX_INT32, data: new Int32Array(out) },
        );
        nodes.push({
          opType: 'DequantizeLinear',
          name: `${bName}#dequantize`,
          inputs: [bName, `${bName}.scale`, `${bName}.zero_point`],
          outputs: [`${bName}.dequantized`],
          attributes: { axis: { kind: 'int', value: 0 } },
        });
        inputs[2] = `${bName}.dequantized`;
        dropped.add(b.name);
      }
    }
    nodes.push({ ...n, inputs });
    for (const o of n.outputs) if (quantizedTensors.has(o)) emitQ(o);
  }

  const stillUsed = new Set(nodes.flatMap((n) => n.inputs));
  return {
    ...model,
    producerName: `${model.producerName} + s2-cloud-studio quantize`,
    graph: {
      ...model.graph,
      nodes,
      initializers: [
        ...model.graph.initializers.filter((i) => !dropped.has(i.name) || stillUsed.has(i.name)),
        ...initializers,
      ],
    },
  };
}
