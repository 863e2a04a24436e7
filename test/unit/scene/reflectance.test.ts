import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroySharedDecoder } from '../../../electron/core/raster/jp2/index.js';
import { openProduct } from '../../../electron/core/scene/index.js';
import {
  pickBandFile,
  productGrid,
  readClassRaster,
  readReflectance,
} from '../../../electron/core/scene/reflectance.js';
import type { Product } from '../../../electron/core/scene/types.js';
import { makeScene } from '../../fixtures/make-scene.js';
import { DATA_DIR, hasTool, SHARED_DATA } from '../../helpers/env.js';
import { gdalRead, gdalTranslateRaw } from '../../helpers/gdal-raw.js';

const CLOUDY = join(
  SHARED_DATA,
  'safe-T31TCJ-2024/S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE',
);
const tools = hasTool('gdal_translate') && hasTool('opj_compress');

/** Reflectance as the product defines it, computed here from raw DNs. */
function toRefl(dn: ArrayLike<number>, offset: number, q: number): Float32Array {
  return Float32Array.from({ length: dn.length }, (_, i) =>
    dn[i] === 0 ? NaN : ((dn[i] as number) + offset) / q,
  );
}

function maxAbsDiff(a: Float32Array, b: Float32Array, skip?: (i: number) => boolean): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (skip?.(i)) continue;
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
      continue;
    }
    m = Math.max(m, Math.abs(x - y));
  }
  return m;
}

