/**
 * Potential shadow (Fmask, Zhu & Woodcock 2012 sec. 3.2; Zhu, Wang & Woodcock 2015): fill the
 * dark pits of NIR and of SWIR with the surrounding clear-sky level and keep the pixels whose
 * darkness below that level is larger than `threshold` in both bands.
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../../worker-entry.js';
import { fillHoles, LEVELS_PER_UNIT, quantise } from './reconstruct.js';

export interface CandidateInput {
  width: number;
  height: number;
  nir: Float32Array;
  swir: Float32Array;
  cloud: Uint8Array;
  valid: Uint8Array;
  water: Uint8Array;
}

/** Fmask's darkness threshold: 0.02 reflectance (200 in its 0..10000 scale). */
export const DEFAULT_DARKNESS = 0.02;
/** Fmask's border level: the 17.5th percentile of clear land in each band. */
const BACKGROUND_PERCENTILE = 0.175;

/** 1 where potential shadow: darker than the filled background by > threshold in NIR and SWIR. */
export function shadowCandidates(input: CandidateInput, threshold = DEFAULT_DARKNESS): Uint8Array {
  const { width, height, nir, swir, cloud, water } = input;
  const n = width * height;
  // Pixels with a NaN band are no-data for the flood as well.
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    valid[i] = input.valid[i] && !Number.isNaN(nir[i] as number) && !Number.isNaN(swir[i] as number) ? 1 : 0;
  }
  const dNir = darkness(nir, width, height, valid, cloud, water);
  const dSwir = darkness(swir, width, height, valid, cloud, water);
  const t = Math.round(threshold * LEVELS_PER_UNIT);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (valid[i] && !cloud[i] && !water[i] && Math.min(dNir[i] as number, dSwir[i] as number) > t) out[i] = 1;
  }
  return out;
}

/** filled - original, in levels. */
function darkness(
  band: Float32Array,
  width: number,
  height: number,
  valid: Uint8Array,
  cloud: Uint8Array,
  water: Uint8Array,
): Uint16Array {
  const n = width * height;
  const q = new Uint16Array(n);
  for (let i = 0; i < n; i++) q[i] = valid[i] ? quantise(band[i] as number) : 0;
  const filled = fillHoles(q, width, height, valid, clearLandPercentile(q, valid, cloud, water));
  for (let i = 0; i < n; i++) filled[i] = (filled[i] as number) - (q[i] as number);
  return filled;
}

/** Percentile of the clear-land levels by histogram (O(N)); 0 when no clear land. */
function clearLandPercentile(
  q: Uint16Array,
  valid: Uint8Array,
  cloud: Uint8Array,
  water: Uint8Array,
): number {
  const hist = new Float64Array(65536);
  let count = 0;
  for (let i = 0; i < q.length; i++) {
    if (valid[i] && !cloud[i] && !water[i]) {
      const v = q[i] as number;
      hist[v] = (hist[v] as number) + 1;
      count++;
    }
  }
  if (count === 0) return 0;
  const target = count * BACKGROUND_PERCENTILE;
  let acc = 0;
  for (let v = 0; v < hist.length; v++) {
    acc += hist[v] as number;
    if (acc >= target) return v;
  }
  return 0;
}

/**
 * The same candidates with the SWIR fill on a worker thread while this thread fills NIR: the two
 * fills are most of the detector's time and independent. Falls back to one thread on failure.
 */
export async function shadowCandidatesParallel(
  input: CandidateInput,
  threshold = DEFAULT_DARKNESS,
): Promise<Uint8Array> {
  const { width, height, nir, swir, cloud, water } = input;
  const n = width * height;
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    valid[i] = input.valid[i] && !Number.isNaN(nir[i] as number) && !Number.isNaN(swir[i] as number) ? 1 : 0;
  }
  const quant = (band: Float32Array): Uint16Array => {
    const q = new Uint16Array(n);
    for (let i = 0; i < n; i++) q[i] = valid[i] ? quantise(band[i] as number) : 0;
    return q;
  };
  const qSwir = quant(swir);
  let worker: Worker | undefined;
  let swirFilled: Promise<Uint16Array>;
  try {
    const w = new Worker(
      workerEntry(
        new URL(import.meta.url.endsWith('.ts') ? './fill-worker.ts' : './fill-worker.js', import.meta.url),
      ),
    );
    worker = w;
    swirFilled = new Promise<Uint16Array>((resolve, reject) => {
      w.once('message', (m: Uint16Array) => resolve(m));
      w.once('error', reject);
    });
    w.postMessage({
      q: qSwir.slice(),
      valid: valid.slice(),
      width,
      height,
      border: clearLandPercentile(qSwir, valid, cloud, water),
    });
  } catch {
    swirFilled = Promise.resolve(
      fillHoles(qSwir, width, height, valid, clearLandPercentile(qSwir, valid, cloud, water)),
    );
  }
  const qNir = quant(nir);
  const nirFilled = fillHoles(qNir, width, height, valid, clearLandPercentile(qNir, valid, cloud, water));
  let sf: Uint16Array;
  try {
    sf = await swirFilled;
  } catch {
    sf = fillHoles(qSwir, width, height, valid, clearLandPercentile(qSwir, valid, cloud, water));
  } finally {
    await worker?.terminate();
  }
  const t = Math.round(threshold * LEVELS_PER_UNIT);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (!valid[i] || cloud[i] || water[i]) continue;
    const dn = (nirFilled[i] as number) - (qNir[i] as number);
    const ds = (sf[i] as number) - (qSwir[i] as number);
    if (Math.min(dn, ds) > t) out[i] = 1;
  }
  return out;
}
