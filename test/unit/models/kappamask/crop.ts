/**
 * Shared by the KappaMask tests: the real L1C crop scaled as a card says, ONNX Runtime and the
 * numpy reference (reference_kappamask.py) run on it, make_weights.py.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import type { ModelCard } from '../../../../electron/core/models/card.js';
import { createSession } from '../../../../electron/core/models/session.js';
import { decodeCropBand, pythonWithNumpy } from '../helpers.js';

export const PY = pythonWithNumpy();
const HERE = import.meta.dirname;
const CROP = 300; // the real crop is 300 x 300 px at 10 m
export const N = 256; // a multiple of 16 (four 2x2 poolings)
const OFFSET = (CROP - N) / 2;
export const CLASSES = 6; // km_predict: UNDEFINED CLEAR CLOUD_SHADOW SEMI_TRANSPARENT_CLOUD CLOUD MISSING

/**
 * The card's scaling on the real crop: reflectance = DN / 10000 (baseline 02.04, no offset), then
 * (x - mean) / std; 20 m and 60 m bands replicated to 10 m, centre N x N window.
 */
export function cropTensor(card: ModelCard, work: string): Float32Array {
  const { bands, scaling } = card.input;
  const out = new Float32Array(bands.length * N * N);
  bands.forEach((band, c) => {
    const img = decodeCropBand(band, work);
    const factor = CROP / img.width;
    if (!Number.isInteger(factor) || img.height * factor !== CROP)
      throw new Error(`${band}: unexpected size ${img.width}`);
    const mean = scaling.mean?.[c] ?? 0;
    const std = scaling.std?.[c] ?? 1;
    for (let y = 0; y < N; y++) {
      for (let x = 0; x < N; x++) {
        const sy = Math.floor((y + OFFSET) / factor);
        const sx = Math.floor((x + OFFSET) / factor);
        const dn = img.data[sy * img.width + sx] ?? 0;
        out[(c * N + y) * N + x] = (dn / 10000 - mean) / std;
      }
    }
  });
  return out;
}

export async function runOnnx(file: string, input: Float32Array, channels: number): Promise<Float32Array> {
  const { session } = await createSession(file, { providers: ['cpu'], log: () => {} });
  try {
    const feeds = { [session.inputNames[0] ?? '']: new ort.Tensor('float32', input, [1, channels, N, N]) };
    const result = await session.run(feeds);
    return result[session.outputNames[0] ?? '']?.data as Float32Array;
  } finally {
    await session.release();
  }
}

export function runNumpy(
  weights: string,
  input: Float32Array,
  channels: number,
  work: string,
  logits: boolean,
): Float32Array {
  const inFile = join(work, 'in.f32');
  const outFile = join(work, logits ? 'ref-logits.f32' : 'ref-probs.f32');
  writeFileSync(inFile, input);
  const args = [
    join(HERE, 'reference_kappamask.py'),
    weights,
    inFile,
    String(channels),
    String(N),
    String(N),
  ];
  execFileSync(PY as string, [...args, outFile, ...(logits ? ['logits'] : [])]);
  return new Float32Array(readFileSync(outFile).buffer.slice(0));
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return worst;
}

/** Runs make_weights.py (test/unit/models/kappamask) with these arguments. */
export function makeWeights(out: string, ...args: string[]): void {
  execFileSync(PY as string, [join(HERE, 'make_weights.py'), out, ...args]);
}
