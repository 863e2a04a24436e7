import * as ort from 'onnxruntime-node';
import { S2Error, throwIfAborted } from '../../errors.js';
import type { ModelCard } from '../card.js';
import type { ModelSession } from '../session.js';

/** Runs the network on a batch of tiles: input [n, c, h, w] -> output [n, k, h, w], float32. */
export interface TileRunner {
  /** Output channels k. */
  channels: number;
  /** How many runs may be in flight at once (default 1: each awaited before the next). */
  concurrency?: number;
  run(
    input: Float32Array,
    shape: readonly [number, number, number, number],
    signal?: AbortSignal,
  ): Promise<Float32Array>;
}

/** A TileRunner over an ONNX Runtime session, using the card's input and output names. */
export function onnxRunner(model: ModelSession, card: ModelCard): TileRunner {
  const inputName = card.input.name ?? model.session.inputNames[0];
  const outputName = card.output.name ?? model.session.outputNames[0];
  if (!inputName || !outputName) {
    throw new S2Error('BAD_MODEL', `${model.file}: the graph has no input or output.`, { file: model.file });
  }
  return {
    channels: card.output.channels,
    async run(input, shape, signal): Promise<Float32Array> {
      throwIfAborted(signal);
      const tensor = new ort.Tensor('float32', input, [...shape]);
      const result = await model.session.run({ [inputName]: tensor });
      const out = result[outputName];
      if (!out || !(out.data instanceof Float32Array)) {
        throw new S2Error('BAD_MODEL', `${model.file}: output '${outputName}' is missing or not float32.`, {
          file: model.file,
        });
      }
      const expected = shape[0] * card.output.channels * shape[2] * shape[3];
      if (out.data.length !== expected) {
        throw new S2Error(
          'BAD_MODEL',
          `${model.file}: output '${outputName}' has ${out.data.length} values for a ${shape.join('x')} input; the card expects ${card.output.channels} channel(s) at the input size.`,
          { file: model.file, details: { dims: out.dims } },
        );
      }
      tensor.dispose();
      return out.data;
    },
  };
}
