import type { InferenceSession } from 'onnxruntime-node';
import { S2Error } from '../errors.js';
import type { ModelCard } from './card.js';

export interface BoundModel {
  inputName: string;
  outputName: string;
}

function pick(
  kind: 'input' | 'output',
  wanted: string | undefined,
  meta: readonly InferenceSession.ValueMetadata[],
  fail: (what: string) => S2Error,
): InferenceSession.TensorValueMetadata {
  const names = meta.map((m) => m.name).join(', ');
  const found =
    wanted === undefined ? (meta.length === 1 ? meta[0] : undefined) : meta.find((m) => m.name === wanted);
  if (!found) {
    throw fail(
      wanted === undefined
        ? `the model has ${meta.length} ${kind}s (${names}); the card must name one in "${kind}.name"`
        : `"${kind}.name" is "${wanted}" but the model's ${kind}s are ${names}`,
    );
  }
  if (!found.isTensor) throw fail(`${kind} "${found.name}" is not a tensor`);
  return found;
}

/**
 * Checks a card against the loaded graph: input and output names, float32 NCHW input with as many
 * channels as the card has bands, and the output channel count. Dynamic (symbolic) dims pass.
 */
export function checkCardAgainstGraph(
  card: ModelCard,
  session: Pick<InferenceSession, 'inputMetadata' | 'outputMetadata'>,
  modelFile: string,
  cardFile: string,
): BoundModel {
  const fail = (what: string): S2Error =>
    new S2Error('BAD_MODEL', `${modelFile} does not match its card ${cardFile}: ${what}.`, {
      file: modelFile,
      details: { card: cardFile },
    });
  const input = pick('input', card.input.name, session.inputMetadata, fail);
  const output = pick('output', card.output.name, session.outputMetadata, fail);
  if (input.type !== 'float32') throw fail(`input "${input.name}" is ${input.type}, not float32`);
  if (input.shape.length !== 4)
    throw fail(`input "${input.name}" has rank ${input.shape.length}, not 4 (NCHW)`);
  const inCh = input.shape[1];
  if (typeof inCh === 'number' && inCh !== card.input.bands.length) {
    throw fail(
      `input "${input.name}" takes ${inCh} channels but the card lists ${card.input.bands.length} bands`,
    );
  }
  const outCh = output.shape[1];
  if (output.shape.length === 4 && typeof outCh === 'number' && outCh !== card.output.channels) {
    throw fail(`output "${output.name}" has ${outCh} channels but the card says ${card.output.channels}`);
  }
  if (output.shape.length !== 4 && output.shape.length !== 0) {
    throw fail(`output "${output.name}" has rank ${output.shape.length}, not 4 (NCHW)`);
  }
  return { inputName: input.name, outputName: output.name };
}
