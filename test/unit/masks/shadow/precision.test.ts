/**
 * The precision rules of the shadow detector: local contrast, whole regions kept by shape overlap,
 * shadows from clouds beyond the border, the water index; then the whole detector on the real
 * labelled cases with their hand-made cloud labels.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRasterBand } from '../../../../electron/core/masks/raster-io.js';
import { acceptShadowObjects } from '../../../../electron/core/masks/shadow/accept.js';
import { addEdgeShadows, typicalHeight } from '../../../../electron/core/masks/shadow/edge.js';
import { detectShadows } from '../../../../electron/core/masks/shadow/index.js';
import { backgroundMean, localDarkness } from '../../../../electron/core/masks/shadow/local-contrast.js';
import { shadowOffsetPerMetre } from '../../../../electron/core/masks/shadow/project.js';
import type { ShadowOptions } from '../../../../electron/core/masks/shadow/types.js';
import { waterMask } from '../../../../electron/core/masks/shadow/water.js';
import { destroySharedDecoder } from '../../../../electron/core/raster/jp2/index.js';
import { openProduct } from '../../../../electron/core/scene/open.js';
import { readReflectance } from '../../../../electron/core/scene/reflectance.js';
import { SHARED_DATA } from '../../../helpers/env.js';
import { count, iou, makeScene, rng } from './synthetic.js';

/** A w x h field of `level`, with rectangles [r0, c0, r1, c1) set to their values. */
function field(
  w: number,
  h: number,
  level: number,
  rects: [number, number, number, number, number][],
): Float32Array {
  const a = new Float32Array(w * h).fill(level);
  for (const [r0, c0, r1, c1, v] of rects)
    for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) a[r * w + c] = v;
  return a;
}

function rect(w: number, h: number, rects: [number, number, number, number][]): Uint8Array {
  const a = new Uint8Array(w * h);
  for (const [r0, c0, r1, c1] of rects)
    for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) a[r * w + c] = 1;
  return a;
}

describe('local contrast', () => {
  it('the block background equals a brute-force masked box mean where blocks are single pixels', () => {
    const w = 37;
    const h = 29;
    const rand = rng(5);
    const band = Float32Array.from({ length: w * h }, () => rand());
    const use = Uint8Array.from({ length: w * h }, () => (rand() < 0.8 ? 1 : 0));
    const r = 3;
    const got = backgroundMean(band, use, w, h, r);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let s = 0;
        let k = 0;
        for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++)
          for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++)
            if (use[yy * w + xx]) {
              s += band[yy * w + xx] as number;
              k++;
            }
        expect(got[y * w + x]).toBeCloseTo(s / k, 5);
      }
  });

  it('flags a patch that lost most of its light, not one 10 % darker, whatever the absolute level', () => {
    const w = 200;
    const h = 120;
    for (const level of [0.05, 0.3]) {
      const band = field(w, h, level, [
        [20, 20, 50, 50, level * 0.35],
        [20, 120, 50, 150, level * 0.9],
      ]);
      const dark = localDarkness(
        { width: w, height: h, nir: band, swir: band, excluded: new Uint8Array(w * h) },
        40,
        0.75,
      );
      expect(dark[35 * w + 35]).toBe(1);
      expect(dark[35 * w + 135]).toBe(0);
      expect(count(dark)).toBe(30 * 30);
    }
  });

  it('needs both NIR and SWIR dark, ignores a smooth brightness ramp, never flags excluded pixels', () => {
    const w = 300;
    const h = 100;
    // Land brightening fourfold across the scene: no pixel is dark against its own neighbourhood.
    const ramp = Float32Array.from({ length: w * h }, (_, i) => 0.1 + (0.3 * (i % w)) / w);
    const none = localDarkness(
      { width: w, height: h, nir: ramp, swir: ramp, excluded: new Uint8Array(w * h) },
      30,
      0.75,
    );
    expect(count(none)).toBe(0);
    const nir = field(w, h, 0.3, [[40, 40, 60, 60, 0.1]]);
    const swir = field(w, h, 0.2, []);
    const onlyNir = localDarkness(
      { width: w, height: h, nir, swir, excluded: new Uint8Array(w * h) },
      30,
      0.75,
    );
    expect(count(onlyNir)).toBe(0);
    const both = field(w, h, 0.3, [[40, 40, 60, 60, 0.1]]);
    const excluded = rect(w, h, [[40, 40, 60, 50]]);
    const d = localDarkness({ width: w, height: h, nir: both, swir: both, excluded }, 30, 0.75);
    expect(count(d)).toBe(20 * 10);
    for (let i = 0; i < d.length; i++) if (excluded[i]) expect(d[i]).toBe(0);
  });

  it('finds a shadow as wide as its background window whole (the second pass)', () => {
    const w = 160;
    const h = 160;
    // An 80 x 80 shadow with a window radius of 40: its centre's window is all shadow but for the
    // lit ring that the first pass left in the background.
    const band = field(w, h, 0.3, [[40, 40, 120, 120, 0.16]]);
    const dark = localDarkness(
      { width: w, height: h, nir: band, swir: band, excluded: new Uint8Array(w * h) },
      40,
      0.75,
    );
    expect(count(dark)).toBe(80 * 80);
  });
});

