/** Adapters on real data, checked against GDAL's reading of the same files. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classCounts, loadMask, SCL_TABLE } from '../../../../electron/core/masks/adapters/index.js';
import { hasTool, SHARED_DATA } from '../../../helpers/env.js';
import { gdalBandValues, histogram, tempDir } from './gdal-helpers.js';

const KM = join(SHARED_DATA, 'kappamask-predictions');
const SCL_DIR = join(SHARED_DATA, 'sen2r-tiny-l1c-l2a-scl');
const T31TCJ = join(SHARED_DATA, 'safe-T31TCJ-2024');
const gdalOk = hasTool('gdal_translate');

describe.skipIf(!gdalOk)('KappaMask GeoTIFF outputs (real, 509 x 509, EPSG:32638)', () => {
  for (const name of ['L1C_kappamask.tif', 'L2A_kappamask.tif']) {
    it(`${name}: class counts equal GDAL's value counts through the KappaMask table`, async () => {
      const file = join(KM, name);
      const mask = await loadMask(file);
      expect(mask.source).toBe('KappaMask [guessed from file name]');
      expect(mask.grid).toEqual({
        epsg: 32638,
        width: 509,
        height: 509,
        transform: [371180, 10, 0, 3398770, 0, -10],
      });
      const h = histogram(gdalBandValues(file, 1, tempDir()));
      const c = (v: number): number => h.get(v) ?? 0;
      const others = [...h.keys()].filter((v) => ![1, 2, 3, 4, 5].includes(v));
      // Everything else GDAL reads is its no-data (-3.4e38) or NaN.
      for (const v of others) expect(v < -1e38 || Number.isNaN(v)).toBe(true);
      const noData = others.reduce((s, v) => s + c(v), 0);
      expect(classCounts(mask.data)).toEqual([c(5) + noData, c(1), c(4), c(3), c(2)]);
      expect(mask.unmapped).toEqual({});
    });
  }
});

describe.skipIf(!gdalOk)('Sen2Cor SCL GeoTIFF (real sen2r crops)', () => {
  const files = readdirSync(SCL_DIR).filter((f) => /_SCL_/.test(f) && f.endsWith('.tif'));
  it('finds both dates', () => expect(files).toHaveLength(2));
  for (const f of files) {
    it(`${f}: mapping counts equal the raw values mapped by the SCL table`, async () => {
      const file = join(SCL_DIR, f);
      const mask = await loadMask(file, { adapter: 'scl' });
      const raw = gdalBandValues(file, 1, tempDir());
      const expected = [0, 0, 0, 0, 0];
      for (const v of raw) expected[SCL_TABLE[String(v)] ?? 0]! += 1;
      expect(classCounts(mask.data)).toEqual(expected);
      for (let i = 0; i < raw.length; i++) expect(mask.data[i]).toBe(SCL_TABLE[String(raw[i])]);
    });
  }
});

describe.skipIf(!gdalOk)('MSK_CLASSI of the real cloudy T31TCJ L1C (S2B 2024-03-05)', () => {
  it('opaque -> cloud, cirrus -> semi-transparent, snow/none -> clear, as GDAL reads the layers', async () => {
    const safe = readdirSync(T31TCJ).find((d) => d.startsWith('S2B') && d.endsWith('.SAFE'));
    const product = join(T31TCJ, safe ?? '');
    const mask = await loadMask(product, { adapter: 'msk-classi' });
    const granule = readdirSync(join(product, 'GRANULE'))[0] ?? '';
    const jp2 = join(product, 'GRANULE', granule, 'QI_DATA', 'MSK_CLASSI_B00.jp2');
    const dir = tempDir();
    const [opaque, cirrus] = [1, 2].map((b) => gdalBandValues(jp2, b, dir)) as [Float32Array, Float32Array];
    const expected = [0, 0, 0, 0, 0];
    for (let i = 0; i < opaque.length; i++) expected[opaque[i] ? 2 : cirrus[i] ? 3 : 1]! += 1;
    expect(mask.grid.width).toBe(1830);
    // The product footprint covers the whole tile: no pixel is no data.
    expect(classCounts(mask.data)).toEqual(expected);
    expect(expected[2]).toBe(1578974);
    expect(expected[3]).toBe(563003);
  });
});

describe('MSK_CLDPRB of GDAL fake L2A products (all-zero JP2s)', () => {
  it('opens and maps probability 0 to clear inside the footprint', async () => {
    const root = join(SHARED_DATA, 'gdal-fake-safe', 'fake_l2a_processing_baseline_5_09');
    const safe = readdirSync(root).find((d) => d.endsWith('.SAFE')) ?? '';
    const mask = await loadMask(join(root, safe), { adapter: 'msk-cldprb' });
    const counts = classCounts(mask.data);
    expect(counts.slice(2)).toEqual([0, 0, 0]);
    expect(counts[1]).toBeGreaterThan(0);
    expect(mask.source).toBe('Sen2Cor MSK_CLDPRB');
  });
});

describe('product masks guessed from the product level (GDAL fake L2A: TIFF stored as .jp2)', () => {
  it('an L2A product gives its SCL', async () => {
    const root = join(SHARED_DATA, 'gdal-fake-safe', 'fake_l2a_processing_baseline_5_09');
    const safe = readdirSync(root).find((d) => d.endsWith('.SAFE')) ?? '';
    const mask = await loadMask(join(root, safe));
    expect(mask.source).toBe('Sen2Cor SCL [guessed from product level]');
    expect(mask.grid.transform[1]).toBe(20);
  });
});
