import { S2Error } from '../../errors.js';
import type { AttributeValue } from '../onnx/types.js';
import type { KerasLayer } from './config.js';
import type { KerasWeight } from './hdf5.js';
import { convKernelToOnnx, depthwiseKernelToOnnx, transposedKernelToOnnx } from './tensor.js';

/** What a layer converter may do: add nodes and constants, read its weights. Implemented in to-onnx.ts. */
export interface LayerContext {
  readonly file: string;
  /** Adds a node; `output` defaults to a fresh name. Returns the output tensor's name. */
  node(
    opType: string,
    inputs: readonly string[],
    attributes?: Record<string, AttributeValue>,
    output?: string,
  ): string;
  /** Adds a float32 constant and returns its name. */
  constant(name: string, dims: readonly number[], data: Float32Array): string;
  /** The layer's weight with this short name (`kernel`, `bias`, `gamma`...), or undefined. */
  weight(layer: KerasLayer, name: string): KerasWeight | undefined;
}

/** Emits the ONNX nodes of one Keras layer. The last node must output a tensor named `layer.name`. */
export type LayerConverter = (layer: KerasLayer, inputs: readonly string[], ctx: LayerContext) => void;

const ints = (value: readonly number[]): AttributeValue => ({ kind: 'ints', value });
const str = (value: string): AttributeValue => ({ kind: 'string', value });

function fail(ctx: LayerContext, layer: KerasLayer, what: string): S2Error {
  return new S2Error('BAD_MODEL', `${ctx.file}: layer "${layer.name}" (${layer.className}): ${what}`, {
    file: ctx.file,
  });
}

function pair(layer: KerasLayer, key: string, fallback: number): [number, number] {
  const v = layer.config[key];
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'number') return [v[0], v[1]];
  return [fallback, fallback];
}

function requireWeight(ctx: LayerContext, layer: KerasLayer, name: string): KerasWeight {
  const w = ctx.weight(layer, name);
  if (!w) throw fail(ctx, layer, `weight "${name}" is missing from the file.`);
  return w;
}

function checkChannelsLast(ctx: LayerContext, layer: KerasLayer): void {
  const df = layer.config.data_format;
  if (df !== undefined && df !== 'channels_last')
    throw fail(ctx, layer, `data_format ${String(df)} is not supported.`);
  const [dh, dw] = pair(layer, 'dilation_rate', 1);
  if (dh !== 1 || dw !== 1) throw fail(ctx, layer, 'dilated convolutions are not supported.');
}

/**
 * Keras 'same' padding. For stride 1, TensorFlow pads floor((k-1)/2) before and the rest after
 * (a 2x2 kernel pads bottom/right only), written as explicit pads; for larger strides the amount
 * depends on the input size, which ONNX's SAME_UPPER computes the same way.
 */
function paddingAttrs(
  ctx: LayerContext,
  layer: KerasLayer,
  kernel: [number, number],
  strides: [number, number],
): Record<string, AttributeValue> {
  const padding = layer.config.padding ?? 'valid';
  if (padding === 'valid') return {};
  if (padding !== 'same') throw fail(ctx, layer, `padding "${String(padding)}" is not supported.`);
  if (strides[0] !== 1 || strides[1] !== 1) return { auto_pad: str('SAME_UPPER') };
  const [kh, kw] = kernel;
  const top = Math.floor((kh - 1) / 2);
  const left = Math.floor((kw - 1) / 2);
  return { pads: ints([top, left, kh - 1 - top, kw - 1 - left]) };
}

/** The layer's fused `activation` as a node producing `output`, or an Identity when linear. */
function activation(
  ctx: LayerContext,
  layer: KerasLayer,
  name: unknown,
  input: string,
  output: string,
): void {
  switch (name ?? 'linear') {
    case 'linear':
      ctx.node('Identity', [input], {}, output);
      return;
    case 'relu':
      ctx.node('Relu', [input], {}, output);
      return;
    case 'sigmoid':
      ctx.node('Sigmoid', [input], {}, output);
      return;
    case 'tanh':
      ctx.node('Tanh', [input], {}, output);
      return;
    case 'softmax':
      // Keras softmax is over the last (channel) axis, which is axis 1 in NCHW.
      ctx.node('Softmax', [input], { axis: { kind: 'int', value: 1 } }, output);
      return;
    default:
      throw fail(ctx, layer, `activation "${String(name)}" is not supported.`);
  }
}

/** A node followed by the layer's fused activation; the last of them outputs `layer.name`. */
function withActivation(
  ctx: LayerContext,
  layer: KerasLayer,
  opType: string,
  inputs: readonly string[],
  attributes: Record<string, AttributeValue>,
): void {
  const act = layer.config.activation ?? 'linear';
  if (act === 'linear') {
    ctx.node(opType, inputs, attributes, layer.name);
    return;
  }
  activation(ctx, layer, act, ctx.node(opType, inputs, attributes), layer.name);
}

