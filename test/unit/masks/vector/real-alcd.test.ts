import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grid } from '../../../../electron/core/raster/grid.js';
import { openProduct } from '../../../../electron/core/scene/index.js';
import {
  ALCD_RULE,
  alcdShapefiles,
  makeTransform,
  readVector,
  vectorToMask,
  vectorToPoints,
  type VectorData,
} from '../../../../electron/core/masks/vector/index.js';
import { hasTool, SHARED_DATA } from '../../../helpers/env.js';
import { T31TCJ_CLOUDY } from '../../scene/scene-fixtures.js';

const MASKS = join(SHARED_DATA, 'safe-T31TCJ-2024/ref_inputs/Toulouse_31TCJ_20240305/In_data/Masks');
const gdal = hasTool('ogrinfo') && hasTool('ogr2ogr') && hasTool('gdaltransform');

function ogrCount(file: string): number {
  const out = execFileSync('ogrinfo', ['-al', '-so', file], { encoding: 'utf8' });
  return Number(/Feature Count: (\d+)/.exec(out)?.[1] ?? NaN);
}

function sameFeatures(a: VectorData, b: VectorData, tol: number): void {
  expect(b.features.length).toBe(a.features.length);
  a.features.forEach((f, i) => {
    const g = b.features[i];
    expect(g?.geometry.type).toBe(f.geometry.type);
    const p = f.geometry.coordinates as number[];
    const q = g?.geometry.coordinates as number[];
    expect(Math.abs((q[0] ?? NaN) - (p[0] ?? NaN))).toBeLessThan(tol);
    expect(Math.abs((q[1] ?? NaN) - (p[1] ?? NaN))).toBeLessThan(tol);
    expect(g?.properties).toEqual(f.properties);
  });
}