describe('shape overlap', () => {
  const w = 100;
  const h = 60;
  it('keeps a region whole when the silhouette covers enough of it, drops one it does not touch', () => {
    const potential = rect(w, h, [
      [10, 10, 30, 40],
      [10, 60, 30, 90],
    ]);
    // The silhouette covers the left third of the first region only.
    const footprint = rect(w, h, [[10, 10, 30, 20]]);
    const out = acceptShadowObjects(potential, footprint, w, h, {
      overlapRadius: 0,
      minOverlap: 0.2,
      reach: 30,
    });
    expect(count(out)).toBe(20 * 30);
    expect(out[20 * w + 39]).toBe(1);
    expect(out[20 * w + 70]).toBe(0);
    // Below the overlap fraction: only the pixels under the silhouette stay.
    const strict = acceptShadowObjects(potential, footprint, w, h, {
      overlapRadius: 0,
      minOverlap: 0.5,
      reach: 30,
    });
    expect(count(strict)).toBe(20 * 10);
  });

  it('cuts a long dark region at the reach from the silhouette', () => {
    const potential = rect(w, h, [[10, 0, 20, 100]]);
    const footprint = rect(w, h, [[0, 0, 60, 50]]);
    const out = acceptShadowObjects(potential, footprint, w, h, {
      overlapRadius: 0,
      minOverlap: 0.2,
      reach: 5,
    });
    expect(out[15 * w + 54]).toBe(1);
    expect(out[15 * w + 55]).toBe(0);
    expect(count(out)).toBe(10 * 55);
  });
});

describe('shadows of clouds beyond the border', () => {
  it('adds border regions on the sun side whose cloud, at the typical height, is off the image', () => {
    const w = 200;
    const h = 200;
    // Sun from the south-east (azimuth 135), zenith 45, 20 m pixels: 2000 m -> 70.7 px north-west.
    const per = shadowOffsetPerMetre({ sun: { zenith: 45, azimuth: 135 } }, 20);
    const potential = rect(w, h, [
      [150, 180, 170, 200], // touches the east border, its cloud would be ~70 px further east: off the image
      [20, 0, 40, 20], // touches the west border: the shadow side, a visible cloud would explain it
      [100, 100, 120, 120], // inside
    ]);
    const shadow = new Uint8Array(w * h);
    const added = addEdgeShadows(potential, shadow, w, h, per, 2000);
    expect(added).toBe(20 * 20);
    expect(shadow[160 * w + 190]).toBe(1);
    expect(shadow[30 * w + 10]).toBe(0);
    expect(shadow[110 * w + 110]).toBe(0);
    expect(typicalHeight([])).toBeNull();
    expect(
      typicalHeight([
        { pixels: 10, height: 500 },
        { pixels: 100, height: 3000 },
        { pixels: 10, height: null },
      ]),
    ).toBe(3000);
  });

  // Sun azimuth 150, zenith 40, 2 km: shadows 84 px away towards the north-north-west.
  const scene = (outsideRow: number): ReturnType<typeof makeScene> =>
    makeScene({
      width: 400,
      height: 400,
      sun: { zenith: 40, azimuth: 150 },
      clouds: [
        { row: 200, col: 150, radius: 30, height: 2000 },
        { row: outsideRow, col: 300, radius: 30, height: 2000 },
      ],
    });

  it('completes the shadow of a cloud cut by the border', () => {
    // Rows 390..399 of the second cloud are visible; its shadow lies wholly inside.
    const s = scene(420);
    expect(iou(detectShadows(s.input).shadow, s.truth)).toBeGreaterThan(0.9);
  });

  it('finds the shadow of a cloud wholly south of the image once a visible cloud gives the height', () => {
    const s = scene(455);
    const res = detectShadows(s.input);
    const off = detectShadows(s.input, { edgeShadows: false });
    expect(iou(res.shadow, s.truth)).toBeGreaterThan(0.9);
    expect(iou(off.shadow, s.truth)).toBeLessThan(0.7);
  });
});

