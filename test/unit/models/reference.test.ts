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

function runNumpy(
  weights: string,
  input: Float32Array,
  channels: number,
  n: number,
  work: string,
  logits: boolean,
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
  execFileSync(PY as string, logits ? [...args, 'logits'] : args);
  return new Float32Array(readFileSync(outFile).buffer.slice(0));
}

describe.skipIf(PY === null || !canDecodeCrop())(
  'DL-L8S2-UV ONNX vs numpy reference on the real L1C crop',
  () => {
    const work = tempDir('ref');
    beforeAll(async () => {
      await convertKerasFile(WEIGHTS_6B, join(work, '6b.onnx'));
      await convertKerasFile(WEIGHTS_4B, join(work, '4b.onnx'));
    });

    for (const [id, weights, onnx] of [
      ['dl-l8s2-uv-6b', WEIGHTS_6B, '6b.onnx'],
      ['dl-l8s2-uv-4b', WEIGHTS_4B, '4b.onnx'],
    ] as const) {
      it(`${id}: max abs difference < 1e-4 over the whole 304 x 304 padded crop`, async () => {
        const cardFile = join(CARDS_DIR, id, 'model.json');
        const card = await loadCard(cardFile);
        const bands = card.input.bands;
        const n = SIZE + 2 * PAD;
        const input = cropTensor(work, bands);

        const { session } = await createSession(join(work, onnx), { providers: ['cpu'], log: () => {} });
        checkCardAgainstGraph(card, session, onnx, cardFile);
        await session.release();
        const ours = await runOnnx(join(work, onnx), input, bands.length, n);
        const ref = runNumpy(weights, input, bands.length, n, work, false);
        expect(ref.length).toBe(ours.length);

        let maxDiff = 0;
        let cloudy = 0;
        for (let i = 0; i < ref.length; i++)
          maxDiff = Math.max(maxDiff, Math.abs((ref[i] ?? 0) - (ours[i] ?? 0)));
        for (let y = PAD; y < PAD + SIZE; y++) {
          for (let x = PAD; x < PAD + SIZE; x++) if ((ours[y * n + x] ?? 0) > card.output.threshold) cloudy++;
        }
        console.info(
          `${id}: max |onnx - numpy| = ${maxDiff.toExponential(2)}; cloud (p > ${card.output.threshold}) ${((100 * cloudy) / (SIZE * SIZE)).toFixed(2)} % of the 300 x 300 crop`,
        );
        expect(maxDiff).toBeLessThan(1e-4);
        // The crop is mostly clear, yet not a constant map (so agreement is not trivial).
        expect(Math.max(...ours) - Math.min(...ours)).toBeGreaterThan(0.1);
      });

      it(`${id}: pre-sigmoid values agree to 1e-4 (relative to max(1, |value|))`, async () => {
        const card = await loadCard(join(CARDS_DIR, id, 'model.json'));
        const n = SIZE + 2 * PAD;
        const input = cropTensor(work, card.input.bands);
        const file = join(work, `${id}.logits.onnx`);
        await writeLogitsModel(weights, file);
        const ours = await runOnnx(file, input, card.input.bands.length, n);
        const ref = runNumpy(weights, input, card.input.bands.length, n, work, true);
        let worst = 0;
        let range = 0;
        for (let i = 0; i < ref.length; i++) {
          const r = ref[i] ?? 0;
          worst = Math.max(worst, Math.abs(r - (ours[i] ?? 0)) / Math.max(1, Math.abs(r)));
          range = Math.max(range, Math.abs(r));
        }
        console.info(
          `${id}: pre-sigmoid max relative difference ${worst.toExponential(2)} (values up to ${range.toFixed(1)})`,
        );
        expect(worst).toBeLessThan(1e-4);
      });
    }
  },
);
