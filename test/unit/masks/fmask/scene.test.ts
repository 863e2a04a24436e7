import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadShadowDetector,
  runFmask,
  type FmaskResult,
} from '../../../../electron/core/masks/fmask/index.js';
import { destroySharedDecoder } from '../../../../electron/core/raster/jp2/index.js';
import { openProduct } from '../../../../electron/core/scene/index.js';
import { readClassRaster, readReflectance } from '../../../../electron/core/scene/reflectance.js';
import type { Product } from '../../../../electron/core/scene/types.js';
import { makeScene } from '../../../fixtures/make-scene.js';
import { DATA_DIR, hasTool } from '../../../helpers/env.js';

const tools = hasTool('opj_compress');

describe.skipIf(!tools)('built-in Fmask on the generated small L1C product', () => {
  let product: Product;
  let result: FmaskResult;

  beforeAll(async () => {
    const { safePath } = await makeScene({ size: 'small', outDir: join(DATA_DIR, 'scenes'), log: () => {} });
    product = await openProduct(safePath);
    result = await runFmask(product, { resolution: 20 });
  }, 120_000);
  afterAll(async () => {
    await product?.close();
    await destroySharedDecoder();
  });

  it('recovers > 70 % of the MSK_CLASSI opaque clouds', async () => {
    const entry = product.masks.find((m) => m.kind === 'MSK_CLASSI');
    expect(entry).toBeDefined();
    const classi = await readClassRaster(product, entry!, { resolution: 20, method: 'nearest' });
    const opaque = classi.components[0]!;
    let pos = 0;
    let tp = 0;
    for (let i = 0; i < opaque.length; i++) {
      if (!opaque[i] || result.codes[i] === 255) continue;
      pos++;
      if (result.codes[i] === 4) tp++;
    }
    expect(pos).toBeGreaterThan(1000);
    expect(tp / pos).toBeGreaterThan(0.7);
  });

  it('no data (the swath wedge) is 255, and only there', async () => {
    const { data } = await readReflectance(product, { bands: ['B8A'], resolution: 20 });
    const b8a = data[0]!;
    let nodata = 0;
    for (let i = 0; i < b8a.length; i++) {
      if (Number.isNaN(b8a[i]!)) {
        nodata++;
        expect(result.codes[i]).toBe(255);
      }
    }
    expect(nodata).toBeGreaterThan(0);
    expect(result.shares['no data']).toBeGreaterThan(0);
  });

  it('the lake is mostly water', async () => {
    // The generator puts the lake (radius 7 % of the width) at one of a few cell centres; the
    // centre whose inner disc has the darkest NIR is the lake.
    const { grid } = result;
    const { data } = await readReflectance(product, { bands: ['B08'], resolution: 20 });
    const nir = data[0]!;
    const r = 0.035 * grid.width;
    const disc = (cx: number, cy: number): number[] => {
      const idx: number[] = [];
      for (let y = Math.floor(cy - r); y <= cy + r; y++)
        for (let x = Math.floor(cx - r); x <= cx + r; x++)
          if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) idx.push(y * grid.width + x);
      return idx;
    };
    let best: number[] = [];
    let bestNir = Infinity;
    for (let cy = 1; cy < 5; cy++) {
      for (let cx = 2; cx < 5; cx++) {
        const idx = disc(((cx + 0.5) / 6) * grid.width, ((cy + 0.5) / 6) * grid.height);
        const m = idx.reduce((a, i) => a + (Number.isFinite(nir[i]!) ? nir[i]! : 1), 0) / idx.length;
        if (m < bestNir) [best, bestNir] = [idx, m];
      }
    }
    expect(bestNir).toBeLessThan(0.1);
    const water = best.filter((i) => result.codes[i] === 1).length;
    const notCloudy = best.filter((i) => result.codes[i] !== 4 && result.codes[i] !== 2).length;
    expect(notCloudy).toBeGreaterThan(0.5 * best.length);
    expect(water / notCloudy).toBeGreaterThan(0.8);
  });

  it('class shares and stage timings are reported', () => {
    const total = ['clear land', 'water', 'cloud shadow', 'snow', 'cloud'].reduce(
      (a, k) => a + (result.shares[k] ?? 0),
      0,
    );
    expect(total).toBeCloseTo(1, 6);
    expect(result.timings.read).toBeGreaterThan(0);
  });

  it('uses the geometric shadow detector when it is exported', async (ctx) => {
    if (!(await loadShadowDetector())) ctx.skip();
    expect(result.shadow).toBe('geometric');
    expect(result.shares['cloud shadow']).toBeGreaterThan(0);
  });
});