describe('detector decisions on synthetic scenes', () => {
  it('leaves a dark field outside every projected silhouette clear', () => {
    const scene = makeScene({
      width: 400,
      height: 400,
      sun: { zenith: 40, azimuth: 150 },
      clouds: [{ row: 250, col: 250, radius: 30, height: 2000 }],
    });
    // A dark field as dark as a shadow, south-west of the cloud (its shadow falls north-north-west).
    for (let r = 300; r < 360; r++)
      for (let c = 60; c < 120; c++) {
        const i = r * 400 + c;
        scene.input.nir[i] = (scene.input.nir[i] as number) * 0.35;
        scene.input.swir[i] = (scene.input.swir[i] as number) * 0.35;
      }
    const res = detectShadows(scene.input);
    let onField = 0;
    let candOnField = 0;
    for (let r = 300; r < 360; r++)
      for (let c = 60; c < 120; c++) {
        onField += res.shadow[r * 400 + c] as number;
        candOnField += res.candidates[r * 400 + c] as number;
      }
    expect(candOnField).toBe(60 * 60);
    expect(onField).toBe(0);
    expect(iou(res.shadow, scene.truth)).toBeGreaterThan(0.9);
  });

  it('a cloud with no dark patch anywhere along the sun direction casts no shadow', () => {
    const scene = makeScene({
      width: 300,
      height: 300,
      sun: { zenith: 40, azimuth: 150 },
      clouds: [{ row: 150, col: 150, radius: 25, height: 3000 }],
    });
    // Undo the drawn shadow: the land is lit everywhere (as under a thin, bright cloud).
    for (let i = 0; i < scene.truth.length; i++)
      if (scene.truth[i]) {
        scene.input.nir[i] = 0.3;
        scene.input.swir[i] = 0.2;
      }
    const res = detectShadows(scene.input);
    expect(res.objects[0]?.height).toBeNull();
    expect(count(res.shadow)).toBe(0);
  });

  it('calls green-dominated pixels water (NDWI and MNDWI > 0.2), not shadowed vegetation', () => {
    const nir = Float32Array.from([0.03, 0.12, 0.06]);
    const swir = Float32Array.from([0.01, 0.04, 0.03]);
    const red = Float32Array.from([0.04, 0.03, 0.05]);
    // Clear water; vegetation in shadow (green lifted by sky light, NDWI < 0, MNDWI > 0); turbid water.
    const green = Float32Array.from([0.06, 0.07, 0.1]);
    expect([...waterMask(nir, swir, new Uint8Array(3).fill(1), red, green)]).toEqual([1, 0, 1]);
  });
});

const cases = existsSync(SHARED_DATA)
  ? readdirSync(SHARED_DATA).filter((d) => d.startsWith('labelled-'))
  : [];

describe.skipIf(cases.length === 0)('real labelled scenes, with their hand-made cloud labels', () => {
  afterAll(async () => {
    await destroySharedDecoder();
  });

  it.each(cases)(
    '%s: shadow precision and F1 above the targets, and above the flood fill',
    async (name) => {
      const dir = join(SHARED_DATA, name);
      const safe = readdirSync(dir).find((f) => f.endsWith('.SAFE'));
      if (!safe) throw new Error(`${dir}: no .SAFE`);
      const ref = await readRasterBand(join(dir, 'reference_10m.tif'));
      const product = await openProduct(join(dir, safe));
      try {
        const st = await readReflectance(product, { bands: ['B03', 'B04', 'B08', 'B11'], resolution: 20 });
        const [green, red, nir, swir] = st.data as [Float32Array, Float32Array, Float32Array, Float32Array];
        const { width: W, height: H } = st.grid;
        const rw = ref.grid.width;
        // Labels (10 m) to the 20 m grid: cloud where any label is cloud, shadow where most are.
        const cloud = new Uint8Array(W * H);
        const shadowVotes = new Uint8Array(W * H);
        for (let y = 0; y < ref.grid.height; y++)
          for (let x = 0; x < rw; x++) {
            const v = ref.values[y * rw + x] as number;
            const j = (y >> 1) * W + (x >> 1);
            if (v === 2) cloud[j] = 1;
            if (v === 4) shadowVotes[j] = (shadowVotes[j] as number) + 1;
          }
        const sun = product.metadata.sun;
        if (!sun) throw new Error('no sun angles');
        const input = {
          grid: st.grid,
          cloud,
          valid: new Uint8Array(W * H).fill(1),
          nir,
          swir,
          red,
          green,
          sun: { zenith: sun.zenithMean, azimuth: sun.azimuthMean },
        };
        const score = (opts: ShadowOptions): { p: number; f1: number } => {
          const s = detectShadows(input, opts).shadow;
          let tp = 0;
          let fp = 0;
          let fn = 0;
          for (let j = 0; j < W * H; j++) {
            if (cloud[j]) continue;
            const t = (shadowVotes[j] as number) >= 2;
            if (s[j] && t) tp++;
            else if (s[j]) fp++;
            else if (t) fn++;
          }
          const p = tp / Math.max(1, tp + fp);
          const r = tp / Math.max(1, tp + fn);
          return { p, f1: (2 * p * r) / Math.max(1e-9, p + r) };
        };
        const now = score({});
        const before = score({
          darknessTest: 'flood-fill',
          dilate: 3,
          shapeOverlap: false,
          edgeShadows: false,
        });
        console.log(
          `${name}: shadow precision ${now.p.toFixed(3)}, F1 ${now.f1.toFixed(3)} (flood fill + 3 px: ${before.p.toFixed(3)}, ${before.f1.toFixed(3)})`,
        );
        expect(now.p).toBeGreaterThan(0.8);
        expect(now.f1).toBeGreaterThan(0.75);
        expect(now.f1).toBeGreaterThan(before.f1 + 0.05);
      } finally {
        await product.close();
      }
    },
    60_000,
  );
});
