/**
 * The shadow step alone on the real labelled cases (`../shared/data/labelled-*`, discovered), for
 * fast iteration and the leave-one-out check of its fitted thresholds. For each case at 10 and
 * 20 m it takes the four-class COG of `predict --coarsening average` (made once, kept in --masks;
 * its shadow pixels turned back to clear are exactly the mask before the shadow step), re-runs the
 * detector at 20 m as the four-class pipeline does (bands block-averaged from the working
 * resolution, view parallax), and scores shadow precision / recall / F1 against
 * `reference_10m.tif` (1 clear, 2 cloud, 4 shadow) as `s2cloud compare` does.
 *
 *   npm run bench -- shadow-labelled
 *   node --import tsx test/bench/shadow-labelled.bench.ts [--masks DIR] [--fresh] [--sweep] [--dump DIR]
 *
 * --fresh re-runs the CNN; --sweep adds the leave-one-out table; --dump writes the detector's
 * inputs and outputs at 20 m as raw little-endian arrays (for a look with numpy).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readRasterBand, type RasterBand } from '../../electron/core/masks/raster-io.js';
import { detectShadows, SHADOW_DEFAULTS } from '../../electron/core/masks/shadow/index.js';
import { runModel } from '../../electron/core/pipeline/run-model.js';
import { destroySharedDecoder } from '../../electron/core/raster/jp2/index.js';
import type { ShadowInput, ShadowOptions } from '../../electron/core/masks/shadow/types.js';
import { openProduct } from '../../electron/core/scene/open.js';
import { readReflectance } from '../../electron/core/scene/reflectance.js';

export interface ShadowScore {
  precision: number;
  recall: number;
  f1: number;
  seconds: number;
}

/** Runs the shadow step on one case and mask, scores it. */
export async function scoreCase(
  caseDir: string,
  maskFile: string,
  opts: ShadowOptions = {},
  dump?: string,
): Promise<ShadowScore> {
  return scoreLoaded(await loadCase(caseDir, maskFile), opts, dump);
}

export interface LoadedCase {
  input: ShadowInput;
  ref: RasterBand;
  mask: RasterBand;
  /** Mask pixels per reference pixel. */
  k: number;
}

/** Reads a case's bands at 20 m and its mask, as the four-class pipeline hands them to the detector. */
export async function loadCase(caseDir: string, maskFile: string): Promise<LoadedCase> {
  const safe = readdirSync(caseDir).find((f) => f.endsWith('.SAFE'));
  if (!safe) throw new Error(`${caseDir}: no .SAFE`);
  const ref = await readRasterBand(join(caseDir, 'reference_10m.tif'));
  const mask = await readRasterBand(maskFile);
  const k = Math.round(mask.grid.transform[1] / ref.grid.transform[1]);
  const shadowK = k === 1 ? 2 : 1;
  const product = await openProduct(join(caseDir, safe));
  try {
    // As the pipeline does: the bands at the mask's resolution, block-averaged to 20 m.
    const stack = await readReflectance(product, {
      bands: ['B03', 'B04', 'B08', 'B11'],
      resolution: k === 1 ? 10 : 20,
      coarsening: 'average',
    });
    const grid20 =
      k === 1 ? (await readReflectance(product, { bands: ['B11'], resolution: 20 })).grid : stack.grid;
    const { width: W, height: H } = grid20;
    const [green, red, nir, swir] = stack.data.map((b) =>
      blockMean(b, stack.grid.width, stack.grid.height, shadowK, W, H),
    ) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const mw = mask.grid.width;
    const cloud = new Uint8Array(W * H);
    const valid = new Uint8Array(W * H);
    for (let y = 0; y < mask.grid.height; y++)
      for (let x = 0; x < mw; x++) {
        const c = mask.values[y * mw + x] as number;
        const j = Math.floor(y / shadowK) * W + Math.floor(x / shadowK);
        if (c !== 0) valid[j] = 1;
        if (c === 2 || c === 3) cloud[j] = 1;
      }
    const sun = product.metadata.sun!;
    const views = product.metadata.viewing;
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const view = views.length
      ? { zenith: mean(views.map((v) => v.zenithMean)), azimuth: mean(views.map((v) => v.azimuthMean)) }
      : undefined;
    const input: ShadowInput = {
      grid: grid20,
      cloud,
      valid,
      nir,
      swir,
      red,
      green,
      sun: { zenith: sun.zenithMean, azimuth: sun.azimuthMean },
      ...(view && Number.isFinite(view.zenith) ? { view } : {}),
    };
    return { input, ref, mask, k };
  } finally {
    await product.close();
  }
}

