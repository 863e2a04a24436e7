/**
 * Geometric cloud-shadow detection from any cloud mask, on Fmask's physics (Zhu & Woodcock 2012;
 * Zhu, Wang & Woodcock 2015; Qiu, Zhu & He 2019) with a tighter decision:
 *   1. potential shadow: NIR and SWIR both well below their local clear-sky background
 *      (local-contrast.ts), or, as Fmask, below their flood-filled level (candidates.ts); never
 *      water (water.ts) or cloud;
 *   2. cloud objects: 8-connected components of the cloud mask (components.ts);
 *   3. per object, the height whose projected shape best matches potential shadow or cloud
 *      (project.ts, match.ts); a weak best match casts no shadow;
 *   4. shadow = the regions of potential shadow that the projected silhouettes cover enough
 *      (accept.ts; the silhouettes of clouds cut by the border are completed beyond it), plus
 *      border regions that a cloud wholly outside the image explains (edge.ts), optionally
 *      dilated (dilate.ts; Fmask dilates by 3 pixels, the default here is none).
 */
import { S2Error, throwIfAborted } from '../../errors.js';
import { pixelSize } from '../../raster/grid.js';
import { acceptShadowObjects } from './accept.js';
import { DEFAULT_DARKNESS, shadowCandidates, shadowCandidatesParallel } from './candidates.js';
import { labelComponents } from './components.js';
import { dilateSquare } from './dilate.js';
import { addEdgeShadows, cutCloudSilhouettes, typicalHeight } from './edge.js';
import { localDarkness } from './local-contrast.js';
import { matchObject, subsample } from './match.js';
import { searchHeights, shadowOffsetPerMetre, type Offset } from './project.js';
import type { CloudObject, ShadowInput, ShadowOptions, ShadowResult } from './types.js';
import { waterMask } from './water.js';

export type { CloudObject, ShadowInput, ShadowOptions, ShadowResult } from './types.js';

/**
 * Defaults. The local-contrast ratio and radius and the overlap fraction were chosen on the two
 * real labelled cases of `../shared/data` leaving one out (figures in test/bench/shadow-labelled.ts);
 * the others are Fmask's or physical.
 */
export const SHADOW_DEFAULTS = {
  minHeight: 200,
  maxHeight: 12000,
  dilate: 0,
  minCloudPixels: 9,
  darkness: DEFAULT_DARKNESS,
  maxSamples: 2000,
  contrastRatio: 0.75,
  contrastRadius: 2000,
  overlapRadius: 3,
  minOverlap: 0.2,
  cloudDepth: 2000,
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
  const n = input.grid.width * input.grid.height;
  let pre: { fill: Uint8Array; water: Uint8Array } | undefined;
  // Fmask's flood fill: the two band fills run in parallel here (a worker thread).
  if (opts.darknessTest === 'flood-fill' && input.nir.length === n && input.swir.length === n) {
    const valid = input.valid;
    const cloudIn = new Uint8Array(n);
    for (let i = 0; i < n; i++) cloudIn[i] = input.cloud[i] && valid[i] ? 1 : 0;
    const water = input.water ?? waterMask(input.nir, input.swir, valid, input.red, input.green);
    const fill = await shadowCandidatesParallel(
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
    );
    pre = { fill, water };
  }
  throwIfAborted(opts.signal);
  const steps = run(input, opts, pre);
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
  pre?: { fill: Uint8Array; water: Uint8Array },
): Generator<void, ShadowResult, void> {
  const { grid, cloud, nir, swir } = input;
  const { width, height } = grid;
  const n = width * height;
  const bands = { cloud, valid: input.valid, nir, swir, red: input.red, green: input.green };
  for (const [name, a] of Object.entries(bands)) {
    if (a && a.length !== n) {
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
  const water = pre?.water ?? input.water ?? waterMask(nir, swir, valid, input.red, input.green);
  yield;
  throwIfAborted(signal);
  const px = pixelSize(grid);
  let candidates: Uint8Array;
  if (opts.darknessTest === 'flood-fill') {
    candidates =
      pre?.fill ?? shadowCandidates({ width, height, nir, swir, cloud: cloudIn, valid, water }, o.darkness);
  } else {
    const excluded = new Uint8Array(n);
    for (let i = 0; i < n; i++) excluded[i] = cloudIn[i] || water[i] || !valid[i] ? 1 : 0;
    const radius = Math.max(1, Math.round(o.contrastRadius / px));
    candidates = localDarkness({ width, height, nir, swir, excluded }, radius, o.contrastRatio);
  }
  yield;
  throwIfAborted(signal);
  const comps = labelComponents(cloudIn, width, height);
  const match = new Uint8Array(n);
  for (let i = 0; i < n; i++) match[i] = candidates[i] || cloudIn[i] ? 1 : 0;
  const per = shadowOffsetPerMetre(input, px);
  const heights = searchHeights(per, o.minHeight, o.maxHeight, opts.heightStep);
  const scene = { width, height, labels: comps.labels, match, valid };
  const footprint = new Uint8Array(n);
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
    if (m.height !== null) paintFootprint(footprint, pixels, m.height, per, width, height);
    yield;
    throwIfAborted(signal);
  }
  // A cloud `cloudDepth` metres thick spreads its shadow that much height further along the sun
  // direction than its base's silhouette: the reach of a kept region beyond the silhouette.
  const spread = Math.round(o.cloudDepth * Math.hypot(per.dcol, per.drow));
  // Clouds cut by the border: the rest of their silhouette, at the scene's typical height.
  const typical = typicalHeight(objects);
  const regions = opts.shapeOverlap !== false;
  if (regions && typical !== null) {
    const near = dilateSquare(cloudIn, width, height, o.overlapRadius);
    const cut = cutCloudSilhouettes(near, width, height, per, typical);
    for (let i = 0; i < n; i++) if (cut[i]) footprint[i] = 1;
  }
  // The regions of potential shadow, labelled once for the overlap test and the border shadows.
  const edges = opts.edgeShadows !== false && typical !== null;
  const potential = regions || edges ? labelComponents(candidates, width, height) : undefined;
  // Fmask: the silhouette's pixels that are potential shadow, nothing else.
  const shadow = regions
    ? acceptShadowObjects(
        candidates,
        footprint,
        width,
        height,
        { overlapRadius: o.overlapRadius, minOverlap: o.minOverlap, reach: o.overlapRadius + spread },
        potential,
      )
    : Uint8Array.from(footprint, (f, i) => f & (candidates[i] as number));
  if (edges) addEdgeShadows(candidates, shadow, width, height, per, typical, potential);
  const dilated = dilateSquare(shadow, width, height, o.dilate);
  // The dilation never covers cloud or no-data.
  for (let i = 0; i < n; i++) if (cloudIn[i] || !valid[i]) dilated[i] = 0;
  return { shadow: dilated, candidates, objects, footprint };
}

/** The object's pixels moved by the shadow offset at height `h` (off-image pixels dropped). */
function paintFootprint(
  out: Uint8Array,
  pixels: Int32Array,
  h: number,
  per: Offset,
  width: number,
  height: number,
): void {
  const dc = Math.round(per.dcol * h);
  const dr = Math.round(per.drow * h);
  for (let i = 0; i < pixels.length; i++) {
    const p = pixels[i] as number;
    const r = ((p / width) | 0) + dr;
    const c = (p % width) + dc;
    if (r < 0 || c < 0 || r >= height || c >= width) continue;
    out[r * width + c] = 1;
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