function only(ctx: LayerContext, layer: KerasLayer, inputs: readonly string[]): string {
  const [x] = inputs;
  if (x === undefined || inputs.length !== 1)
    throw fail(ctx, layer, `expects one input, got ${inputs.length}.`);
  return x;
}

function bias(ctx: LayerContext, layer: KerasLayer): string[] {
  if (layer.config.use_bias === false) return [];
  const b = requireWeight(ctx, layer, 'bias');
  return [ctx.constant(`${layer.name}.bias`, b.shape, b.data)];
}

const conv2d: LayerConverter = (layer, inputs, ctx) => {
  checkChannelsLast(ctx, layer);
  const x = only(ctx, layer, inputs);
  const k = requireWeight(ctx, layer, 'kernel');
  const w = convKernelToOnnx(k.data, k.shape);
  const kernel = pair(layer, 'kernel_size', 1);
  const strides = pair(layer, 'strides', 1);
  withActivation(
    ctx,
    layer,
    'Conv',
    [x, ctx.constant(`${layer.name}.weight`, w.shape, w.data), ...bias(ctx, layer)],
    {
      kernel_shape: ints(kernel),
      strides: ints(strides),
      ...paddingAttrs(ctx, layer, kernel, strides),
    },
  );
};

/** SeparableConv2D = depthwise conv (group = input channels, no bias) then a 1x1 pointwise conv with the bias. */
const separableConv2d: LayerConverter = (layer, inputs, ctx) => {
  checkChannelsLast(ctx, layer);
  const x = only(ctx, layer, inputs);
  const dk = requireWeight(ctx, layer, 'depthwise_kernel');
  const pk = requireWeight(ctx, layer, 'pointwise_kernel');
  const dw = depthwiseKernelToOnnx(dk.data, dk.shape);
  const pw = convKernelToOnnx(pk.data, pk.shape);
  const kernel = pair(layer, 'kernel_size', 1);
  const strides = pair(layer, 'strides', 1);
  const depthwise = ctx.node('Conv', [x, ctx.constant(`${layer.name}.depthwise`, dw.shape, dw.data)], {
    group: { kind: 'int', value: dk.shape[2] ?? 1 },
    kernel_shape: ints(kernel),
    strides: ints(strides),
    ...paddingAttrs(ctx, layer, kernel, strides),
  });
  withActivation(
    ctx,
    layer,
    'Conv',
    [depthwise, ctx.constant(`${layer.name}.pointwise`, pw.shape, pw.data), ...bias(ctx, layer)],
    { kernel_shape: ints([1, 1]) },
  );
};

const conv2dTranspose: LayerConverter = (layer, inputs, ctx) => {
  checkChannelsLast(ctx, layer);
  const x = only(ctx, layer, inputs);
  const k = requireWeight(ctx, layer, 'kernel');
  const w = transposedKernelToOnnx(k.data, k.shape);
  const [kh, kw] = pair(layer, 'kernel_size', 1);
  const [sh, sw] = pair(layer, 'strides', 1);
  if (layer.config.output_padding != null) throw fail(ctx, layer, 'output_padding is not supported.');
  // Keras output size: in*s + max(k-s, 0) ('valid') or in*s ('same'). ONNX gives (in-1)*s + k - pads
  // + output_padding, so 'same' crops the max(k-s, 0) extra rows as TensorFlow does (floor before).
  const same = (layer.config.padding ?? 'valid') === 'same';
  const extraH = Math.max(kh - sh, 0);
  const extraW = Math.max(kw - sw, 0);
  const top = same ? Math.floor(extraH / 2) : 0;
  const left = same ? Math.floor(extraW / 2) : 0;
  const attrs: Record<string, AttributeValue> = {
    kernel_shape: ints([kh, kw]),
    strides: ints([sh, sw]),
    pads: ints(same ? [top, left, extraH - top, extraW - left] : [0, 0, 0, 0]),
  };
  if (kh < sh || kw < sw) attrs.output_padding = ints([Math.max(sh - kh, 0), Math.max(sw - kw, 0)]);
  withActivation(
    ctx,
    layer,
    'ConvTranspose',
    [x, ctx.constant(`${layer.name}.weight`, w.shape, w.data), ...bias(ctx, layer)],
    attrs,
  );
};

