import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuggestCommand, SUGGEST_USAGE } from '../../electron/cli/suggest.js';
import { readLabels } from '../../electron/core/labels/index.js';
import { readRasterBand } from '../../electron/core/masks/raster-io.js';
import { maxFilter } from '../../electron/core/masks/fusion/features.js';
import { fusedProbability, gateMaximum } from '../../electron/core/masks/fusion/model.js';
import { openVector } from '../../electron/core/masks/vector/index.js';
import { loadModelCard } from '../../electron/core/models/catalog.js';
import { loadTeachInputs } from '../../electron/core/teach/index.js';
import { pickSpread, suggestPlaces } from '../../electron/core/suggest/index.js';
import { DATA_DIR, ROOT, SHARED_DATA } from '../helpers/env.js';

describe('pickSpread', () => {
  it('takes the best places, never two closer than the minimum distance, never a zero score', () => {
    const w = 100;
    const h = 60;
    const score = new Float32Array(w * h);
    // A hot line along row 10 (would take every pick if spread were ignored) and a few spots.
    for (let x = 0; x < w; x++) score[10 * w + x] = 0.9 + x / 1e4;
    score[50 * w + 80] = 0.5;
    score[40 * w + 20] = 0.4;
    const picked = pickSpread(score, w, h, { count: 8, minDistance: 15 });
    expect(picked.length).toBeGreaterThan(4);
    expect(picked[0]).toBe(10 * w + 99); // the best pixel first
    for (const [a, i] of picked.entries())
      for (const j of picked.slice(a + 1))
        expect(Math.hypot((i % w) - (j % w), Math.floor(i / w) - Math.floor(j / w))).toBeGreaterThanOrEqual(
          15,
        );
    expect(picked).toContain(50 * w + 80);
    for (const i of picked) expect(score[i]).toBeGreaterThan(0);
    expect(pickSpread(new Float32Array(w * h), w, h, { count: 5 })).toEqual([]);
  });
});

const CASE = join(SHARED_DATA, 'labelled-landsat7');

describe('suggest on a real labelled case', () => {
  let models = '';
  let work = '';
  const saved = process.env.S2_MODELS_DIR;
  const present = existsSync(CASE);
  const safe = present
    ? join(
        CASE,
        readdirSync(CASE).find((f) => f.endsWith('.SAFE'))!,
      )
    : '';

  beforeAll(async () => {
    models = await mkdtemp(join(tmpdir(), 's2suggest-models-'));
    work = await mkdtemp(join(tmpdir(), 's2suggest-'));
    await cp(join(ROOT, 'native-models', 'dl-l8s2-uv-6b'), join(models, 'dl-l8s2-uv-6b'), {
      recursive: true,
    });
    process.env.S2_MODELS_DIR = models;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.S2_MODELS_DIR;
    else process.env.S2_MODELS_DIR = saved;
    await rm(models, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('suggests spread places where the mask is wrong far more often than elsewhere', async (ctx) => {
    if (!present) ctx.skip(`${CASE} is missing (../shared/data not present)`);
    const r = await suggestPlaces({
      product: safe,
      resolution: 10,
      count: 60,
      cacheDir: join(DATA_DIR, 'teach-cache'),
      // MSK_CLASSI of these cases was rebuilt from the labels: comparing with it would cheat.
      productMask: false,
    });
    expect(r.suggestions).toHaveLength(60);
    expect(r.compared).toEqual(['Fmask (built-in)']);
    const ref = await readRasterBand(join(CASE, 'reference_10m.tif'));
    const w = r.grid.width;
    const wrongAt = (i: number, mask: number): boolean => {
      const t = ref.values[i]!;
      return t !== 0 && (t === 2 ? 1 : 0) !== mask;
    };
    const labelled = r.suggestions.filter((s) => ref.values[s.row * w + s.col] !== 0);
    const wrong = labelled.filter((s) => wrongAt(s.row * w + s.col, s.mask)).length / labelled.length;
    // The mask's error rate over the whole scene, from the same cloud calls (fused probability
    // above the threshold inside the gate) at every labelled pixel.
    const card = await loadModelCard('dl-l8s2-uv-6b', { root: models });
    const t = await loadTeachInputs({
      product: safe,
      card,
      resolution: 10,
      cacheDir: join(DATA_DIR, 'teach-cache'),
    });
    const m = card.fusion!;
    const q = fusedProbability(t.inputs, m);
    const gate = gateMaximum(t.inputs, maxFilter(t.inputs.probability, w, r.grid.height, 2), m);
    let n = 0;
    let errors = 0;
    for (let i = 0; i < q.length; i++) {
      if (ref.values[i] === 0) continue;
      n++;
      if (wrongAt(i, gate[i]! >= m.gate && q[i]! > m.threshold ? 1 : 0)) errors++;
    }
    const everywhere = errors / n;
    expect(everywhere).toBeGreaterThan(0.03);
    expect(everywhere).toBeLessThan(0.15);
    expect(wrong).toBeGreaterThan(3 * everywhere);
    const ranks = r.suggestions.map((s) => s.rank);
    expect(ranks).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    for (const s of r.suggestions) expect(s.reasons.length).toBeGreaterThan(0);
  });

  it('s2cloud suggest writes GeoJSON points in the product CRS, without a class', async (ctx) => {
    if (!present) ctx.skip(`${CASE} is missing (../shared/data not present)`);
    const out = join(work, 'points.geojson');
    let text = '';
    const io = { stdout: { write: (s: string) => (text += s) }, stderr: { write: () => true } };
    expect(
      await runSuggestCommand(
        [safe, '--out', out, '--count', '12', '--resolution', '10', '--no-product-mask'],
        io,
      ),
    ).toBe(0);
    expect(text).toMatch(/12 places to label/);
    const src = await openVector(out);
    expect(src.crs.epsg).toBe(32631);
    const feats = [...src.features()];
    expect(feats).toHaveLength(12);
    expect(feats[0]!.geometry.type).toBe('Point');
    expect(src.fields).toContain('reasons');
    expect(src.fields).not.toContain('class');
    // Not a label file until someone gives the places a class.
    await expect(readLabels(out)).rejects.toThrow(/labels need a "class" attribute/);
    expect(JSON.parse(await readFile(out, 'utf8')).features[0].properties.rank).toBe(1);
    expect(await runSuggestCommand([safe, '--out', 'x.tif'], io)).toBe(2);
    expect(await runSuggestCommand([safe, '--out', out, '--count', '0'], io)).toBe(2);
    expect(SUGGEST_USAGE).toMatch(/^suggest <product> --out/);
  });
});
