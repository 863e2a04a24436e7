/**
 * THEIA L2A (MAJA, MUSCATE format) products: metadata, catalogue, reflectance against GDAL, zip,
 * discovery, and the errors a half or wrong product gives. The product is built by
 * test/fixtures/make-theia.ts into .data/theia (git-ignored).
 */
import { cp, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S2Error } from '../../../electron/core/errors.js';
import { discoverProducts, openProduct, type Product } from '../../../electron/core/scene/index.js';
import { productGrid, readReflectance } from '../../../electron/core/scene/reflectance.js';
import {
  FRE_SHIFT,
  inWedge,
  makeTheia,
  NEGATIVE_ROW,
  NODATA,
  THEIA_NAME,
  THEIA_ULX,
  THEIA_ULY,
} from '../../fixtures/make-theia.js';
import { gdalRead } from '../../helpers/gdal-raw.js';
import { DATA_DIR, hasTool } from '../../helpers/env.js';

const tools = hasTool('opj_decompress') && hasTool('gdal_translate') && hasTool('zip');
const OUT = join(DATA_DIR, 'theia');

async function rejects(p: Promise<unknown>): Promise<S2Error> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(S2Error);
    return err as S2Error;
  }
  throw new Error('expected an S2Error');
}

describe.skipIf(!tools)('THEIA L2A products', () => {
  let folder = '';
  let zip = '';
  let tmp = '';
  let product: Product;

  beforeAll(async () => {
    const f = await makeTheia({ outDir: OUT, zip: true });
    folder = f.folder;
    zip = f.zip ?? '';
    tmp = await mkdtemp(join(tmpdir(), 's2-theia-test-'));
    product = await openProduct(folder);
  }, 120_000);

  afterAll(async () => {
    await product?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('reads the metadata: grids, EPSG, date, tile, scaling, format', () => {
    const m = product.metadata;
    expect(m.format).toBe('THEIA_MUSCATE');
    expect(m.level).toBe('L2A');
    expect(m.mission).toBe('S2A');
    expect(m.productName).toBe(THEIA_NAME);
    expect(m.tileId).toBe('31TDH');
    expect(m.sensingTime).toBe('2015-07-26T10:50:26.455Z');
    expect(m.relativeOrbit).toBe(51);
    expect(m.epsg).toBe(32631);
    expect(m.quantificationValue).toBe(10000);
    expect(m.noDataValue).toBe(NODATA);
    expect(Object.values(m.offsets).every((o) => o === 0)).toBe(true);
    expect(m.aotQuantificationValue).toBe(200);
    expect(m.wvpQuantificationValue).toBe(20);
    expect(m.grids[10]).toEqual({
      epsg: 32631,
      width: 300,
      height: 300,
      transform: [THEIA_ULX, 10, 0, THEIA_ULY, 0, -10],
    });
    expect(m.grids[20]).toEqual({
      epsg: 32631,
      width: 150,
      height: 150,
      transform: [THEIA_ULX, 20, 0, THEIA_ULY, 0, -20],
    });
    expect(productGrid(product, 60)).toMatchObject({ width: 50, height: 50 });
    expect(m.cloudCover).toBe(12);
    expect(m.sun?.zenithMean).toBeCloseTo(28.1);
    expect(m.footprint).toHaveLength(5);
    expect(m.theia).toEqual({ reflectance: 'SRE', productVersion: '2.2', platform: 'SENTINEL2A' });
  });

  it('lists the SRE bands at R1/R2 and the masks, and nothing THEIA does not ship', () => {
    const bands = product.bands.map((b) => `${b.name}@${b.resolution}`);
    expect(bands).toEqual([
      'B02@10',
      'B03@10',
      'B04@10',
      'B08@10',
      'B05@20',
      'B06@20',
      'B07@20',
      'B8A@20',
      'B11@20',
      'B12@20',
    ]);
    expect(product.bands.every((b) => /_SRE_B\w+\.tif$/.test(b.path))).toBe(true);
    const masks = product.masks.map((m) => `${m.kind}@${m.resolution}`).sort();
    expect(masks).toEqual(
      ['MAJA_CLM', 'MAJA_EDG', 'MAJA_IAB', 'MAJA_MG2', 'MAJA_SAT']
        .flatMap((k) => [`${k}@10`, `${k}@20`])
        .sort(),
    );
    expect(product.masks.every((m) => m.format === 'tif' && m.path.startsWith('MASKS/'))).toBe(true);
    expect(product.warnings).toEqual([]);
  });

  it('reads reflectance = DN / 10000 as GDAL reads the file, -10000 as no data, negatives kept', async () => {
    const { data, grid } = await readReflectance(product, { bands: ['B04', 'B11'], resolution: 10 });
    expect(grid.width).toBe(300);
    const b04 = product.bands.find((b) => b.name === 'B04')!;
    const oracle = gdalRead(tmp, join(folder, b04.path), [], 'Float32') as Float32Array;
    const refl = data[0]!;
    let compared = 0;
    for (let i = 0; i < oracle.length; i++) {
      const dn = oracle[i]!;
      if (dn === NODATA) expect(refl[i]).toBeNaN();
      else {
        expect(refl[i]).toBeCloseTo(dn / 10000, 6);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(60000);
    expect(refl[NEGATIVE_ROW * 300 + 3]).toBeCloseTo(-0.005, 6);
    // Lower-left wedge: no data in every band, 20 m ones too after interpolation.
    expect(inWedge(10, 290)).toBe(true);
    expect(refl[290 * 300 + 10]).toBeNaN();
    expect(data[1]![290 * 300 + 10]).toBeNaN();
  });

  it('averages 10 m GeoTIFF bands exactly at 20 m (no JPEG 2000 levels), for jp2-level too', async () => {
    const full = (await readReflectance(product, { bands: ['B02'], resolution: 10 })).data[0]!;
    for (const coarsening of ['average', 'jp2-level'] as const) {
      const r = await readReflectance(product, {
        bands: ['B02'],
        resolution: 20,
        window: { x: 10, y: 10, width: 4, height: 4 },
        coarsening,
      });
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 4; x++) {
          const X = (10 + x) * 2;
          const Y = (10 + y) * 2;
          const mean =
            (full[Y * 300 + X]! +
              full[Y * 300 + X + 1]! +
              full[(Y + 1) * 300 + X]! +
              full[(Y + 1) * 300 + X + 1]!) /
            4;
          expect(r.data[0]![y * 4 + x]).toBeCloseTo(mean, 5);
        }
      }
    }
  });

  it('reads FRE on request', async () => {
    const fre = await openProduct(folder, { theiaReflectance: 'FRE' });
    try {
      expect(fre.metadata.theia?.reflectance).toBe('FRE');
      expect(fre.bands.every((b) => /_FRE_/.test(b.path))).toBe(true);
      const w = { x: 100, y: 100, width: 2, height: 1 };
      const a = await readReflectance(fre, { bands: ['B03'], resolution: 10, window: w });
      const b = await readReflectance(product, { bands: ['B03'], resolution: 10, window: w });
      expect(a.data[0]![0]! - b.data[0]![0]!).toBeCloseTo(FRE_SHIFT / 10000, 6);
    } finally {
      await fre.close();
    }
  });

  it('opens the zip (read in place) and the MTD_ALL.xml the same way', async () => {
    for (const path of [zip, join(folder, `${THEIA_NAME}_MTD_ALL.xml`)]) {
      const p = await openProduct(path);
      try {
        expect(p.metadata.format).toBe('THEIA_MUSCATE');
        expect(p.bands).toEqual(product.bands);
        const w = { x: 37, y: 41, width: 5, height: 3 };
        const a = await readReflectance(p, { bands: ['B8A'], resolution: 20, window: w });
        const b = await readReflectance(product, { bands: ['B8A'], resolution: 20, window: w });
        expect(Array.from(a.data[0]!)).toEqual(Array.from(b.data[0]!));
      } finally {
        await p.close();
      }
    }
  });

  it('inflates each file of a zip once per open product (a read per strip must not re-inflate)', async () => {
    const p = await openProduct(zip);
    try {
      const path = p.bands.find((b) => b.name === 'B02')!.path;
      const a = await p.open(path);
      await a.close();
      const b = await p.open(path);
      expect(b).toBe(a);
      expect((await b.read(0, 4)).length).toBe(4);
    } finally {
      await p.close();
    }
  });

  it('is found by folder discovery next to its zip', async () => {
    const entries = await discoverProducts(OUT);
    const ok = entries.filter((e) => e.ok && e.metadata.format === 'THEIA_MUSCATE').map((e) => e.path);
    expect(ok).toContain(folder);
    expect(ok).toContain(zip);
  });

  it('refuses the bands THEIA does not ship, naming them all', async () => {
    const err = await rejects(
      readReflectance(product, { bands: ['B01', 'B02', 'B09', 'AOT', 'WVP'], resolution: 20 }),
    );
    expect(err.code).toBe('MISSING_FILE');
    expect(err.message).toContain('B01, B09, AOT, WVP');
    expect(err.message).toContain('THEIA L2A products carry');
  });

  describe('bad products', () => {
    async function copy(name: string): Promise<string> {
      const dst = join(tmp, name, THEIA_NAME);
      await cp(folder, dst, { recursive: true });
      return dst;
    }
    const mtd = (dir: string): string => join(dir, `${THEIA_NAME}_MTD_ALL.xml`);

    it('metadata without a grid: BAD_METADATA naming the file', async () => {
      const dir = await copy('nogrid');
      const xml = await readFile(mtd(dir), 'utf8');
      await writeFile(
        mtd(dir),
        xml.replace(/<Group_Geopositioning_List>[\s\S]*<\/Group_Geopositioning_List>/, ''),
      );
      const err = await rejects(openProduct(dir));
      expect(err.code).toBe('BAD_METADATA');
      expect(err.message).toContain('MTD_ALL.xml');
      expect(err.message).toContain('R1 (10 m)');
    });

    it('a level other than L2A, or no quantification: refused in words', async () => {
      const dir = await copy('l3a');
      const xml = await readFile(mtd(dir), 'utf8');
      await writeFile(mtd(dir), xml.replace('<PRODUCT_LEVEL>L2A<', '<PRODUCT_LEVEL>L3A<'));
      expect((await rejects(openProduct(dir))).code).toBe('UNSUPPORTED_PRODUCT');
      await writeFile(
        mtd(dir),
        xml.replace(/<REFLECTANCE_QUANTIFICATION_VALUE>.*?<\/REFLECTANCE_QUANTIFICATION_VALUE>/, ''),
      );
      const err = await rejects(openProduct(dir));
      expect(err.message).toContain('REFLECTANCE_QUANTIFICATION_VALUE');
    });

    it('a truncated XML, a missing band, a cut band file, no band at all', async () => {
      const dir = await copy('half');
      const xml = await readFile(mtd(dir), 'utf8');
      await unlink(join(dir, `${THEIA_NAME}_SRE_B12.tif`));
      const p = await openProduct(dir);
      try {
        expect(p.bands.some((b) => b.name === 'B12')).toBe(false);
        expect(p.warnings.join(' ')).toContain('SRE_B12.tif');
        await truncate(join(dir, `${THEIA_NAME}_SRE_B3.tif`), 3000);
        const err = await rejects(readReflectance(p, { bands: ['B03'], resolution: 10 }));
        expect(err.code).toBe('CORRUPT_TIFF');
        expect(err.message).toContain('SRE_B3.tif');
      } finally {
        await p.close();
      }
      await writeFile(mtd(dir), xml.slice(0, 2000));
      const bad = await rejects(openProduct(dir));
      expect(bad.code).toBe('BAD_METADATA');
      expect(bad.message).toContain('MTD_ALL.xml');
    });

    it('band files of another size than the metadata grid: BAD_METADATA naming the file', async () => {
      const dir = await copy('size');
      const xml = await readFile(mtd(dir), 'utf8');
      await writeFile(mtd(dir), xml.replace('<NROWS>300</NROWS>', '<NROWS>290</NROWS>'));
      const p = await openProduct(dir);
      try {
        const err = await rejects(readReflectance(p, { bands: ['B02'], resolution: 10 }));
        expect(err.code).toBe('BAD_METADATA');
        expect(err.message).toContain('SRE_B2.tif is 300 x 300 px');
      } finally {
        await p.close();
      }
    });

    it('a half-downloaded zip: CORRUPT_ZIP', async () => {
      const cut = join(tmp, 'cut.zip');
      await cp(zip, cut);
      await truncate(cut, 100_000);
      expect((await rejects(openProduct(cut))).code).toBe('CORRUPT_ZIP');
    });
  });
});