/** Kept as a BatchNormalization node (ONNX Runtime folds it into the preceding conv when it loads the model). */
const batchNormalization: LayerConverter = (layer, inputs, ctx) => {
  const x = only(ctx, layer, inputs);
  const axis = Array.isArray(layer.config.axis) ? layer.config.axis[0] : layer.config.axis;
  if (axis !== undefined && axis !== -1 && axis !== 3)
    throw fail(ctx, layer, `axis ${String(axis)} is not the channel axis.`);
  const mean = requireWeight(ctx, layer, 'moving_mean');
  const variance = requireWeight(ctx, layer, 'moving_variance');
  const n = mean.data.length;
  const gamma = ctx.weight(layer, 'gamma')?.data ?? new Float32Array(n).fill(1);
  const beta = ctx.weight(layer, 'beta')?.data ?? new Float32Array(n);
  const eps = typeof layer.config.epsilon === 'number' ? layer.config.epsilon : 1e-3;
  ctx.node(
    'BatchNormalization',
    [
      x,
      ctx.constant(`${layer.name}.gamma`, [n], gamma),
      ctx.constant(`${layer.name}.beta`, [n], beta),
      ctx.constant(`${layer.name}.mean`, [n], mean.data),
      ctx.constant(`${layer.name}.variance`, [n], variance.data),
    ],
    { epsilon: { kind: 'float', value: eps } },
    layer.name,
  );
};

const maxPooling2d: LayerConverter = (layer, inputs, ctx) => {
  checkChannelsLast(ctx, layer);
  const x = only(ctx, layer, inputs);
  const kernel = pair(layer, 'pool_size', 2);
  const strides = layer.config.strides == null ? kernel : pair(layer, 'strides', 1);
  const same = layer.config.padding === 'same';
  ctx.node(
    'MaxPool',
    [x],
    { kernel_shape: ints(kernel), strides: ints(strides), ...(same ? { auto_pad: str('SAME_UPPER') } : {}) },
    layer.name,
  );
};

const upSampling2d: LayerConverter = (layer, inputs, ctx) => {
  checkChannelsLast(ctx, layer);
  const x = only(ctx, layer, inputs);
  if ((layer.config.interpolation ?? 'nearest') !== 'nearest') {
    throw fail(ctx, layer, `interpolation "${String(layer.config.interpolation)}" is not supported.`);
  }
  const [fh, fw] = pair(layer, 'size', 2);
  const scales = ctx.constant(`${layer.name}.scales`, [4], Float32Array.from([1, 1, fh, fw]));
  // Integer nearest upsampling = pixel replication: asymmetric coordinates with floor.
  ctx.node(
    'Resize',
    [x, '', scales],
    { mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor') },
    layer.name,
  );
};

const concatenate: LayerConverter = (layer, inputs, ctx) => {
  const axis = typeof layer.config.axis === 'number' ? layer.config.axis : -1;
  // NHWC axis -> NCHW axis (rank-4 tensors).
  const onnxAxis = [0, 2, 3, 1][axis < 0 ? axis + 4 : axis];
  if (onnxAxis === undefined) throw fail(ctx, layer, `axis ${axis} is out of range.`);
  ctx.node('Concat', inputs, { axis: { kind: 'int', value: onnxAxis } }, layer.name);
};

const activationLayer: LayerConverter = (layer, inputs, ctx) =>
  activation(ctx, layer, layer.config.activation, only(ctx, layer, inputs), layer.name);

const reluLayer: LayerConverter = (layer, inputs, ctx) => {
  const { max_value: maxValue, negative_slope: slope, threshold } = layer.config;
  if (maxValue != null || (slope ?? 0) !== 0 || (threshold ?? 0) !== 0) {
    throw fail(ctx, layer, 'only plain ReLU (no max_value, slope or threshold) is supported.');
  }
  ctx.node('Relu', [only(ctx, layer, inputs)], {}, layer.name);
};

const softmaxLayer: LayerConverter = (layer, inputs, ctx) => {
  const axis = layer.config.axis ?? -1;
  if (axis !== -1 && axis !== 3)
    throw fail(ctx, layer, `softmax over axis ${String(axis)} is not supported.`);
  activation(ctx, layer, 'softmax', only(ctx, layer, inputs), layer.name);
};

/** Inference-time no-ops (dropout and noise layers are identities outside training). */
const identity: LayerConverter = (layer, inputs, ctx) => {
  ctx.node('Identity', [only(ctx, layer, inputs)], {}, layer.name);
};

/** The Keras layer classes this converter understands, by class_name. */
export const LAYER_CONVERTERS: Readonly<Record<string, LayerConverter>> = {
  Conv2D: conv2d,
  SeparableConv2D: separableConv2d,
  Conv2DTranspose: conv2dTranspose,
  BatchNormalization: batchNormalization,
  MaxPooling2D: maxPooling2d,
  UpSampling2D: upSampling2d,
  Concatenate: concatenate,
  Activation: activationLayer,
  ReLU: reluLayer,
  Softmax: softmaxLayer,
  Dropout: identity,
  SpatialDropout2D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
};