describe.skipIf(!tools)('reflectance of a generated L1C product (baseline 05.10, offset -1000)', () => {
  let product: Product;
  const tmp = mkdtempSync(join(tmpdir(), 's2-refl-'));
  const file = (path: string): string => join(product.sourcePath, path);

  beforeAll(async () => {
    const { safePath } = await makeScene({ size: 'small', outDir: join(DATA_DIR, 'scenes'), log: () => {} });
    product = await openProduct(safePath);
  });
  afterAll(async () => {
    await product?.close();
    await destroySharedDecoder();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('applies the offset and quantification from the metadata, DN 0 as no data', async () => {
    const m = product.metadata;
    expect(m.offsets.B02).toBe(-1000);
    const win = { x: 0, y: 0, width: productGrid(product, 10).width, height: 40 };
    const stack = await readReflectance(product, { bands: ['B02', 'B08'], resolution: 10, window: win });
    for (const [i, band] of (['B02', 'B08'] as const).entries()) {
      const dn = gdalRead(
        tmp,
        file(pickBandFile(product, band, 10).path),
        ['-srcwin', '0', '0', `${win.width}`, '40'],
        'UInt16',
      );
      expect(maxAbsDiff(stack.data[i]!, toRefl(dn, m.offsets[band], m.quantificationValue))).toBe(0);
    }
    // The generator leaves a no-data wedge at the swath edge: some NaN, most values in range.
    const b02 = stack.data[0]!;
    const finite = b02.filter(Number.isFinite);
    expect(finite.length).toBeGreaterThan(0.5 * b02.length);
    expect(Math.min(...finite)).toBeGreaterThan(-0.1);
    expect(Math.max(...finite)).toBeLessThan(1.6);
  });

  it('returns the grid of the window', async () => {
    const stack = await readReflectance(product, {
      bands: ['B04'],
      resolution: 20,
      window: { x: 10, y: 20, width: 30, height: 40 },
    });
    const g = productGrid(product, 20);
    expect(stack.grid).toEqual({
      epsg: 32631,
      width: 30,
      height: 40,
      transform: [g.transform[0] + 200, 20, 0, g.transform[3] - 400, 0, -20],
    });
  });

  it('block-averages 10 m bands to 20 m and 60 m like GDAL -r average', async () => {
    const g10 = productGrid(product, 10);
    for (const res of [20, 60] as const) {
      const g = productGrid(product, res);
      const stack = await readReflectance(product, { bands: ['B03'], resolution: res });
      const path = file(pickBandFile(product, 'B03', 10).path);
      const k = res / 10;
      // GDAL averages DNs over the whole (k-divisible) extent; blocks that touch no data are
      // compared separately (GDAL counts those zeros, we leave them out). GDAL would read the
      // JP2's wavelet overviews when asked for a smaller size, so it averages a raw copy.
      const srcwin = ['-srcwin', '0', '0', `${g.width * k}`, `${g.height * k}`];
      const copy = gdalTranslateRaw(tmp, path, srcwin, 'UInt16');
      // GDAL rounds averages of integers to whole DNs: up to 0.5 DN = 5e-5 in reflectance.
      const dn = gdalRead(tmp, copy, ['-r', 'average', '-outsize', `${g.width}`, `${g.height}`], 'Float32');
      const raw = gdalRead(tmp, path, srcwin, 'UInt16');
      const touchesNoData = (i: number): boolean => {
        const bx = (i % g.width) * k;
        const by = Math.floor(i / g.width) * k;
        for (let y = by; y < by + k; y++)
          for (let x = bx; x < bx + k; x++) if (raw[y * g.width * k + x] === 0) return true;
        return false;
      };
      const expected = Float32Array.from(dn, (v) => (v - 1000) / 10000);
      expect(g10.width / k).toBeGreaterThanOrEqual(g.width - 1);
      expect(maxAbsDiff(stack.data[0]!, expected, touchesNoData)).toBeLessThan(1e-4);
      const partial = [...stack.data[0]!.keys()].filter(touchesNoData);
      expect(partial.length).toBeGreaterThan(0);
      for (const i of partial)
        expect(Number.isNaN(stack.data[0]![i]!) || stack.data[0]![i]! > -0.1).toBe(true);
    }
  });

  it('can coarsen through the JPEG2000 resolution levels instead (GDAL overviews of the band)', async () => {
    const g20 = productGrid(product, 20);
    const path = file(pickBandFile(product, 'B03', 10).path);
    const fast = await readReflectance(product, { bands: ['B03'], resolution: 20, coarsening: 'jp2-level' });
    // GDAL serves a half-size request of a JP2 from its level-1 decode.
    const dn = gdalRead(tmp, path, ['-outsize', `${g20.width}`, `${g20.height}`], 'UInt16');
    expect(maxAbsDiff(fast.data[0]!, toRefl(dn, -1000, 10000))).toBe(0);
    const exact = await readReflectance(product, { bands: ['B03'], resolution: 20 });
    // Close to the block average, not equal to it.
    const d = maxAbsDiff(
      fast.data[0]!,
      exact.data[0]!,
      (i) => Number.isNaN(exact.data[0]![i]!) || Number.isNaN(fast.data[0]![i]!),
    );
    expect(d).toBeGreaterThan(0);
    let sum = 0;
    let n = 0;
    fast.data[0]!.forEach((v, i) => {
      const e = exact.data[0]![i]!;
      if (Number.isFinite(v) && Number.isFinite(e)) {
        sum += Math.abs(v - e);
        n++;
      }
    });
    expect(sum / n).toBeLessThan(0.01);
  });

  it('interpolates 20 m bands to 10 m (bilinear like GDAL; nearest on request)', async () => {
    const g20 = productGrid(product, 20);
    const win = { x: 40, y: 40, width: 200, height: 160 };
    const path = file(pickBandFile(product, 'B11', 10).path);
    const dn = gdalRead(
      tmp,
      path,
      ['-r', 'bilinear', '-outsize', `${g20.width * 2}`, `${g20.height * 2}`],
      'Float32',
    );
    const W = g20.width * 2;
    const expected = new Float32Array(win.width * win.height);
    for (let y = 0; y < win.height; y++)
      for (let x = 0; x < win.width; x++) expected[y * win.width + x] = dn[(win.y + y) * W + win.x + x]!;
    const bil = await readReflectance(product, { bands: ['B11'], resolution: 10, window: win });
    const refl = Float32Array.from(expected, (v) => (v - 1000) / 10000);
    // Away from no data, interpolating DNs or reflectances is the same linear operation.
    expect(maxAbsDiff(bil.data[0]!, refl, (i) => expected[i]! < 1000)).toBeLessThan(1e-4);

    const near = await readReflectance(product, {
      bands: ['B11'],
      resolution: 10,
      window: win,
      upsampling: 'nearest',
    });
    const src = gdalRead(tmp, path, ['-srcwin', '20', '20', '100', '80'], 'UInt16');
    expect(near.data[0]![0]).toBe(src[0] === 0 ? NaN : Math.fround((src[0]! - 1000) / 10000));
    expect(near.data[0]![1]).toBe(near.data[0]![0]);
  });

  it('can be cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      readReflectance(product, { bands: ['B02'], resolution: 10, signal: ac.signal }),
    ).rejects.toMatchObject({
      code: 'CANCELLED',
    });
  });

  it('says which band is missing and which window is wrong', async () => {
    await expect(readReflectance(product, { bands: ['SCL' as 'B02'], resolution: 20 })).rejects.toThrow(
      /no SCL band file/,
    );
    await expect(
      readReflectance(product, {
        bands: ['B02'],
        resolution: 60,
        window: { x: 5000, y: 0, width: 10, height: 10 },
      }),
    ).rejects.toThrow(/outside the 60 m grid/);
  });
});

