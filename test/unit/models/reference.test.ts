/**
 * The converted DL-L8S2-UV models against an independent numpy implementation of the same
 * network (reference_dll8s2uv.py, reading the HDF5 with h5py), on the real L1C crop.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCard } from '../../../electron/core/models/card-load.js';
import { checkCardAgainstGraph } from '../../../electron/core/models/card-check.js';
import { convertKerasFile } from '../../../electron/core/models/convert.js';
import { readKerasH5 } from '../../../electron/core/models/keras/hdf5.js';
import { kerasToOnnx } from '../../../electron/core/models/keras/to-onnx.js';
import { encodeModel } from '../../../electron/core/models/onnx/encode.js';
import { createSession } from '../../../electron/core/models/session.js';
import {
  CARDS_DIR,
  WEIGHTS_4B,
  WEIGHTS_6B,
  canDecodeCrop,
  decodeCropBand,
  pythonWithNumpy,
  tempDir,
} from './helpers.js';

const PY = pythonWithNumpy();
const SIZE = 300;
const PAD = 2; // 300 -> 304, a multiple of 8 as upstream pads

/** Reflect padding without repeating the edge (numpy's 'reflect', as upstream uses). */
function reflectPad(src: Float32Array, channels: number, size: number, pad: number): Float32Array {
  const n = size + 2 * pad;
  const out = new Float32Array(channels * n * n);
  const reflect = (i: number): number => (i < 0 ? -i : i >= size ? 2 * size - 2 - i : i);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        out[(c * n + y) * n + x] = src[(c * size + reflect(y - pad)) * size + reflect(x - pad)] ?? 0;
      }
    }
  }
  return out;
}

/** B02 B03 B04 B08 (10 m) + B11 B12 (20 m, replicated 2x2): reflectance = DN / 10000 (baseline 02.04, no offset). */
function cropTensor(work: string, bands: readonly string[]): Float32Array {
  const out = new Float32Array(bands.length * SIZE * SIZE);
  bands.forEach((band, c) => {
    const img = decodeCropBand(band, work);
    const factor = SIZE / img.width;
    if (!Number.isInteger(factor) || img.height * factor !== SIZE)
      throw new Error(`${band}: unexpected size ${img.width}`);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const dn = img.data[Math.floor(y / factor) * img.width + Math.floor(x / factor)] ?? 0;
        out[(c * SIZE + y) * SIZE + x] = dn / 10000;
      }
    }
  });
  return reflectPad(out, bands.length, SIZE, PAD);
}

/** The same conversion with the final sigmoid removed: compares the network where it is not saturated. */
async function writeLogitsModel(weights: string, out: string): Promise<void> {
  const h5 = await readKerasH5(weights);
  const config = JSON.parse(JSON.stringify(h5.config)) as {
    config: { layers: { name: string; config: Record<string, unknown> }[] };
  };
  const last = config.config.layers.find((l) => l.name === 'linear_model');
  if (!last) throw new Error('no linear_model layer');
  last.config.activation = 'linear';
  writeFileSync(out, encodeModel(kerasToOnnx({ file: weights, config, weights: h5.weights })));
}