/** Runs the detector on a loaded case and scores it. */
export function scoreLoaded(c: LoadedCase, opts: ShadowOptions = {}, dump?: string): ShadowScore {
  const { input, ref, mask, k } = c;
  const { nir, swir, red, cloud, valid } = input;
  const green = input.green ?? new Float32Array(0);
  const { width: W, height: H } = input.grid;
  const mw = mask.grid.width;
  {
    const t0 = performance.now();
    const res = detectShadows(input, opts);
    const seconds = (performance.now() - t0) / 1000;
    if (dump) {
      mkdirSync(dump, { recursive: true });
      const w = (name: string, a: ArrayBufferView): void =>
        writeFileSync(join(dump, `${name}.bin`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      w('green', green);
      if (red) w('red', red);
      w('nir', nir);
      w('swir', swir);
      w('cloud', cloud);
      w('valid', valid);
      w('shadow', res.shadow);
      w('candidates', res.candidates);
      w('footprint', res.footprint);
      writeFileSync(join(dump, 'shape.json'), JSON.stringify({ width: W, height: H }));
    }
    // Score on the reference grid: the shadow raster is at 20 m = 2 reference pixels; shadow only
    // where the mask said clear (as the pipeline paints it).
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const rw = ref.grid.width;
    for (let y = 0; y < ref.grid.height; y++)
      for (let x = 0; x < rw; x++) {
        const r = ref.values[y * rw + x] as number;
        if (r !== 1 && r !== 2 && r !== 4) continue;
        const m = mask.values[Math.floor(y / k) * mw + Math.floor(x / k)] as number;
        if (m === 0) continue;
        const s = res.shadow[Math.floor(y / 2) * W + Math.floor(x / 2)];
        const pred = m === 4 || m === 1 ? (s ? 4 : 1) : m;
        if (pred === 4 && r === 4) tp++;
        else if (pred === 4) fp++;
        else if (r === 4) fn++;
      }
    const precision = tp / Math.max(1, tp + fp);
    const recall = tp / Math.max(1, tp + fn);
    return { precision, recall, f1: (2 * precision * recall) / Math.max(1e-9, precision + recall), seconds };
  }
}

function blockMean(a: Float32Array, w: number, h: number, k: number, W: number, H: number): Float32Array {
  if (k === 1) return a;
  const sum = new Float32Array(W * H);
  const cnt = new Uint8Array(W * H);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = a[y * w + x] as number;
      if (Number.isNaN(v)) continue;
      const j = Math.floor(y / k) * W + Math.floor(x / k);
      sum[j] = (sum[j] as number) + v;
      cnt[j] = (cnt[j] as number) + 1;
    }
  for (let j = 0; j < sum.length; j++) sum[j] = cnt[j] ? (sum[j] as number) / (cnt[j] as number) : NaN;
  return sum;
}

/** Shadow settings compared by the benchmark: main before issue 11, and today's defaults. */
const VARIANTS: Record<string, ShadowOptions> = {
  'flood fill + 3 px dilation (before)': {
    darknessTest: 'flood-fill',
    dilate: 3,
    shapeOverlap: false,
    edgeShadows: false,
  },
  'local contrast + shape overlap (default)': {},
};

/** The thresholds fitted on the labelled cases, swept for the leave-one-out check. */
const SWEEP = {
  contrastRatio: [0.6, 0.65, 0.7, 0.75, 0.8, 0.85],
  contrastRadius: [300, 600, 1000, 2000],
  minOverlap: [0.05, 0.1, 0.2, 0.3, 0.5],
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const di = args.indexOf('--dump');
  const dump = di >= 0 ? args[di + 1] : undefined;
  const mi = args.indexOf('--masks');
  const maskDir = mi >= 0 ? (args[mi + 1] as string) : join(tmpdir(), 's2cloud-shadow-bench');
  const dataDir = join('..', 'shared', 'data');
  const caseDirs = existsSync(dataDir)
    ? readdirSync(dataDir)
        .filter((d) => d.startsWith('labelled-'))
        .map((d) => join(dataDir, d))
    : [];
  if (caseDirs.length === 0) {
    console.log(`(no labelled cases under ${dataDir})`);
    return;
  }
  mkdirSync(maskDir, { recursive: true });
  const loaded: { name: string; res: number; c: LoadedCase }[] = [];
  for (const dir of caseDirs) {
    const safe = readdirSync(dir).find((f) => f.endsWith('.SAFE'));
    if (!safe) continue;
    for (const res of [10, 20] as const) {
      const name = basename(dir).replace(/^labelled-/, '');
      const mask = join(maskDir, `${name}_${res}m.tif`);
      // The four-class mask of the current code (its shadows are undone when loading).
      if (!existsSync(mask) || args.includes('--fresh')) {
        await runModel({
          product: join(dir, safe),
          resolution: res,
          coarsening: 'average',
          classesOut: mask,
        });
      }
      loaded.push({ name, res, c: await loadCase(dir, mask) });
    }
  }
  await destroySharedDecoder();
  console.log('| case | resolution | shadow setting | precision | recall | F1 | detector s |');
  console.log('|---|---|---|---|---|---|---|');
  for (const { name, res, c } of loaded) {
    for (const [label, opts] of Object.entries(VARIANTS)) {
      const s = scoreLoaded(
        c,
        opts,
        dump && label.includes('default') ? join(dump, `${name}_${res}`) : undefined,
      );
      console.log(
        `| ${name} | ${res} m | ${label} | ${s.precision.toFixed(3)} | ${s.recall.toFixed(3)} | ${s.f1.toFixed(3)} | ${s.seconds.toFixed(2)} |`,
      );
    }
  }
  if (!args.includes('--sweep')) return;
  // Leave one case out: choose the thresholds on one case (mean F1 over 10 and 20 m), score the other.
  const names = [...new Set(loaded.map((l) => l.name))];
  const combos: ShadowOptions[] = [];
  for (const contrastRatio of SWEEP.contrastRatio)
    for (const contrastRadius of SWEEP.contrastRadius)
      for (const minOverlap of SWEEP.minOverlap) combos.push({ contrastRatio, contrastRadius, minOverlap });
  const f1 = new Map<string, number[]>();
  for (const name of names) {
    const mine = loaded.filter((l) => l.name === name);
    f1.set(
      name,
      combos.map((o) => mine.reduce((s, l) => s + scoreLoaded(l.c, o).f1, 0) / mine.length),
    );
  }
  const fmt = (o: ShadowOptions): string =>
    `ratio ${o.contrastRatio}, radius ${o.contrastRadius} m, overlap ${o.minOverlap}`;
  const dflt = combos.findIndex(
    (o) =>
      o.contrastRatio === SHADOW_DEFAULTS.contrastRatio &&
      o.contrastRadius === SHADOW_DEFAULTS.contrastRadius &&
      o.minOverlap === SHADOW_DEFAULTS.minOverlap,
  );
  console.log('\n| fitted on | best there | its F1 | held out | held-out F1 | held-out F1 of the defaults |');
  console.log('|---|---|---|---|---|---|');
  for (const fit of names) {
    const scores = f1.get(fit) as number[];
    const best = scores.indexOf(Math.max(...scores));
    for (const held of names.filter((x) => x !== fit)) {
      const h = f1.get(held) as number[];
      console.log(
        `| ${fit} | ${fmt(combos[best] as ShadowOptions)} | ${(scores[best] as number).toFixed(3)} | ${held} | ${(h[best] as number).toFixed(3)} | ${dflt >= 0 ? (h[dflt] as number).toFixed(3) : '-'} |`,
      );
    }
  }
}

if (process.argv[1]?.endsWith('shadow-labelled.bench.ts')) await main();