describe.skipIf(!hasTool('gdal_translate'))(
  'class rasters and size checks on the real T31TCJ product',
  () => {
    let product: Product;
    const tmp = mkdtempSync(join(tmpdir(), 's2-class-'));
    beforeAll(async () => {
      product = await openProduct(CLOUDY);
    });
    afterAll(async () => {
      await product?.close();
      await destroySharedDecoder();
      rmSync(tmp, { recursive: true, force: true });
    });

    it('reads the full-tile MSK_CLASSI (opaque, cirrus, snow) exactly as GDAL does', async () => {
      const entry = product.masks.find((m) => m.kind === 'MSK_CLASSI');
      expect(entry).toBeDefined();
      const win = { x: 700, y: 900, width: 300, height: 200 };
      const mask = await readClassRaster(product, entry!, { resolution: 60, window: win });
      expect(mask.components).toHaveLength(3);
      const path = join(product.sourcePath, entry!.path);
      for (let b = 0; b < 3; b++) {
        const ref = gdalRead(tmp, path, ['-b', `${b + 1}`, '-srcwin', '700', '900', '300', '200'], 'Byte');
        expect(Buffer.from(mask.components[b]!).equals(Buffer.from(ref))).toBe(true);
      }
      const opaque = mask.components[0]!.reduce((s, v) => s + (v ? 1 : 0), 0);
      expect(opaque).toBeGreaterThan(0);
    });

    it('brings a 60 m class raster to 20 m by nearest neighbour', async () => {
      const entry = product.masks.find((m) => m.kind === 'MSK_CLASSI')!;
      const at60 = await readClassRaster(product, entry, {
        resolution: 60,
        window: { x: 100, y: 100, width: 10, height: 10 },
      });
      const at20 = await readClassRaster(product, entry, {
        resolution: 20,
        window: { x: 300, y: 300, width: 30, height: 30 },
      });
      for (let y = 0; y < 30; y++)
        for (let x = 0; x < 30; x++)
          expect(at20.components[0]![y * 30 + x]).toBe(
            at60.components[0]![Math.floor(y / 3) * 10 + Math.floor(x / 3)],
          );
    });

    it('refuses a band file whose size contradicts the tile metadata, naming it', async () => {
      // The shared product's band images were cut to 30 x 30 px; MTD_TL.xml still says 10980.
      await expect(
        readReflectance(product, {
          bands: ['B02'],
          resolution: 10,
          window: { x: 0, y: 0, width: 10, height: 10 },
        }),
      ).rejects.toThrow(
        /B02\.jp2 is 30 x 30 px but the tile metadata \(MTD_TL\.xml\) gives 10980 x 10980 px at 10 m/,
      );
    });
  },
);

describe.skipIf(!tools)('reflectance and SCL of a generated L2A product (baseline 05.09)', () => {
  let product: Product;
  const tmp = mkdtempSync(join(tmpdir(), 's2-l2a-'));
  beforeAll(async () => {
    const { safePath } = await makeScene({
      size: 'small',
      level: 'L2A',
      outDir: join(DATA_DIR, 'scenes'),
      log: () => {},
    });
    product = await openProduct(safePath);
  });
  afterAll(async () => {
    await product?.close();
    await destroySharedDecoder();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('uses BOA_ADD_OFFSET and reads Sen2Cor 20 m files directly at 20 m', async () => {
    const m = product.metadata;
    expect(m.level).toBe('L2A');
    expect(m.offsets.B04).toBe(-1000);
    const entry = pickBandFile(product, 'B04', 20);
    expect(entry.resolution).toBe(20); // ESA's own 20 m version, not our average of the 10 m one
    const win = { x: 5, y: 7, width: 50, height: 30 };
    const stack = await readReflectance(product, { bands: ['B04'], resolution: 20, window: win });
    const dn = gdalRead(
      tmp,
      join(product.sourcePath, entry.path),
      ['-srcwin', '5', '7', '50', '30'],
      'UInt16',
    );
    for (let i = 0; i < dn.length; i++) {
      const v = dn[i]!;
      expect(stack.data[0]![i]).toBe(
        v === 0 ? NaN : Math.fround((v + m.offsets.B04) / m.quantificationValue),
      );
    }
  });

  it('reads the aerosol and water-vapour layers in physical units (no offset)', async () => {
    const m = product.metadata;
    const win = { x: 3, y: 4, width: 20, height: 10 };
    const stack = await readReflectance(product, { bands: ['AOT', 'WVP'], resolution: 20, window: win });
    for (const [i, layer] of (['AOT', 'WVP'] as const).entries()) {
      const q = layer === 'AOT' ? (m.aotQuantificationValue ?? 1000) : (m.wvpQuantificationValue ?? 1000);
      const dn = gdalRead(
        tmp,
        join(product.sourcePath, pickBandFile(product, layer, 20).path),
        ['-srcwin', '3', '4', '20', '10'],
        'UInt16',
      );
      for (let k = 0; k < dn.length; k++)
        expect(stack.data[i]![k]).toBe(dn[k] === 0 ? NaN : Math.fround(dn[k]! / q));
    }
  });

  it('reads the SCL class map at 10 m by nearest neighbour, never averaged', async () => {
    const scl20 = await readClassRaster(product, 'SCL', {
      resolution: 20,
      window: { x: 0, y: 0, width: 40, height: 40 },
    });
    const scl10 = await readClassRaster(product, 'SCL', {
      resolution: 10,
      window: { x: 0, y: 0, width: 80, height: 80 },
    });
    for (let y = 0; y < 80; y++)
      for (let x = 0; x < 80; x++)
        expect(scl10.components[0]![y * 80 + x]).toBe(scl20.components[0]![(y >> 1) * 40 + (x >> 1)]);
    const values = new Set(scl20.components[0]);
    for (const v of values) expect(v).toBeLessThanOrEqual(11);
  });
});
