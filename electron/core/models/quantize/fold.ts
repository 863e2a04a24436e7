/**
 * Folds inference-time BatchNormalization into the convolution before it. The Keras converter
 * keeps BN as its own node (ONNX Runtime folds it at load time in float), but a quantised model
 * must quantise the folded weights: BN after an int8 convolution would need float in between.
 */
import type { OnnxModel, OnnxNode, OnnxTensor } from '../onnx/types.js';
import { ONNX_FLOAT } from '../onnx/types.js';

type FloatTensor = Extract<OnnxTensor, { dataType: typeof ONNX_FLOAT }>;

/** The float initializer of that name, or undefined. */
export function floatInitializer(model: OnnxModel, name: string | undefined): FloatTensor | undefined {
  const t = model.graph.initializers.find((i) => i.name === name);
  return t && t.dataType === ONNX_FLOAT ? t : undefined;
}

/** Nodes reading each tensor. */
export function consumersOf(nodes: readonly OnnxNode[]): Map<string, OnnxNode[]> {
  const map = new Map<string, OnnxNode[]>();
  for (const n of nodes) {
    for (const i of n.inputs) {
      if (i === '') continue;
      const list = map.get(i) ?? [];
      list.push(n);
      map.set(i, list);
    }
  }
  return map;
}

export interface FoldResult {
  model: OnnxModel;
  /** BatchNormalization nodes folded away, by name. */
  folded: string[];
}

/**
 * W'[o] = W[o] * g[o] / sqrt(v[o] + eps), b'[o] = (b[o] - m[o]) * g[o] / sqrt(v[o] + eps) + beta[o],
 * for every BatchNormalization whose input is a Conv's output read by nothing else. The Conv then
 * outputs the BN's tensor name, so the rest of the graph is unchanged. Computed in float64 and
 * stored as float32; the result equals the unfolded graph to float32 rounding.
 */
export function foldBatchNorm(model: OnnxModel): FoldResult {
  const nodes = [...model.graph.nodes];
  const consumers = consumersOf(nodes);
  const producer = new Map<string, OnnxNode>();
  for (const n of nodes) for (const o of n.outputs) producer.set(o, n);
  const replaced = new Map<string, OnnxNode>();
  const removed = new Set<OnnxNode>();
  const dropInit = new Set<string>();
  const newInit: FloatTensor[] = [];
  const folded: string[] = [];

  for (const bn of nodes) {
    if (bn.opType !== 'BatchNormalization') continue;
    const [x, gName, bName, mName, vName] = bn.inputs;
    const conv = x === undefined ? undefined : producer.get(x);
    if (!conv || conv.opType !== 'Conv' || (consumers.get(x ?? '')?.length ?? 0) !== 1) continue;
    const gamma = floatInitializer(model, gName);
    const beta = floatInitializer(model, bName);
    const mean = floatInitializer(model, mName);
    const variance = floatInitializer(model, vName);
    const weight = floatInitializer(model, conv.inputs[1]);
    if (!gamma || !beta || !mean || !variance || !weight) continue;
    const eps = bn.attributes?.epsilon?.kind === 'float' ? bn.attributes.epsilon.value : 1e-5;
    const out = weight.dims[0] ?? 0;
    const per = weight.data.length / out;
    const bias = floatInitializer(model, conv.inputs[2]);
    const w = new Float32Array(weight.data.length);
    const b = new Float32Array(out);
    for (let o = 0; o < out; o++) {
      const s = (gamma.data[o] ?? 1) / Math.sqrt((variance.data[o] ?? 0) + eps);
      for (let k = 0; k < per; k++) w[o * per + k] = (weight.data[o * per + k] ?? 0) * s;
      b[o] = ((bias?.data[o] ?? 0) - (mean.data[o] ?? 0)) * s + (beta.data[o] ?? 0);
    }
    const wName = `${weight.name}.folded`;
    const bNameOut = `${bn.name.replace(/#node$/, '')}.folded_bias`;
    newInit.push({ name: wName, dims: weight.dims, dataType: ONNX_FLOAT, data: w });
    newInit.push({ name: bNameOut, dims: [out], dataType: ONNX_FLOAT, data: b });
    for (const n of [weight.name, bias?.name, gName, bName, mName, vName]) if (n) dropInit.add(n);
    replaced.set(conv.name, {
      ...conv,
      inputs: [conv.inputs[0] ?? '', wName, bNameOut],
      outputs: [...bn.outputs],
    });
    removed.add(bn);
    folded.push(bn.name);
  }

  // An initializer still read by a node that stays (shared weights) is kept.
  const finalNodes = nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n.name) ?? n);
  const stillUsed = new Set(finalNodes.flatMap((n) => n.inputs));
  const initializers = [
    ...model.graph.initializers.filter((i) => !dropInit.has(i.name) || stillUsed.has(i.name)),
    ...newInit,
  ];
  return { model: { ...model, graph: { ...model.graph, nodes: finalNodes, initializers } }, folded };
}
