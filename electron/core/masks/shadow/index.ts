/**
 * Geometric cloud-shadow detection from any cloud mask (Fmask's physics: Zhu & Woodcock 2012;
 * Zhu, Wang & Woodcock 2015; Qiu, Zhu & He 2019):
 *   1. potential shadow: NIR and SWIR darker than their flood-filled clear-sky level (candidates.ts);
 *   2. cloud objects: 8-connected components of the cloud mask (components.ts);
 *   3. per object, the height whose projected shape best matches potential shadow or cloud
 *      (project.ts, match.ts);
 *   4. shadow = projected footprint at that height AND potential shadow, dilated (dilate.ts).
 */
import { S2Error, throwIfAborted } from '../../errors.js';
import { pixelSize } from '../../raster/grid.js';
import { DEFAULT_DARKNESS, shadowCandidates, shadowCandidatesParallel } from './candidates.js';
import { labelComponents } from './components.js';
import { dilateSquare } from './dilate.js';
import { matchObject, subsample } from './match.js';
import { searchHeights, shadowOffsetPerMetre } from './project.js';
import type { CloudObject, ShadowInput, ShadowOptions, ShadowResult } from './types.js';
import { waterMask } from './water.js';

export type { CloudObject, ShadowInput, ShadowOptions, ShadowResult } from './types.js';

export const SHADOW_DEFAULTS = {
  minHeight: 200,
  maxHeight: 12000,
  dilate: 3,
  minCloudPixels: 9,
  darkness: DEFAULT_DARKNESS,
  maxSamples: 2000,
} as const;

/** Runs the detector to the end in one go (synchronous; `signal` is checked between steps). */
export function detectShadows(input: ShadowInput, opts: ShadowOptions = {}): ShadowResult {
  const steps = run(input, opts);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/** Same result, yielding to the event loop about every 50 ms so that an abort can land mid-run. */
export async function detectShadowsAsync(
  input: ShadowInput,
  opts: ShadowOptions = {},
): Promise<ShadowResult> {
  // The two band fills run in parallel here (a worker thread); the rest as in detectShadows.
  const valid = input.valid;
  const n = input.grid.width * input.grid.height;
  const cloudIn = new Uint8Array(n);
  for (let i = 0; i < n; i++) cloudIn[i] = input.cloud[i] && valid[i] ? 1 : 0;
  const water = input.water ?? waterMask(input.nir, input.swir, valid, input.red);
  const candidates =
    input.nir.length === n && input.swir.length === n
      ? await shadowCandidatesParallel(
          {
            width: input.grid.width,
            height: input.grid.height,
            nir: input.nir,
            swir: input.swir,
            cloud: cloudIn,
            valid,
            water,
          },
          opts.darkness ?? SHADOW_DEFAULTS.darkness,
        )
      : undefined;
  throwIfAborted(opts.signal);
  const steps = run(input, opts, candidates ? { candidates, water } : undefined);
  let last = performance.now();
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
    if (performance.now() - last > 50) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfAborted(opts.signal);
      last = performance.now();
    }
  }
}

/** The detector as a generator: yields at checkpoints, returns the result. */
function* run(
  input: ShadowInput,
  opts: ShadowOptions,
  pre?: { candidates: Uint8Array; water: Uint8Array },
): Generator<void, ShadowResult, void> {
  const { grid, cloud, nir, swir } = input;
  const { width, height } = grid;
  const n = width * height;
  for (const [name, a] of Object.entries({ cloud, valid: input.valid, nir, swir })) {
    if (a.length !== n) {
      throw new S2Error('INVALID_ARGUMENT', `Shadow input '${name}' has ${a.length} pixels, the grid ${n}.`);
    }
  }
  const o = { ...SHADOW_DEFAULTS, ...definedOnly(opts) };
  const signal = opts.signal;
  throwIfAborted(signal);
  // Cloud and no-data never overlap: no-data wins.
  const valid = input.valid;
  const cloudIn = new Uint8Array(n);
  for (let i = 0; i < n; i++) cloudIn[i] = cloud[i] && valid[i] ? 1 : 0;
  const water = pre?.water ?? input.water ?? waterMask(nir, swir, valid, input.red);
  yield;
  throwIfAborted(signal);
  const candidates =
    pre?.candidates ??
    shadowCandidates({ width, height, nir, swir, cloud: cloudIn, valid, water }, o.darkness);
  yield;
  throwIfAborted(signal);
  const comps = labelComponents(cloudIn, width, height);
  const match = new Uint8Array(n);
  for (let i = 0; i < n; i++) match[i] = candidates[i] || cloudIn[i] ? 1 : 0;
  const per = shadowOffsetPerMetre(input, pixelSize(grid));
  const heights = searchHeights(per, o.minHeight, o.maxHeight, opts.heightStep);
  const scene = { width, height, labels: comps.labels, match, valid };
  const shadow = new Uint8Array(n);
  const objects: CloudObject[] = [];
  for (let id = 1; id <= comps.count; id++) {
    const pixels = comps.pixels.subarray(comps.start[id - 1], comps.start[id]);
    if (pixels.length < o.minCloudPixels) {
      objects.push({ id, pixels: pixels.length, height: null, score: 0 });
      continue;
    }
    const sample = subsample(pixels, o.maxSamples);
    // A score over a handful of pixels (the rest off the image) is noise.
    const minCounted = Math.max(3, Math.ceil(sample.length * 0.05));
    const m = matchObject(scene, id, sample, per, heights, minCounted);
    objects.push({ id, pixels: pixels.length, height: m.height, score: m.score });
    if (m.height !== null) paintFootprint(shadow, pixels, m.height);
    yield;
    throwIfAborted(signal);
  }
  const dilated = dilateSquare(shadow, width, height, o.dilate);
  // The dilation never covers cloud or no-data.
  for (let i = 0; i < n; i++) if (cloudIn[i] || !valid[i]) dilated[i] = 0;
  return { shadow: dilated, candidates, objects };

  function paintFootprint(out: Uint8Array, pixels: Int32Array, h: number): void {
    const dc = Math.round(per.dcol * h);
    const dr = Math.round(per.drow * h);
    for (let i = 0; i < pixels.length; i++) {
      const p = pixels[i] as number;
      const r = ((p / width) | 0) + dr;
      const c = (p % width) + dc;
      if (r < 0 || c < 0 || r >= height || c >= width) continue;
      const q = r * width + c;
      if (candidates[q]) out[q] = 1;
    }
  }
}

/** Options without the keys explicitly set to undefined (so they do not erase the defaults). */
function definedOnly(opts: ShadowOptions): Partial<Record<keyof typeof SHADOW_DEFAULTS, number>> {
  const out: Partial<Record<keyof typeof SHADOW_DEFAULTS, number>> = {};
  for (const k of Object.keys(SHADOW_DEFAULTS) as (keyof typeof SHADOW_DEFAULTS)[]) {
    const v = opts[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}
