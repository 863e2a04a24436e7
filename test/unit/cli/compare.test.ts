import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { makeScene } from '../../fixtures/make-scene.js';
import { DATA_DIR, hasTool, SHARED_DATA } from '../../helpers/env.js';
import { gdalRead } from '../../helpers/gdal-raw.js';

const KM = join(SHARED_DATA, 'kappamask-predictions');
const CLOUDY = join(
  SHARED_DATA,
  'safe-T31TCJ-2024/S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE',
);
const ALCD = join(SHARED_DATA, 'safe-T31TCJ-2024/ref_inputs/Toulouse_31TCJ_20240305/In_data/Masks');

describe.skipIf(!hasTool('gdal_translate'))('s2cloud compare', () => {
  const tmp = mkdtempSync(join(tmpdir(), 's2-compare-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('gives the agreement of the two real KappaMask outputs, as an independent count does', async () => {
    const json = join(tmp, 'km.json');
    const r = await runCli([
      'compare',
      '--reference',
      join(KM, 'L2A_kappamask.tif'),
      join(KM, 'L1C_kappamask.tif'),
      '--json',
      json,
    ]);
    expect(r.code).toBe(0);
    // Independent: GDAL reads both rasters; KappaMask codes 1..4 are classes, 0/5 no data.
    const a = gdalRead(tmp, join(KM, 'L2A_kappamask.tif'), [], 'Float32');
    const b = gdalRead(tmp, join(KM, 'L1C_kappamask.tif'), [], 'Float32');
    let same = 0;
    let n = 0;
    for (let i = 0; i < a.length; i++) {
      const valid = (v: number): boolean => v >= 1 && v <= 4;
      if (!valid(a[i]!) || !valid(b[i]!)) continue;
      n++;
      if (a[i] === b[i]) same++;
    }
    const report = JSON.parse(readFileSync(json, 'utf8')) as {
      table: Array<{ scored: number; overallAccuracy: number }>;
    };
    expect(report.table[0]!.scored).toBe(n);
    expect(report.table[0]!.overallAccuracy).toBeCloseTo(same / n, 5);
    expect(r.out).toMatch(
      /KappaMask \(L1C_kappamask\.tif\)\s+KappaMask \(L2A_kappamask\.tif\)\s+258992\s+77\.9 %/,
    );
  });

  it('prints pairwise agreement without a reference and writes the HTML and CSV reports', async () => {
    const html = join(tmp, 'pair.html');
    const r = await runCli([
      'compare',
      join(KM, 'L1C_kappamask.tif'),
      join(KM, 'L2A_kappamask.tif'),
      '--out',
      html,
      '--csv',
      join(tmp, 'csv'),
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Pairwise agreement');
    expect(r.out).toMatch(/77\.9 % \/ 0\.627/);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).not.toMatch(/https?:\/\//);
    expect(readFileSync(join(tmp, 'csv', 'pairwise.csv'), 'utf8')).toContain('KappaMask');
  });

  it('scores the product mask against the real ALCD point labels', async () => {
    const r = await runCli(['compare', '--product', CLOUDY, '--reference', ALCD, '--binary']);
    expect(r.code).toBe(0);
    // 249 labelled points (low/high clouds, shadows, land, water), all inside the tile.
    expect(r.out).toMatch(/L1C MSK_CLASSI\s+\S+\s+249\s+\d+\.\d %/);
    expect(r.out).not.toContain('outside the comparison grid');
  });

  it('says what is wrong: no overlap, unknown adapter, nothing to compare with', async () => {
    const a = await runCli(['compare', '--product', CLOUDY, '--reference', join(KM, 'L2A_kappamask.tif')]);
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/overlap|no common/i);
    const b = await runCli(['compare', `frobnicate=${join(KM, 'L1C_kappamask.tif')}`]);
    expect(b.err).toMatch(/unknown mask adapter "frobnicate"/i);
    // A usage error, and the valid ids are listed.
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/the adapters are scl, msk-classi, .*kappamask, .*table, studio\./);
    const c = await runCli(['compare', join(KM, 'L1C_kappamask.tif')]);
    expect(c.err).toMatch(/at least two masks/);
    const d = await runCli([
      'compare',
      join(KM, 'L1C_kappamask.tif'),
      join(KM, 'L2A_kappamask.tif'),
      '--buffer',
      'x',
    ]);
    expect(d.code).toBe(2);
  });
});

describe.skipIf(!hasTool('gdal_translate'))('s2cloud compare with a saved class table', () => {
  const tmp = mkdtempSync(join(tmpdir(), 's2-preset-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads a raster from another tool through a preset, reporting values it does not know', async () => {
    const preset = join(tmp, 'mine.json');
    // KappaMask codes, but with 'cloud shadow' (2) deliberately left out of the table.
    writeFileSync(preset, JSON.stringify({ name: 'my tool', table: { 1: 1, 3: 3, 4: 2, 5: 0 } }));
    const r = await runCli([
      'compare',
      '--preset',
      preset,
      '--reference',
      join(KM, 'L2A_kappamask.tif'),
      '--reference-adapter',
      'kappamask',
      join(KM, 'L1C_kappamask.tif'),
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/my tool/);
    expect(r.out).toMatch(/values the adapter does not know, counted as no data: 2 \(1399 px\)/);
  });
});

describe.skipIf(!hasTool('opj_compress'))('s2cloud compare --product on an L2A product', () => {
  it("brings both of the product's own masks, SCL and MSK_CLASSI", async () => {
    const { safePath } = await makeScene({
      size: 'small',
      level: 'L2A',
      outDir: join(DATA_DIR, 'scenes'),
      log: () => {},
    });
    const r = await runCli(['compare', '--product', safePath]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Sen2Cor SCL\s+—\s+\d+\.\d % \/ \d\.\d{3}/);
    expect(r.out).toContain('MSK_CLASSI');
  });
});
