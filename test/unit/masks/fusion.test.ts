import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  computeFeatures,
  FUSION_FEATURES,
  maxFilter,
  pixelFeatures,
  type FusionInputs,
} from '../../../electron/core/masks/fusion/features.js';
import { fitLogistic } from '../../../electron/core/masks/fusion/fit.js';
import { findLabelledCases } from '../../../electron/core/masks/fusion/labelled.js';
import {
  fuseClouds,
  gateMaximum,
  linearScore,
  type FusionModel,
} from '../../../electron/core/masks/fusion/model.js';
import { loadCard } from '../../../electron/core/models/card-load.js';
import { validateCard } from '../../../electron/core/models/card-validate.js';
import { runModel } from '../../../electron/core/pipeline/run-model.js';
import { readRasterBand } from '../../../electron/core/masks/raster-io.js';
import { ROOT, SHARED_DATA } from '../../helpers/env.js';

const CARD = join(ROOT, 'native-models', 'dl-l8s2-uv-6b', 'model.json');

function inputs(
  width: number,
  height: number,
  fill: Partial<Record<keyof FusionInputs, number>>,
): FusionInputs {
  const n = width * height;
  const arr = (v: number | undefined): Float32Array => new Float32Array(n).fill(v ?? 0.1);
  return {
    width,
    height,
    probability: arr(fill.probability as number | undefined),
    blue: arr(fill.blue as number | undefined),
    green: arr(fill.green as number | undefined),
    red: arr(fill.red as number | undefined),
    nir: arr(fill.nir as number | undefined),
    swir2: arr(fill.swir2 as number | undefined),
  };
}

describe('fusion features', () => {
  it('maxFilter equals the brute-force window maximum for every radius and shape', () => {
    let seed = 11;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const [w, h] of [
      [1, 1],
      [3, 2],
      [17, 5],
      [8, 31],
      [40, 26],
    ] as const)
      for (const radius of [0, 1, 2, 3, 4, 6]) {
        const src = Float32Array.from({ length: w * h }, () => (rand() < 0.15 ? NaN : rand()));
        const got = maxFilter(src, w, h, radius);
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            let best = -Infinity;
            for (let yy = Math.max(0, y - radius); yy <= Math.min(h - 1, y + radius); yy++)
              for (let xx = Math.max(0, x - radius); xx <= Math.min(w - 1, x + radius); xx++) {
                const v = src[yy * w + xx]!;
                if (v > best) best = v;
              }
            expect(got[y * w + x], `${w}x${h} r${radius} at ${x},${y}`).toBe(best === -Infinity ? NaN : best);
          }
      }
  });

  it('maxFilter windows compose: the 13 x 13 maximum is the 9 x 9 maximum of the 5 x 5 one', () => {
    const w = 37;
    const h = 23;
    const src = new Float32Array(w * h);
    let seed = 7;
    for (let i = 0; i < src.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      src[i] = seed % 11 === 0 ? NaN : (seed % 1000) / 1000;
    }
    for (let y = 0; y < 4; y++) for (let x = 0; x < 9; x++) src[y * w + x] = NaN; // an all-NaN corner
    const direct = maxFilter(src, w, h, 6);
    const composed = maxFilter(maxFilter(src, w, h, 2), w, h, 4);
    expect(Array.from(composed)).toEqual(Array.from(direct));
    // And the direct one is the brute-force maximum.
    for (const [x, y] of [
      [0, 0],
      [36, 22],
      [18, 11],
      [3, 20],
    ] as const) {
      let best = -Infinity;
      for (let yy = Math.max(0, y - 6); yy <= Math.min(h - 1, y + 6); yy++)
        for (let xx = Math.max(0, x - 6); xx <= Math.min(w - 1, x + 6); xx++) {
          const v = src[yy * w + xx]!;
          if (v > best) best = v;
        }
      expect(direct[y * w + x]).toBe(best === -Infinity ? NaN : Math.fround(best));
    }
  });

  it('maxFilter takes the window maximum, clamped at the edges, skipping NaN', () => {
    const src = Float32Array.from([
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      NaN,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0.9,
    ]);
    const out = maxFilter(src, 5, 5, 1);
    expect(out[24]).toBeCloseTo(0.9);
    expect(out[18]).toBeCloseTo(0.9); // (3,3) neighbours (4,4)
    expect(out[12]).toBe(0); // (2,2): NaN at (3,1) skipped, 0.9 is two away
    expect(out[0]).toBe(0);
    const allNaN = maxFilter(new Float32Array(4).fill(NaN), 2, 2, 1);
    expect(Number.isNaN(allNaN[0]!)).toBe(true);
  });

  it('computes the documented quantities', () => {
    const inp = inputs(1, 1, { probability: 0.5, blue: 0.3, green: 0.2, red: 0.1, nir: 0.3, swir2: 0.15 });
    const [lp, br, wh, hot, ndvi, b12] = computeFeatures(inp, [
      'logitP',
      'brightness',
      'whiteness',
      'hot',
      'ndvi',
      'b12',
    ]);
    expect(lp![0]).toBeCloseTo(0, 5);
    expect(br![0]).toBeCloseTo(0.2, 5);
    expect(wh![0]).toBeCloseTo((0.1 + 0 + 0.1) / 0.2, 5);
    expect(hot![0]).toBeCloseTo(0.3 - 0.05 - 0.08, 5);
    expect(ndvi![0]).toBeCloseTo(0.5, 5);
    expect(b12![0]).toBeCloseTo(0.15, 5);
  });
});

