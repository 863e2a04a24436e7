/**
 * KappaMask U-Net: a Keras HDF5 file with the real file's layer names, layer classes and wiring
 * (random weights, filters / 8 to stay fast; make_weights.py) converted by our TypeScript
 * converter, checked against an independent numpy forward pass (reference_kappamask.py) on the
 * real 13-band L1C crop, normalised as the card says.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MASK_CLASS } from '../../../../electron/core/models/card.js';
import type { ModelCard } from '../../../../electron/core/models/card.js';
import { checkCardAgainstGraph } from '../../../../electron/core/models/card-check.js';
import { loadCard } from '../../../../electron/core/models/card-load.js';
import { validateCard } from '../../../../electron/core/models/card-validate.js';
import { convertKerasFile } from '../../../../electron/core/models/convert.js';
import { readKerasH5 } from '../../../../electron/core/models/keras/hdf5.js';
import { kerasToOnnx } from '../../../../electron/core/models/keras/to-onnx.js';
import { encodeModel } from '../../../../electron/core/models/onnx/encode.js';
import { createSession } from '../../../../electron/core/models/session.js';
import { CARDS_DIR, canDecodeCrop, tempDir } from '../helpers.js';
import { CLASSES, N, PY, cropTensor, maxAbsDiff, runNumpy, runOnnx } from './crop.js';

const HERE = import.meta.dirname;

/** Same conversion with the softmax of the last layer removed. */
async function writeLogitsModel(weights: string, out: string): Promise<void> {
  const h5 = await readKerasH5(weights);
  const config = JSON.parse(JSON.stringify(h5.config)) as {
    config: { layers: { name: string; config: Record<string, unknown> }[] };
  };
  const last = config.config.layers.at(-1);
  if (last?.config.activation !== 'softmax') throw new Error('last layer is not the softmax');
  last.config.activation = 'linear';
  writeFileSync(out, encodeModel(kerasToOnnx({ file: weights, config, weights: h5.weights })));
}

describe('KappaMask cards', () => {
  it('map the six km_predict channels onto the schema and say they are untested', async () => {
    for (const id of ['kappamask-l1c', 'kappamask-l2a']) {
      const card = await loadCard(join(CARDS_DIR, id, 'model.json'));
      expect(card.output).toMatchObject({ kind: 'softmax', channels: CLASSES });
      const { noData, clear, cloudShadow, semiTransparentCloud, cloud } = MASK_CLASS;
      expect(card.output.classes).toEqual([noData, clear, cloudShadow, semiTransparentCloud, cloud, noData]);
      expect(card.input.bands).toHaveLength(13);
      expect(card.tiling).toMatchObject({ size: 512, multiple: 16 });
      expect(card.file.origin).toBe('built');
      expect(card.file.sha256).toBeNull();
      expect(card.notes.join(' ')).toContain('untested with the real KappaMask weights');
    }
  });
});

describe('card rules the KappaMask cards rely on', () => {
  const l2a = (): Record<string, unknown> =>
    JSON.parse(readFileSync(join(CARDS_DIR, 'kappamask-l2a', 'model.json'), 'utf8')) as Record<
      string,
      unknown
    >;

  it('accepts AOT/WVP only on L2A-only cards', () => {
    const card = l2a();
    (card.input as Record<string, unknown>).levels = ['L1C', 'L2A'];
    expect(() => validateCard(card, 'k.json')).toThrow(/lists AOT, WVP, which only L2A products have/);
  });

  it('lets a built model go unpinned only when its weights are unpinned too', () => {
    const card = l2a();
    const file = card.file as { weights: Record<string, unknown> };
    file.weights.sha256 = 'a'.repeat(64);
    expect(() => validateCard(card, 'k.json')).toThrow(/field "file.sha256" is required for origin "built"/);
  });
});

