/**
 * The embedded sample product (samples/, committed) and the SAFE writer that made it
 * (test/fixtures/safe/write-safe.ts), also used to wrap the real clear crop. Checked with the
 * project's reader and, independently, with GDAL's SENTINEL2 driver and OpenJPEG.
 */
import { createHash } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { S2Error } from '../../../electron/core/errors.js';
import { SAMPLE_PRODUCT_NAME, sampleProductPath } from '../../../electron/core/sample/path.js';
import { openProduct } from '../../../electron/core/scene/index.js';
import { NATIVE_RESOLUTION, SPECTRAL_BANDS, type SpectralBand } from '../../../electron/core/scene/types.js';
import { CLEAR_CROP_DIR, wrapClearCrop } from '../../fixtures/clear-crop.js';
import { writeL1cSafe, type BandRaster, type SafeSpec } from '../../fixtures/safe/write-safe.js';
import { ROOT, SHARED_DATA, hasTool } from '../../helpers/env.js';

const run = promisify(execFile);
const SOURCE = join(SHARED_DATA, 'sen12mscr-cloudy-L1C-2018', 'ROIs1868_summer_s2_cloudy_19_p30.tif');
const haveShared = (): boolean => statSync(SOURCE, { throwIfNoEntry: false }) !== undefined;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Pixels of one band through GDAL (raw UInt16). */
function gdalBand(dir: string, input: string, args: string[]): Uint16Array {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.raw`);
  execFileSync('gdal_translate', ['-q', '-of', 'ENVI', '-ot', 'UInt16', ...args, input, out]);
  const buf = readFileSync(out);
  return new Uint16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Exact f x f block means (rounded) of a w x w window: what the sample's 20/60 m bands hold. */
function blockMean(src: Uint16Array, srcWidth: number, w: number, f: number): Uint16Array {
  const n = w / f;
  const out = new Uint16Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let sum = 0;
      for (let y = 0; y < f; y++) for (let x = 0; x < f; x++) sum += src[(r * f + y) * srcWidth + c * f + x]!;
      out[r * n + c] = Math.round(sum / (f * f));
    }
  }
  return out;
}

describe('the embedded sample product', () => {
  const tmp = mkdtempSync(join(tmpdir(), 's2-sample-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const safe = sampleProductPath();

  it("is an L1C the project's reader opens, with the sun where the shadows say", async () => {
    expect(safe).toBe(join(ROOT, 'samples', SAMPLE_PRODUCT_NAME));
    const product = await openProduct(safe);
    try {
      const m = product.metadata;
      expect(product.warnings).toEqual([]);
      expect(m).toMatchObject({
        productName: SAMPLE_PRODUCT_NAME.replace(/\.SAFE$/, ''),
        mission: 'S2B',
        level: 'L1C',
        format: 'SAFE_COMPACT',
        tileId: '31PGN',
        processingBaseline: '02.06',
        quantificationValue: 10000,
        epsg: 32631,
      });
      // Baseline < 04.00: no offset, so DN / 10000 is the source's reflectance.
      expect(Object.values(m.offsets).every((v) => v === 0)).toBe(true);
      expect([m.grids[10]?.width, m.grids[20]?.width, m.grids[60]?.width]).toEqual([252, 126, 42]);
      expect(m.grids[10]?.transform[0]).toBeCloseTo(712354.2912, 3);
      // SEN12MS-CR gives no angles: the shadows lie WSW of their clouds, so the sun is ENE.
      expect(m.sun?.zenithMean).toBeGreaterThan(20);
      expect(m.sun?.zenithMean).toBeLessThan(28);
      expect(m.sun?.azimuthMean).toBeGreaterThan(60);
      expect(m.sun?.azimuthMean).toBeLessThan(80);
      expect(m.sun?.zenith.values.length).toBeGreaterThan(0);
      const names = new Set<string>(product.bands.map((b) => b.name));
      for (const b of [...SPECTRAL_BANDS, 'TCI']) expect(names.has(b), b).toBe(true);
    } finally {
      await product.close();
    }
  });

  it('is small, attributed, and its manifest holds every file with its size and SHA3-256', () => {
    const files = walk(safe);
    const bytes = files.reduce((a, f) => a + statSync(f).size, 0);
    expect(bytes).toBeLessThan(1024 * 1024);
    expect(readFileSync(join(ROOT, 'samples', 'NOTICE.md'), 'utf8')).toContain(
      'Contains modified Copernicus Sentinel data 2018, from the SEN12MS-CR dataset (CC-BY-4.0)',
    );
    const manifest = readFileSync(join(safe, 'manifest.safe'), 'utf8');
    const listed = [
      ...manifest.matchAll(
        /<byteStream[^>]*size="(\d+)">\s*<fileLocation href="\.\/([^"]+)"[^>]*\/>\s*<checksum checksumName="SHA3-256">([0-9A-F]{64})</g,
      ),
    ];
    const inSafe = files.map((f) => relative(safe, f)).filter((f) => f !== 'manifest.safe');
    expect(listed.map((m) => m[2]).sort()).toEqual(inSafe.sort());
    for (const [, size, rel, sha] of listed) {
      const data = readFileSync(join(safe, rel!));
      expect(data.length, rel).toBe(Number(size));
      expect(createHash('sha3-256').update(data).digest('hex').toUpperCase(), rel).toBe(sha);
    }
  });

  it.skipIf(!haveShared() || !hasTool('opj_compress'))(
    'npm run sample:build makes exactly the committed bytes',
    { timeout: 120_000 },
    async () => {
      const out = join(tmp, 'rebuilt');
      await run(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'scripts', 'make-sample.ts'), '--out', out],
        {
          cwd: ROOT,
        },
      );
      const rebuilt = join(out, SAMPLE_PRODUCT_NAME);
      const a = walk(safe)
        .map((f) => relative(safe, f))
        .sort();
      expect(
        walk(rebuilt)
          .map((f) => relative(rebuilt, f))
          .sort(),
      ).toEqual(a);
      for (const rel of a)
        expect(readFileSync(join(rebuilt, rel)).equals(readFileSync(join(safe, rel))), rel).toBe(true);
    },
  );

  it.skipIf(!haveShared() || !hasTool('gdal_translate'))(
    "holds the source's DN: 10 m as they are, 20 and 60 m as exact block means (GDAL reads both)",
    () => {
      const xml = join(safe, 'MTD_MSIL1C.xml');
      // GDAL's 10 m subdataset orders B4 B3 B2 B8; the source is B01..B12 with B8A after B08.
      const b02 = gdalBand(tmp, `SENTINEL2_L1C:${xml}:10m:EPSG_32631`, ['-b', '3']);
      const src02 = gdalBand(tmp, SOURCE, ['-b', '2', '-srcwin', '0', '0', '252', '252']);
      expect(Buffer.from(b02.buffer).equals(Buffer.from(src02.buffer))).toBe(true);
      // 20 m: B5 B6 B7 B8A B11 B12; B11 is the source's band 12.
      const b11 = gdalBand(tmp, `SENTINEL2_L1C:${xml}:20m:EPSG_32631`, ['-b', '5']);
      const src11 = gdalBand(tmp, SOURCE, ['-b', '12']);
      expect(Array.from(b11)).toEqual(Array.from(blockMean(src11, 256, 252, 2)));
      // 60 m: B1 B9 B10; B10 (cirrus) is the source's band 11.
      const b10 = gdalBand(tmp, `SENTINEL2_L1C:${xml}:60m:EPSG_32631`, ['-b', '3']);
      const src10 = gdalBand(tmp, SOURCE, ['-b', '11']);
      expect(Array.from(b10)).toEqual(Array.from(blockMean(src10, 256, 252, 6)));
    },
  );

  it('says where it should be and how to rebuild it when it is missing', () => {
    const err = (() => {
      try {
        sampleProductPath(join(tmp, 'no-samples'));
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(S2Error);
    expect((err as S2Error).code).toBe('NOT_FOUND');
    expect((err as S2Error).message).toContain(join(tmp, 'no-samples', SAMPLE_PRODUCT_NAME));
    expect((err as S2Error).message).toContain('npm run sample:build');
  });
});

describe.skipIf(!haveShared() || !hasTool('opj_compress') || !hasTool('gdalinfo'))(
  'the real clear crop wrapped by the same writer (wrapClearCrop)',
  () => {
    const tmp = mkdtempSync(join(tmpdir(), 's2-clear-crop-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it('opens with the JP2s grid, its sun angles and the same DN, once', { timeout: 120_000 }, async () => {
      const safe = await wrapClearCrop(tmp);
      expect(safe).toBe(join(tmp, 'S2A_MSIL1C_20150726T105026_N0204_R051_T31TDH_20150726T105026.SAFE'));
      const product = await openProduct(safe);
      try {
        const m = product.metadata;
        expect(product.warnings).toEqual([]);
        expect(m).toMatchObject({
          processingBaseline: '02.04',
          tileId: '31TDH',
          relativeOrbit: 51,
          epsg: 32631,
        });
        const info = JSON.parse(
          execFileSync('gdalinfo', ['-json', join(CLEAR_CROP_DIR, 'T31TDH_20150726T105026_B8A.jp2')], {
            encoding: 'utf8',
          }),
        ) as { size: number[]; geoTransform: number[] };
        expect(m.grids[20]?.width).toBe(info.size[0]);
        expect(m.grids[20]?.transform).toEqual(info.geoTransform);
        // 2015-07-26 10:50 UTC at 42.4 N 1.8 E: late morning, sun in the south-east.
        expect(m.sun?.zenithMean).toBeGreaterThan(25);
        expect(m.sun?.zenithMean).toBeLessThan(30);
        expect(m.sun?.azimuthMean).toBeGreaterThan(135);
        expect(m.sun?.azimuthMean).toBeLessThan(150);
      } finally {
        await product.close();
      }
      const xml = join(safe, 'MTD_MSIL1C.xml');
      for (const [sub, band, file] of [
        ['10m', '3', 'B02'],
        ['20m', '4', 'B8A'],
        ['60m', '1', 'B01'],
      ] as const) {
        const ours = gdalBand(tmp, `SENTINEL2_L1C:${xml}:${sub}:EPSG_32631`, ['-b', band]);
        const theirs = gdalBand(tmp, join(CLEAR_CROP_DIR, `T31TDH_20150726T105026_${file}.jp2`), []);
        expect(Buffer.from(ours.buffer).equals(Buffer.from(theirs.buffer)), file).toBe(true);
      }
      // Idempotent: the second call finds the stamp and writes nothing.
      const before = statSync(join(safe, 'manifest.safe')).mtimeMs;
      expect(await wrapClearCrop(tmp)).toBe(safe);
      expect(statSync(join(safe, 'manifest.safe')).mtimeMs).toBe(before);
    });
  },
);

describe('the SAFE writer (writeL1cSafe)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 's2-safe-writer-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const spec = (over: Partial<SafeSpec> = {}): SafeSpec => {
    const bands = {} as Record<SpectralBand, BandRaster>;
    for (const b of SPECTRAL_BANDS) {
      const n = 60 / (NATIVE_RESOLUTION[b] / 10);
      bands[b] = { width: n, height: n, data: new Uint16Array(n * n).map((_, i) => 1000 + (i % 97)) };
    }
    return {
      outDir: tmp,
      mission: 'S2A',
      sensingTime: new Date('2024-01-20T10:53:41Z'),
      generationTime: new Date('2024-01-20T12:52:44Z'),
      tile: '31TCJ',
      relativeOrbit: 51,
      absoluteOrbit: 44807,
      baseline: '05.10',
      radioAddOffset: -1000,
      epsg: 32631,
      ulx: 300000,
      uly: 4900020,
      bands,
      ...over,
    };
  };

  it('refuses what would be read wrong: offsets that do not fit the baseline, band sizes that disagree', async () => {
    await expect(writeL1cSafe(spec({ radioAddOffset: undefined }))).rejects.toThrow(/needs radioAddOffset/);
    await expect(writeL1cSafe(spec({ baseline: '02.06' }))).rejects.toThrow(/no RADIO_ADD_OFFSET/);
    const bad = spec();
    bad.bands.B05 = { width: 31, height: 30, data: new Uint16Array(930) };
    await expect(writeL1cSafe(bad)).rejects.toThrow(/B05 is 31 x 30, expected 30 x 30 at 20 m/);
  });

  it.skipIf(!hasTool('opj_compress'))(
    'writes a baseline 05.10 product with its offsets and given sun angles, read back as written',
    { timeout: 60_000 },
    async () => {
      const written = await writeL1cSafe(spec({ sun: { zenith: 25, azimuth: 135 } }));
      expect(written.safePath).toBe(
        join(tmp, 'S2A_MSIL1C_20240120T105341_N0510_R051_T31TCJ_20240120T125244.SAFE'),
      );
      const product = await openProduct(written.safePath);
      try {
        expect(product.warnings).toEqual([]);
        expect(Object.values(product.metadata.offsets)).toEqual(SPECTRAL_BANDS.map(() => -1000));
        expect(product.metadata.sun).toMatchObject({ zenithMean: 25, azimuthMean: 135 });
        expect(product.metadata.sun?.azimuth.values.every((v) => v === 135)).toBe(true);
        expect(product.metadata.grids[60]).toMatchObject({ width: 10, height: 10 });
      } finally {
        await product.close();
      }
    },
  );
});