describe.skipIf(!gdal)('ALCD point labels of T31TCJ 2024-03-05 (real data)', () => {
  const files = alcdShapefiles(MASKS);
  let tmp: string;
  let grid60: Grid;
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'vec-alcd-'));
    const p = await openProduct(T31TCJ_CLOUDY);
    grid60 = p.metadata.grids[60] as Grid;
    await p.close();
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads every Shapefile with the feature count ogrinfo reports', async () => {
    expect(files.map((f) => basename(f))).toEqual([
      'background.shp',
      'clouds_shadows.shp',
      'high_clouds.shp',
      'land.shp',
      'low_clouds.shp',
      'no_data.shp',
      'snow.shp',
      'water.shp',
    ]);
    for (const f of files) {
      const v = await readVector(f);
      expect(v.features.length, f).toBe(ogrCount(f));
      expect(v.crs.epsg).toBe(32631);
      expect(v.fields).toEqual(['id']);
      for (const ft of v.features) expect(ft.geometry.type).toBe('Point');
    }
  });

  it('places all 249 points inside the 60 m grid of the tile, with the ALCD class totals', async () => {
    expect(grid60.epsg).toBe(32631);
    const r = await vectorToPoints(files, grid60, { rule: ALCD_RULE });
    // ogrinfo: clouds_shadows 70, high_clouds 51, land 50, low_clouds 45, water 33, others 0.
    expect(r.counts.byClass).toEqual({ 0: 0, 1: 83, 2: 96, 3: 0, 4: 70 });
    expect(r.counts.unmapped).toEqual({});
    expect(r.outside).toBe(0);
    expect(r.points.length).toBe(249);
    const perFile = Object.fromEntries(r.files.map((f) => [basename(f.file), f.features]));
    expect(perFile).toMatchObject({ 'clouds_shadows.shp': 70, 'high_clouds.shp': 51, 'land.shp': 50 });
    for (const p of r.points) {
      expect(p.col).toBeGreaterThanOrEqual(0);
      expect(p.col).toBeLessThan(grid60.width);
      const [ox, pw, , oy, , ph] = grid60.transform;
      expect(p.col).toBe(Math.floor((p.x - ox) / pw));
      expect(p.row).toBe(Math.floor((p.y - oy) / ph));
    }
    // As a sparse mask the points burn their pixels; at 60 m some samples share a pixel.
    const distinct = new Set(r.points.map((p) => p.row * grid60.width + p.col)).size;
    const m = await vectorToMask(files, grid60, { rule: ALCD_RULE, source: 'ALCD' });
    expect(m.pixelsByClass[1] + m.pixelsByClass[2] + m.pixelsByClass[4]).toBe(distinct);
    expect(distinct).toBe(240);
    expect(m.mask.data.length).toBe(grid60.width * grid60.height);
  });

  it('reprojects like gdaltransform (< 1e-9 deg and < 1 mm)', async () => {
    const v = await readVector(join(MASKS, 'high_clouds.shp'));
    const pts = v.features.slice(0, 5).map((f) => f.geometry.coordinates as [number, number]);
    const out = execFileSync(
      'gdaltransform',
      ['-s_srs', join(MASKS, 'high_clouds.prj'), '-t_srs', 'EPSG:4326', '-output_xy'],
      { input: pts.map((p) => `${p[0]} ${p[1]}`).join('\n') + '\n', encoding: 'utf8' },
    );
    const ref = out
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number));
    const fwd = makeTransform(v.crs, 4326);
    const back = makeTransform({ epsg: 4326, proj4: '+proj=longlat +datum=WGS84 +no_defs' }, 32631);
    pts.forEach((p, i) => {
      const [lon, lat] = fwd(p);
      expect(Math.abs(lon - (ref[i]?.[0] ?? NaN))).toBeLessThan(1e-9);
      expect(Math.abs(lat - (ref[i]?.[1] ?? NaN))).toBeLessThan(1e-9);
      const [x, y] = back([lon, lat]);
      expect(Math.abs(x - p[0])).toBeLessThan(1e-3);
      expect(Math.abs(y - p[1])).toBeLessThan(1e-3);
    });
    // And from WKT to a UTM zone the file does not use (EPSG:32630), checked against GDAL.
    const o30 = execFileSync(
      'gdaltransform',
      ['-s_srs', 'EPSG:32631', '-t_srs', 'EPSG:32630', '-output_xy'],
      { input: pts.map((p) => `${p[0]} ${p[1]}`).join('\n') + '\n', encoding: 'utf8' },
    );
    const r30 = o30
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number));
    const to30 = makeTransform(v.crs, 32630);
    pts.forEach((p, i) => {
      const [x, y] = to30(p);
      expect(Math.abs(x - (r30[i]?.[0] ?? NaN))).toBeLessThan(1e-3);
      expect(Math.abs(y - (r30[i]?.[1] ?? NaN))).toBeLessThan(1e-3);
    });
  });

  it('reads GeoJSON and GeoPackage copies made by ogr2ogr with identical features', async () => {
    const gpkg = join(tmp, 'alcd.gpkg');
    for (const f of files.filter((f) => ogrCount(f) > 0)) {
      const name = basename(f, '.shp');
      const gj = join(tmp, `${name}.geojson`);
      execFileSync('ogr2ogr', ['-f', 'GeoJSON', gj, f]);
      execFileSync('ogr2ogr', ['-f', 'GPKG', '-append', '-nln', name, gpkg, f]);
      const shp = await readVector(f);
      const fromJson = await readVector(gj);
      expect(fromJson.crs.epsg).toBe(32631);
      sameFeatures(shp, fromJson, 1e-6);
      const fromGpkg = await readVector(gpkg, { layer: name });
      expect(fromGpkg.crs.epsg).toBe(32631);
      expect(fromGpkg.layer).toBe(name);
      sameFeatures(shp, fromGpkg, 1e-9);
    }
    // Several layers and none chosen: the error lists them.
    await expect(readVector(gpkg)).rejects.toThrow(
      /layers.*clouds_shadows, high_clouds, land, low_clouds, water/,
    );
    // RFC 7946 output (EPSG:4326) lands on the same pixels.
    const wgs = join(tmp, 'land-4326.geojson');
    execFileSync('ogr2ogr', ['-f', 'GeoJSON', '-lco', 'RFC7946=YES', wgs, join(MASKS, 'land.shp')]);
    const a = await vectorToPoints(join(MASKS, 'land.shp'), grid60, { rule: ALCD_RULE });
    const b = await vectorToPoints(wgs, grid60, { rule: { kind: 'constant', cls: 1 } });
    expect(b.points.map((p) => [p.col, p.row])).toEqual(a.points.map((p) => [p.col, p.row]));
  });
});
