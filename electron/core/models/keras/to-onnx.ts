import { S2Error } from '../../errors.js';
import type { AttributeValue, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from '../onnx/types.js';
import { ONNX_FLOAT } from '../onnx/types.js';
import { parseKerasModelConfig } from './config.js';
import type { KerasLayer } from './config.js';
import type { KerasWeight } from './hdf5.js';
import { LAYER_CONVERTERS } from './layers.js';
import type { LayerContext } from './layers.js';

/** Opset 17 (IR version 8): every op used here is stable there, and ONNX Runtime >= 1.13 runs it. */
export const OPSET_VERSION = 17;
const IR_VERSION = 8;

export interface KerasSource {
  /** Shown in error messages (the HDF5 path). */
  file: string;
  /** Keras `model_config` JSON (from the file, or supplied for weights-only files). */
  config: unknown;
  weights: ReadonlyMap<string, readonly KerasWeight[]>;
}

export interface ConvertOptions {
  graphName?: string;
  docString?: string;
  /** Written into the model's metadata_props (source file hash, upstream, licence...). */
  metadata?: Record<string, string>;
}

/** Dynamic batch, height and width; channels fixed by the Keras input shape. */
function inputInfo(file: string, layer: KerasLayer): OnnxValueInfo {
  const shape = layer.config.batch_input_shape;
  const channels = Array.isArray(shape) ? shape[3] : undefined;
  if (!Array.isArray(shape) || shape.length !== 4 || typeof channels !== 'number') {
    throw new S2Error(
      'BAD_MODEL',
      `${file}: input "${layer.name}" is not a 4-D (batch, height, width, channels) image input.`,
      { file },
    );
  }
  return { name: layer.name, elemType: ONNX_FLOAT, shape: ['N', channels, 'H', 'W'] };
}

/**
 * Converts a Keras 2.x channels-last image model into an ONNX graph that takes NCHW float32
 * input directly (weights are transposed, not the activations). Layers are converted in the
 * order of the config, which Keras writes topologically; each layer's output tensor keeps its
 * Keras name, so graph inputs and outputs are named after the Keras input and output layers.
 */
export function kerasToOnnx(source: KerasSource, options: ConvertOptions = {}): OnnxModel {
  const { file } = source;
  const config = parseKerasModelConfig(file, source.config);
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const used = new Set<string>();
  const unique = (base: string): string => {
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
  let current = '';

  const ctx: LayerContext = {
    file,
    node(opType, inputs, attributes: Record<string, AttributeValue> = {}, output?: string): string {
      const out = output ?? unique(`${current}/${opType}`);
      if (output !== undefined) used.add(output);
      nodes.push({ opType, name: unique(`${out}#node`), inputs: [...inputs], outputs: [out], attributes });
      return out;
    },
    constant(name, dims, data): string {
      const n = unique(name);
      initializers.push({ name: n, dims: [...dims], dataType: ONNX_FLOAT, data });
      return n;
    },
    weight(layer, name): KerasWeight | undefined {
      return source.weights.get(layer.name)?.find((w) => w.name === name);
    },
  };

  const inputs: OnnxValueInfo[] = [];
  const known = new Set<string>();
  for (const layer of config.layers) {
    current = layer.name;
    used.add(layer.name);
    if (layer.className === 'InputLayer') {
      inputs.push(inputInfo(file, layer));
    } else {
      const convert = LAYER_CONVERTERS[layer.className];
      if (!convert) {
        throw new S2Error(
          'BAD_MODEL',
          `${file}: layer "${layer.name}" is a ${layer.className}, which the converter does not support.`,
          { file },
        );
      }
      const missing = layer.inbound.find((name) => !known.has(name));
      if (missing !== undefined) {
        throw new S2Error(
          'BAD_MODEL',
          `${file}: layer "${layer.name}" uses "${missing}" before it is defined.`,
          {
            file,
          },
        );
      }
      convert(layer, layer.inbound, ctx);
    }
    known.add(layer.name);
  }

  // Output channel counts come from the last weight of the output layer when it has one.
  const outputs: OnnxValueInfo[] = config.outputs.map((name) => {
    const layer = config.layers.find((l) => l.name === name);
    const filters = layer?.config.filters;
    return {
      name,
      elemType: ONNX_FLOAT,
      shape: ['N', typeof filters === 'number' ? filters : 'C', 'H', 'W'],
    };
  });

  return {
    irVersion: IR_VERSION,
    opsetVersion: OPSET_VERSION,
    producerName: 's2-cloud-studio keras-to-onnx',
    producerVersion: '1',
    docString: options.docString,
    metadata: options.metadata,
    graph: { name: options.graphName ?? 'keras', nodes, initializers, inputs, outputs },
  };
}
