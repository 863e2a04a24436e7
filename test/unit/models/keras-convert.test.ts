import { describe, expect, it } from 'vitest';
import { readKerasH5 } from '../../../electron/core/models/keras/hdf5.js';
import { kerasToOnnx } from '../../../electron/core/models/keras/to-onnx.js';
import { WEIGHTS_6B } from './helpers.js';

describe('Keras HDF5 -> ONNX graph', () => {
  it('reads the Keras config and weights with h5wasm', async () => {
    const h5 = await readKerasH5(WEIGHTS_6B);
    expect(h5.kerasVersion).toBe('2.2.4-tf');
    expect(h5.weights.get('input_conv_1')?.map((w) => [w.name, w.shape])).toEqual([
      ['depthwise_kernel', [3, 3, 6, 1]],
      ['pointwise_kernel', [1, 1, 6, 32]],
      ['bias', [32]],
    ]);
    expect(h5.weights.get('upconv1')?.[0]?.shape).toEqual([2, 2, 64, 128]);
  });

  it('builds the U-Net from the config: op counts, skip order, dynamic NCHW input', async () => {
    const h5 = await readKerasH5(WEIGHTS_6B);
    const { graph, opsetVersion } = kerasToOnnx({ file: WEIGHTS_6B, config: h5.config, weights: h5.weights });
    expect(opsetVersion).toBe(17);
    const count = (op: string): number => graph.nodes.filter((n) => n.opType === op).length;
    // 1 normalisation + 10 separable convs x (depthwise + pointwise) + 1 linear_model
    expect(count('Conv')).toBe(22);
    expect(count('BatchNormalization')).toBe(10);
    expect(count('Relu')).toBe(10);
    expect(count('MaxPool')).toBe(2);
    expect(count('ConvTranspose')).toBe(2);
    expect(count('Sigmoid')).toBe(1);
    expect(graph.nodes.find((n) => n.outputs[0] === 'concatenate_up_2')?.inputs).toEqual([
      'upconv2',
      'input_act_2',
    ]);
    expect(graph.inputs).toEqual([{ name: 'input_1', elemType: 1, shape: ['N', 6, 'H', 'W'] }]);
    expect(graph.outputs[0]?.name).toBe('linear_model');
  });

  it('says which layer it cannot convert', async () => {
    const h5 = await readKerasH5(WEIGHTS_6B);
    const config = JSON.parse(JSON.stringify(h5.config)) as { config: { layers: { class_name: string }[] } };
    const layer = config.config.layers[4];
    if (layer) layer.class_name = 'LeakyReLU';
    expect(() => kerasToOnnx({ file: 'm.hdf5', config, weights: h5.weights })).toThrow(
      /m.hdf5: layer "input_act_1" is a LeakyReLU, which the converter does not support/,
    );
  });

  it('rejects a file that is not HDF5 with a clear message', async () => {
    await expect(readKerasH5(new URL(import.meta.url).pathname)).rejects.toThrow(/not an HDF5 file/);
  });
});