describe.skipIf(PY === null || !canDecodeCrop())(
  'KappaMask U-Net (generated weights) ONNX vs numpy reference on the real L1C crop',
  () => {
    const work = tempDir('kappamask');
    const weights = join(work, 'kappamask-l1c-w8.hdf5');
    let card: ModelCard;
    let input: Float32Array;
    let probs: Float32Array;
    let logits: Float32Array;
    let refProbs: Float32Array;
    let refLogits: Float32Array;

    beforeAll(async () => {
      const cardFile = join(CARDS_DIR, 'kappamask-l1c', 'model.json');
      card = await loadCard(cardFile);
      const C = card.input.bands.length;
      execFileSync(PY as string, [
        join(HERE, 'make_weights.py'),
        weights,
        '--channels',
        String(C),
        '--classes',
        String(CLASSES),
        '--width-scale',
        '8',
        '--seed',
        '7',
        '--logit-gain',
        '40',
      ]);
      input = cropTensor(card, work);
      const onnx = join(work, 'kappamask-l1c.onnx');
      await convertKerasFile(weights, onnx, { graphName: card.id });
      const { session } = await createSession(onnx, { providers: ['cpu'], log: () => {} });
      checkCardAgainstGraph(card, session, onnx, cardFile);
      await session.release();
      probs = await runOnnx(onnx, input, C);
      await writeLogitsModel(weights, join(work, 'logits.onnx'));
      logits = await runOnnx(join(work, 'logits.onnx'), input, C);
      refProbs = runNumpy(weights, input, C, work, false);
      refLogits = runNumpy(weights, input, C, work, true);
    }, 60_000);

    it('builds the graph KappaMask has: 24 convs, 4 pools, 4 upsamplings, 4 concats, 1 softmax', async () => {
      const h5 = await readKerasH5(weights);
      expect(h5.weights.get('conv2d_10')?.[0]?.shape).toEqual([2, 2, 128, 64]);
      const { graph } = kerasToOnnx({ file: weights, config: h5.config, weights: h5.weights });
      const count = (op: string): number => graph.nodes.filter((n) => n.opType === op).length;
      expect([count('Conv'), count('MaxPool'), count('Resize'), count('Concat'), count('Softmax')]).toEqual([
        24, 4, 4, 4, 1,
      ]);
      // Keras pads an even kernel bottom/right only: the 2x2 convolutions get pads [0, 0, 1, 1].
      const up = graph.nodes.find((n) => n.outputs[0] === 'conv2d_10/Conv');
      expect(up?.attributes?.pads).toEqual({ kind: 'ints', value: [0, 0, 1, 1] });
      expect(graph.nodes.find((n) => n.outputs[0] === 'concatenate')?.inputs).toEqual([
        'dropout',
        'conv2d_10',
      ]);
      expect(graph.inputs).toEqual([{ name: 'input', elemType: 1, shape: ['N', 13, 'H', 'W'] }]);
    });

    it('converts a weights-only file (save_weights, as upstream checkpoints) given the config', async () => {
      const weightsOnly = join(work, 'kappamask-l1c-w8-weights-only.hdf5');
      execFileSync(PY as string, [
        join(HERE, 'make_weights.py'),
        weightsOnly,
        ...['--width-scale', '8', '--seed', '7', '--logit-gain', '40', '--weights-only'],
      ]);
      const [full, bare] = await Promise.all([readKerasH5(weights), readKerasH5(weightsOnly)]);
      expect(bare.config).toBeUndefined();
      expect(() => kerasToOnnx({ file: weightsOnly, config: bare.config, weights: bare.weights })).toThrow(
        /model_config/,
      );
      const a = encodeModel(kerasToOnnx({ file: weights, config: full.config, weights: full.weights }));
      const b = encodeModel(kerasToOnnx({ file: weightsOnly, config: full.config, weights: bare.weights }));
      expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
    });

    it('softmax outputs: max abs difference < 1e-4 over the 256 x 256 crop, all 6 channels', () => {
      const diff = maxAbsDiff(probs, refProbs);
      // Not a trivial agreement: the winning class changes across the crop.
      const winners = new Set<number>();
      for (let p = 0; p < N * N; p++) {
        let best = 0;
        for (let k = 1; k < CLASSES; k++)
          if ((probs[k * N * N + p] ?? 0) > (probs[best * N * N + p] ?? 0)) best = k;
        winners.add(best);
      }
      console.info(
        `kappamask-l1c (generated weights, filters/8): max |onnx - numpy| softmax ${diff.toExponential(2)}; ${winners.size} distinct argmax channels`,
      );
      expect(diff).toBeLessThan(1e-4);
      expect(winners.size).toBeGreaterThan(1);
    });

    it('pre-softmax values agree to 1e-4 relative to max(1, |value|)', () => {
      let worst = 0;
      let range = 0;
      for (let i = 0; i < refLogits.length; i++) {
        const r = refLogits[i] ?? 0;
        worst = Math.max(worst, Math.abs(r - (logits[i] ?? 0)) / Math.max(1, Math.abs(r)));
        range = Math.max(range, Math.abs(r));
      }
      console.info(
        `kappamask-l1c: pre-softmax max relative difference ${worst.toExponential(2)} (|values| up to ${range.toFixed(2)}), max abs ${maxAbsDiff(logits, refLogits).toExponential(2)}`,
      );
      expect(worst).toBeLessThan(1e-4);
      expect(range).toBeGreaterThan(0.1);
    });
  },
);
