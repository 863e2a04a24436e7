/**
 * Cloud-shadow detector benchmark at 20 m (5490 x 5490):
 *   1. a synthetic full-size scene, ~50 % cloud (blobby clouds at random heights with their shadows);
 *   2. the generated full-size L1C product, when built (`npm run fixtures -- --size full`): B04/B08/B11
 *      by `readReflectance` (block average), clouds from MSK_CLASSI (opaque), sun angles from MTD_TL.xml.
 * Each scene is timed with the default detector and with main's before issue 11 (flood fill + 3 px),
 * both through detectShadowsAsync as the four-class pipeline calls it.
 *
 *   node --import tsx test/bench/shadow.bench.ts [--synthetic-only] [path/to/product.SAFE]
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { detectShadows, detectShadowsAsync } from '../../electron/core/masks/shadow/index.js';
import type { ShadowInput, ShadowOptions, ShadowResult } from '../../electron/core/masks/shadow/types.js';
import { requireMask } from '../../electron/core/masks/adapters/product.js';
import { openProduct } from '../../electron/core/scene/open.js';
import { readClassRaster, readReflectance } from '../../electron/core/scene/reflectance.js';
import { count, iou, makeScene, rng, type SceneCloud } from '../unit/masks/shadow/synthetic.js';

function share(a: Uint8Array, valid: Uint8Array): number {
  let s = 0;
  let v = 0;
  for (let i = 0; i < a.length; i++) {
    if (valid[i]) {
      v++;
      s += a[i] as number;
    }
  }
  return v ? s / v : 0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor(s.length / 2)] as number) : NaN;
}

/** Main before issue 11: Fmask's flood-fill darkness, footprint AND candidates, 3 px dilation. */
const BEFORE: ShadowOptions = {
  darknessTest: 'flood-fill',
  dilate: 3,
  shapeOverlap: false,
  edgeShadows: false,
};

/** As the four-class pipeline runs it (the async variant: flood fills on two threads). */
async function timed(
  input: ShadowInput,
  opts: ShadowOptions = {},
): Promise<{ res: ShadowResult; seconds: number; rssMb: number }> {
  const t0 = performance.now();
  const res = await detectShadowsAsync(input, opts);
  const seconds = (performance.now() - t0) / 1000;
  return { res, seconds, rssMb: process.memoryUsage().rss / 2 ** 20 };
}

function report(name: string, input: ShadowInput, res: ShadowResult, seconds: number, rssMb: number): void {
  const matched = res.objects.filter((o) => o.height !== null);
  const big = res.objects.filter((o) => o.pixels >= 9);
  const weighted = matched.flatMap((o) => Array<number>(Math.min(o.pixels, 1000)).fill(o.height ?? 0));
  console.log(
    `| ${name} | ${seconds.toFixed(2)} | ${rssMb.toFixed(0)} | ${(100 * share(input.cloud, input.valid)).toFixed(1)} | ` +
      `${(100 * share(res.candidates, input.valid)).toFixed(1)} | ${(100 * share(res.shadow, input.valid)).toFixed(1)} | ` +
      `${res.objects.length} / ${big.length} / ${matched.length} | ${median(matched.map((o) => o.height ?? 0)).toFixed(0)} | ${median(weighted).toFixed(0)} |`,
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  console.log(
    '| scene | detect s | RSS MB | cloud % | candidates % | shadow % | objects / >=9 px / matched | median height m | px-weighted median m |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');

  // 1. Synthetic, 20 m, ~50 % cloud.
  const n = 5490;
  const rand = rng(42);
  const clouds: SceneCloud[] = Array.from({ length: 1000 }, () => ({
    row: Math.floor(rand() * n),
    col: Math.floor(rand() * n),
    radius: 15 + rand() * 120,
    height: 500 + rand() * 7500,
  }));
  const t0 = performance.now();
  const scene = makeScene({ width: n, height: n, sun: { zenith: 35, azimuth: 155 }, clouds, seed: 3 });
  const build = (performance.now() - t0) / 1000;
  const s = await timed(scene.input);
  report(`synthetic ${n}² (built in ${build.toFixed(1)} s)`, scene.input, s.res, s.seconds, s.rssMb);
  const b = await timed(scene.input, BEFORE);
  report(`synthetic ${n}², flood fill + 3 px (before)`, scene.input, b.res, b.seconds, b.rssMb);
  const noDilate = detectShadows(scene.input, { ...BEFORE, dilate: 0 });
  console.log(
    `\nsynthetic: IoU(shadow, truth) = ${iou(s.res.shadow, scene.truth).toFixed(3)} (default); flood fill ` +
      `${iou(noDilate.shadow, scene.truth).toFixed(3)} without dilation, ${iou(b.res.shadow, scene.truth).toFixed(3)} ` +
      `with 3 px; truth ${((count(scene.truth) / n / n) * 100).toFixed(1)} %\n`,
  );
  if (args.includes('--synthetic-only')) return;

  // 2. The generated full-size L1C product.
  const dir = join('.data', 'scenes', 'full-L1C');
  const safe =
    args.find((a) => a.endsWith('.SAFE')) ??
    (existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.SAFE'))
          .map((f) => join(dir, f))[0]
      : undefined);
  if (!safe) {
    console.log('(no full-size product: run `npm run fixtures -- --size full`)');
    return;
  }
  const product = await openProduct(safe);
  try {
    const r0 = performance.now();
    const stack = await readReflectance(product, {
      bands: ['B04', 'B08', 'B11'],
      resolution: 20,
      coarsening: 'average',
    });
    const cls = await readClassRaster(product, requireMask(product, 'MSK_CLASSI'), {
      resolution: 20,
      method: 'nearest',
    });
    const readS = (performance.now() - r0) / 1000;
    const [red, nir, swir] = stack.data as [Float32Array, Float32Array, Float32Array];
    const opaque = cls.components[0] as Uint8Array;
    const valid = Uint8Array.from(nir, (v, i) =>
      Number.isNaN(v) || Number.isNaN(swir[i] as number) ? 0 : 1,
    );
    const cloud = Uint8Array.from(opaque, (v, i) => (v && valid[i] ? 1 : 0));
    const sun = product.metadata.sun;
    if (!sun) throw new Error('no sun angles');
    const input: ShadowInput = {
      grid: stack.grid,
      cloud,
      valid,
      nir,
      swir,
      red,
      sun: { zenith: sun.zenithMean, azimuth: sun.azimuthMean },
    };
    const p = await timed(input);
    report(`${product.rootName} (read ${readS.toFixed(1)} s)`, input, p.res, p.seconds, p.rssMb);
    const pb = await timed(input, BEFORE);
    report(`${product.rootName}, flood fill + 3 px (before)`, input, pb.res, pb.seconds, pb.rssMb);
    console.log(`\nsun zenith ${sun.zenithMean.toFixed(2)}, azimuth ${sun.azimuthMean.toFixed(2)}`);
  } finally {
    await product.close();
  }
}

await main();