describe('logistic fit', () => {
  it('recovers the weights of a known logistic model', () => {
    // Deterministic pseudo-random samples from P(y=1) = sigmoid(2 x0 - 1 x1 + 0.5).
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const n = 40_000;
    const x = new Float64Array(n * 2);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const a = rand() * 4 - 2;
      const b = rand() * 4 - 2;
      x[2 * i] = a;
      x[2 * i + 1] = b;
      y[i] = rand() < 1 / (1 + Math.exp(-(2 * a - b + 0.5))) ? 1 : 0;
    }
    const fit = fitLogistic({ x, y, k: 2 }, 0);
    // Back from standardised to raw units.
    const w0 = fit.weights[0]! / fit.std[0]!;
    const w1 = fit.weights[1]! / fit.std[1]!;
    const b = fit.bias - w0 * fit.mean[0]! - w1 * fit.mean[1]!;
    expect(w0).toBeCloseTo(2, 0);
    expect(w1).toBeCloseTo(-1, 0);
    expect(Math.abs(b - 0.5)).toBeLessThan(0.15);
  });
});

describe('fuseClouds', () => {
  const model: FusionModel = {
    features: ['logitP', 'brightness'],
    mean: [0, 0],
    std: [1, 0.1],
    weights: [1, 1],
    bias: -1,
    threshold: 0.5,
    gate: 0.3,
  };

  it('adds bright cloud next to the CNN clouds, but never where the CNN sees no hint', () => {
    const w = 12;
    const inp = inputs(w, 1, { probability: 0.05, blue: 0.5, green: 0.5, red: 0.5 });
    inp.probability[0] = 0.9; // a confident CNN cloud at the left edge
    const classes = Uint8Array.from(inp.probability, (p) => (p > 0.5 ? 2 : 1));
    const r = fuseClouds(classes, inp, model);
    // Within 2 px of the CNN's cloud the gate opens and brightness wins; further away it stays clear.
    expect([...classes.slice(0, 4)]).toEqual([2, 2, 2, 1]);
    expect(classes.slice(3).every((c) => c === 1)).toBe(true);
    expect(r.changed.toCloud).toBe(2);
  });

  it('keeps no data, semi-transparent and shadow, and pixels with missing features', () => {
    const inp = inputs(4, 1, { probability: 0.9, blue: 0.5, green: 0.5, red: 0.5 });
    inp.blue[3] = NaN;
    const classes = Uint8Array.from([0, 3, 4, 2]);
    fuseClouds(classes, inp, { ...model, bias: -100 }); // the model would call everything clear
    expect([...classes]).toEqual([0, 3, 4, 2]);
  });

  it('decides every pixel as the gate maximum, pixelFeatures and linearScore do (any gate radius, NaN)', () => {
    // The reference: the float gate maximum and the per-pixel feature vector and score, as the
    // fused decision was first written; fuseClouds' binary gate and inlined score must agree.
    const [w, h] = [37, 23];
    let seed = 7;
    const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const inp = inputs(w, h, {});
    for (const key of ['probability', 'blue', 'green', 'red', 'nir', 'swir2'] as const) {
      for (let i = 0; i < w * h; i++)
        inp[key][i] = rnd() < 0.03 ? NaN : key === 'probability' ? rnd() ** 3 : rnd() * 0.6;
    }
    const card: FusionModel = {
      features: ['b12', 'logitMax5', 'logitP', 'whiteness', 'ndvi', 'hot', 'brightness'],
      mean: [0.1, -2, -3, 0.3, 0.2, 0, 0.2],
      std: [0.1, 5, 4.6, 0.2, 0.16, 0.04, 0.11],
      weights: [0.5, 0.9, 0.7, -0.6, -0.6, 0.8, 0.7],
      bias: -0.8,
      threshold: 0.5,
      gate: 0.4,
    };
    const classes0 = Uint8Array.from({ length: w * h }, () => [0, 1, 1, 2, 2, 3, 4][Math.floor(rnd() * 7)]!);
    for (const gateRadius of [0, 1, 2, 3, 6]) {
      for (const gate of [0, 0.4, 0.95]) {
        const m = { ...card, gate, gateRadius };
        const max5 = maxFilter(inp.probability, w, h, 2);
        const gateMax = gateMaximum(inp, max5, m);
        const score = linearScore(m);
        const zCut = Math.log(m.threshold / (1 - m.threshold));
        const x = new Float64Array(FUSION_FEATURES.length);
        const want = classes0.slice();
        for (let i = 0; i < want.length; i++) {
          if (want[i] !== 1 && want[i] !== 2) continue;
          if (!(gateMax[i]! >= gate)) {
            if (want[i] === 2) want[i] = 1;
            continue;
          }
          pixelFeatures(inp, max5, i, x);
          const z = score(x);
          if (!Number.isNaN(z)) want[i] = z > zCut ? 2 : 1;
        }
        const got = classes0.slice();
        fuseClouds(got, inp, m);
        expect([...got], `gate ${gate} radius ${gateRadius}`).toEqual([...want]);
      }
    }
  });

  it('card validation refuses an inconsistent fusion block', async () => {
    const card = (await import('node:fs')).readFileSync(CARD, 'utf8');
    const json = JSON.parse(card) as { fusion: { weights: number[]; features: string[] } };
    json.fusion.weights = json.fusion.weights.slice(1);
    expect(() => validateCard(json, 'x.json')).toThrow(/fusion.weights.*one value per feature/);
    json.fusion.features[0] = 'rainbow';
    expect(() => validateCard(json, 'x.json')).toThrow(/fusion.features/);
  });
});

