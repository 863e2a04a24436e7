/**
 * Exact float rewrites that let more of the network run in int8. ONNX Runtime's CPU provider has
 * no int8 ConvTranspose (a QDQ ConvTranspose stays float, between a DQ and a Q) and its float one
 * is slow: on DL-L8S2-UV the two 2x2 / stride-2 up-convolutions took about a quarter of a tile's
 * time. A transposed convolution whose kernel equals its stride (no overlap, no padding) is a 1x1
 * convolution to Cout x k x k channels followed by DepthToSpace: both have int8 kernels.
 */
import type { OnnxModel, OnnxNode, OnnxTensor } from '../onnx/types.js';
import { ONNX_FLOAT } from '../onnx/types.js';
import { floatInitializer } from './fold.js';

const ints = (n: OnnxNode, key: string): readonly number[] | undefined => {
  const a = n.attributes?.[key];
  return a?.kind === 'ints' ? a.value : undefined;
};

/**
 * Replaces each ConvTranspose with kernel == stride (square), group 1, no padding, no dilation
 * and no output padding by Conv 1x1 (weight W'[(co*k + a)*k + b, ci] = W[ci, co, a, b], bias
 * repeated k*k times) + DepthToSpace(blocksize k, mode CRD). Returns the rewritten model and
 * the names of the nodes it replaced.
 */
export function convTransposeToDepthToSpace(model: OnnxModel): { model: OnnxModel; rewritten: string[] } {
  const nodes: OnnxNode[] = [];
  const added: OnnxTensor[] = [];
  const drop = new Set<string>();
  const rewritten: string[] = [];
  for (const n of model.graph.nodes) {
    const kernel = ints(n, 'kernel_shape');
    const strides = ints(n, 'strides');
    const pads = ints(n, 'pads') ?? [0, 0, 0, 0];
    const w = floatInitializer(model, n.inputs[1]);
    const k = kernel?.[0] ?? 0;
    const plain =
      n.opType === 'ConvTranspose' &&
      w !== undefined &&
      w.dims.length === 4 &&
      kernel?.length === 2 &&
      kernel[1] === k &&
      k > 0 &&
      strides?.[0] === k &&
      strides[1] === k &&
      pads.every((p) => p === 0) &&
      ints(n, 'output_padding') === undefined &&
      (ints(n, 'dilations') ?? [1, 1]).every((d) => d === 1) &&
      (n.attributes?.group?.kind !== 'int' || n.attributes.group.value === 1) &&
      n.attributes?.auto_pad === undefined &&
      n.attributes?.output_shape === undefined;
    if (!plain || !w) {
      nodes.push(n);
      continue;
    }
    const [cin = 0, cout = 0] = w.dims;
    const kk = k * k;
    const weight = new Float32Array(cout * kk * cin);
    for (let ci = 0; ci < cin; ci++)
      for (let co = 0; co < cout; co++)
        for (let a = 0; a < k; a++)
          for (let b = 0; b < k; b++)
            weight[((co * k + a) * k + b) * cin + ci] = w.data[((ci * cout + co) * k + a) * k + b] ?? 0;
    const base = n.outputs[0] ?? n.name;
    const wName = `${w.name}.as_conv`;
    added.push({ name: wName, dims: [cout * kk, cin, 1, 1], dataType: ONNX_FLOAT, data: weight });
    drop.add(w.name);
    const inputs = [n.inputs[0] ?? '', wName];
    const bias = floatInitializer(model, n.inputs[2]);
    if (bias) {
      const bName = `${bias.name}.as_conv`;
      added.push({
        name: bName,
        dims: [cout * kk],
        dataType: ONNX_FLOAT,
        data: Float32Array.from({ length: cout * kk }, (_, i) => bias.data[Math.floor(i / kk)] ?? 0),
      });
      drop.add(bias.name);
      inputs.push(bName);
    }
    const mid = `${base}/space_to_channels`;
    nodes.push({
      opType: 'Conv',
      name: `${mid}#node`,
      inputs,
      outputs: [mid],
      attributes: { kernel_shape: { kind: 'ints', value: [1, 1] } },
    });
    nodes.push({
      opType: 'DepthToSpace',
      name: `${base}/depth_to_space#node`,
      inputs: [mid],
      outputs: [...n.outputs],
      attributes: { blocksize: { kind: 'int', value: k }, mode: { kind: 'string', value: 'CRD' } },
    });
    rewritten.push(n.name);
  }
  const used = new Set(nodes.flatMap((n) => n.inputs));
  const initializers = [
    ...model.graph.initializers.filter((i) => !drop.has(i.name) || used.has(i.name)),
    ...added,
  ];
  return { model: { ...model, graph: { ...model.graph, nodes, initializers } }, rewritten };
}