async function runOnnx(
  file: string,
  input: Float32Array,
  channels: number,
  n: number,
): Promise<Float32Array> {
  const { session } = await createSession(file, { providers: ['cpu'], log: () => {} });
  try {
    const result = await session.run({
      [session.inputNames[0] ?? '']: new ort.Tensor('float32', input, [1, channels, n, n]),
    });
    return result[session.outputNames[0] ?? '']?.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** The numpy reference's pre-sigmoid output (the sigmoid itself is not what is being checked). */
function runNumpy(
  weights: string,
  input: Float32Array,
  channels: number,
  n: number,
  work: string,
): Float32Array {
  const inFile = join(work, 'in.f32');
  const outFile = join(work, 'ref.f32');
  writeFileSync(inFile, input);
  const args = [
    join(import.meta.dirname, 'reference_dll8s2uv.py'),
    weights,
    inFile,
    String(channels),
    String(n),
    String(n),
    outFile,
  ];
  execFileSync(PY as string, [...args, 'logits']);
  return new Float32Array(readFileSync(outFile).buffer.slice(0));
}

describe.skipIf(PY === null || !canDecodeCrop())(
  'DL-L8S2-UV ONNX vs numpy reference on the real L1C crop',
  () => {
    const work = tempDir('ref');
    const n = SIZE + 2 * PAD;
    let crop6: Float32Array; // B02 B03 B04 B08 B11 B12; the 4-band model takes the first four
    beforeAll(() => {
      crop6 = cropTensor(work, ['B02', 'B03', 'B04', 'B08', 'B11', 'B12']);
    });

    for (const [id, weights] of [
      ['dl-l8s2-uv-6b', WEIGHTS_6B],
      ['dl-l8s2-uv-4b', WEIGHTS_4B],
    ] as const) {
      describe(id, () => {
        let probs: Float32Array; // ONNX, as converted
        let logits: Float32Array; // ONNX, sigmoid removed
        let refLogits: Float32Array; // numpy
        let threshold = 0.5;
        beforeAll(async () => {
          const cardFile = join(CARDS_DIR, id, 'model.json');
          const card = await loadCard(cardFile);
          if (card.output.kind === 'sigmoid') threshold = card.output.threshold;
          const c = card.input.bands.length;
          expect(card.input.bands).toEqual(['B02', 'B03', 'B04', 'B08', 'B11', 'B12'].slice(0, c));
          const input = crop6.subarray(0, c * n * n);
          const onnx = join(work, `${id}.onnx`);
          await convertKerasFile(weights, onnx);
          const { session } = await createSession(onnx, { providers: ['cpu'], log: () => {} });
          checkCardAgainstGraph(card, session, onnx, cardFile);
          await session.release();
          probs = await runOnnx(onnx, input, c, n);
          await writeLogitsModel(weights, join(work, `${id}.logits.onnx`));
          logits = await runOnnx(join(work, `${id}.logits.onnx`), input, c, n);
          refLogits = runNumpy(weights, input, c, n, work);
        });

        it('cloud probability: max abs difference < 1e-4 over the whole 304 x 304 padded crop', () => {
          let maxDiff = 0;
          let cloudy = 0;
          for (let i = 0; i < probs.length; i++) {
            const ref = 1 / (1 + Math.exp(-(refLogits[i] ?? 0)));
            maxDiff = Math.max(maxDiff, Math.abs(ref - (probs[i] ?? 0)));
          }
          for (let y = PAD; y < PAD + SIZE; y++) {
            for (let x = PAD; x < PAD + SIZE; x++) if ((probs[y * n + x] ?? 0) > threshold) cloudy++;
          }
          console.info(
            `${id}: max |onnx - numpy| probability ${maxDiff.toExponential(2)}; cloud (p > ${threshold}) ${((100 * cloudy) / (SIZE * SIZE)).toFixed(2)} % of the 300 x 300 crop`,
          );
          expect(maxDiff).toBeLessThan(1e-4);
          // The crop is mostly clear, yet the map is not constant (so agreement is not trivial).
          expect(Math.max(...probs) - Math.min(...probs)).toBeGreaterThan(0.1);
        });

        it('pre-sigmoid values agree to 1e-4 relative to max(1, |value|)', () => {
          let worst = 0;
          let range = 0;
          for (let i = 0; i < refLogits.length; i++) {
            const r = refLogits[i] ?? 0;
            worst = Math.max(worst, Math.abs(r - (logits[i] ?? 0)) / Math.max(1, Math.abs(r)));
            range = Math.max(range, Math.abs(r));
          }
          console.info(
            `${id}: pre-sigmoid max relative difference ${worst.toExponential(2)} (|values| up to ${range.toFixed(1)})`,
          );
          expect(worst).toBeLessThan(1e-4);
        });
      });
    }
  },
);