const cases = findLabelledCases(SHARED_DATA);
describe.skipIf(cases.length === 0)('fused default on the real labelled cases', () => {
  it('the default card carries a fusion fitted on the labelled cases', async () => {
    const card = await loadCard(CARD);
    expect(card.fusion?.features.length).toBeGreaterThan(3);
    expect(card.fusion?.provenance?.cases).toEqual(cases.map((c) => `labelled-${c.name}`));
  });

  it('beats the CNN alone on cloud F1 at 20 m on every case (regression floor)', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const tmp = await mkdtemp(join(tmpdir(), 's2-fusion-'));
    try {
      for (const c of cases) {
        const ref = (await readRasterBand(c.reference)).values;
        const f1 = async (fusion: boolean): Promise<number> => {
          const r = await runModel({
            product: c.safe,
            resolution: 20,
            classesOut: join(tmp, `${c.name}-${fusion}.tif`),
            keepClasses: true,
            fusion,
          });
          let tp = 0;
          let fp = 0;
          let fn = 0;
          const W = r.grid.width;
          for (let y = 0; y < 2 * r.grid.height; y++)
            for (let x = 0; x < 2 * r.grid.width; x++) {
              const rv = ref[y * 2 * W + x]!;
              if (!rv) continue;
              const p = r.classes![(y >> 1) * W + (x >> 1)]!;
              const pc = p === 2 || p === 3;
              if (pc && rv === 2) tp++;
              else if (pc) fp++;
              else if (rv === 2) fn++;
            }
          return (2 * tp) / (2 * tp + fp + fn);
        };
        const fused = await f1(true);
        const alone = await f1(false);
        expect(fused, c.name).toBeGreaterThan(alone + 0.05);
        expect(fused, c.name).toBeGreaterThan(0.8);
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

it('the labelled-case finder only takes complete cases', () => {
  expect(findLabelledCases(join(ROOT, 'no-such-folder'))).toEqual([]);
  for (const c of cases) expect(existsSync(c.safe) && existsSync(c.reference)).toBe(true);
});
