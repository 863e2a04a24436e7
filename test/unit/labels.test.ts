import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCompare } from '../../electron/cli/compare.js';
import {
  isLabelFile,
  labelsOnGrid,
  readLabels,
  writeLabelsGpkg,
  type LabelSet,
} from '../../electron/core/labels/index.js';
import { compareReport } from '../../electron/core/metrics/compare-service.js';
import { readRasterBand } from '../../electron/core/masks/raster-io.js';
import type { Grid } from '../../electron/core/raster/grid.js';
import { hasTool, SHARED_DATA } from '../helpers/env.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's2labels-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// 10 m pixels of a UTM 31N grid (T31TCJ's origin).
const X0 = 300000;
const Y0 = 4900020;
const SET: LabelSet = {
  epsg: 32631,
  product: 'S2B_TEST',
  labels: [
    { geometry: { type: 'Point', coordinates: [X0 + 15, Y0 - 25] }, cls: 2, author: 'ana', time: '2026-12-07T10:00:00Z' },
    {
      geometry: { type: 'Polygon', coordinates: [[[X0, Y0], [X0 + 50, Y0], [X0 + 50, Y0 - 50], [X0, Y0 - 50]]] },
      cls: 1,
      author: 'ana',
      time: '2026-12-07T10:01:00Z',
    },
    {
      geometry: {
        type: 'MultiPolygon',
        coordinates: [[[[X0 + 20, Y0 - 20], [X0 + 40, Y0 - 20], [X0 + 40, Y0 - 40], [X0 + 20, Y0 - 40], [X0 + 20, Y0 - 20]]]],
      },
      cls: 0,
    },
    { geometry: { type: 'Point', coordinates: [X0 + 75, Y0 - 75] }, cls: 4, author: 'bo' },
  ],
}; // prettier-ignore

const GRID: Grid = { epsg: 32631, width: 10, height: 10, transform: [X0, 10, 0, Y0, 0, -10] };

describe('label GeoPackage', () => {
  it('writes points and polygons with class, author and time that read back as written', async () => {
    const file = join(dir, 'labels.gpkg');
    await writeLabelsGpkg(file, SET);
    // Written atomically: no temporary file is left beside it.
    expect(await readdir(dir)).toEqual(['labels.gpkg']);
    const bytes = await readFile(file);
    expect(bytes.subarray(0, 15).toString('latin1')).toBe('SQLite format 3');
    expect(bytes.readUInt32BE(68)).toBe(0x47504b47); // application_id 'GPKG'
    expect(bytes.readUInt32BE(60)).toBe(10300); // user_version 1.3
    const back = await readLabels(file);
    expect(back.crs.epsg).toBe(32631);
    expect(back.labels.map((l) => l.cls)).toEqual([2, 1, 0, 4]);
    // Times are stored as GeoPackage DATETIME (ISO 8601 UTC with milliseconds).
    expect(back.labels[0]).toEqual({ ...SET.labels[0], time: '2026-12-07T10:00:00.000Z' });
    expect(back.labels[1]!.geometry).toEqual({
      type: 'Polygon',
      coordinates: [[[X0, Y0], [X0 + 50, Y0], [X0 + 50, Y0 - 50], [X0, Y0 - 50], [X0, Y0]]],
    }); // prettier-ignore
    expect(back.labels[3]).toEqual(SET.labels[3]);
  });

  it('opens in GDAL (ogrinfo): one layer, any geometry, the product CRS, the attributes', async (ctx) => {
    if (!hasTool('ogrinfo'))
      ctx.skip('ogrinfo (gdal-bin) is not installed: cannot check that GDAL opens the GeoPackage');
    const file = join(dir, 'gdal.gpkg');
    await writeLabelsGpkg(file, SET);
    const summary = execFileSync('ogrinfo', ['-so', '-al', file], { encoding: 'utf8' });
    expect(summary).toMatch(/Layer name: labels/);
    expect(summary).toMatch(/Feature Count: 4/);
    expect(summary).toMatch(/UTM zone 31N/);
    expect(summary).toMatch(/ID\["EPSG",32631\]|AUTHORITY\["EPSG","32631"\]/);
    expect(summary).toMatch(/class: Integer/);
    expect(summary).toMatch(/author: String/);
    expect(summary).toMatch(/time: DateTime/);
    const run = spawnSync('ogrinfo', ['-al', '-q', file], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const all = run.stdout;
    expect(all).toMatch(/class_name \(String\) = cloud/);
    expect(all).toMatch(/POINT \(300015 4899995\)/);
    expect(all).toMatch(/POLYGON \(\(300000 4900020,300050 4900020/);
    expect(all).toMatch(/MULTIPOLYGON/);
  });

  it('reads GeoJSON labels whose class is a value or a name', async () => {
    const file = join(dir, 'named.geojson');
    const feature = (cls: string | number, x: number): object => ({
      type: 'Feature',
      properties: { class: cls },
      geometry: { type: 'Point', coordinates: [X0 + x, Y0 - 5] },
    });
    await writeFile(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32631' } },
        features: [feature('cloud', 5), feature('Semi-Transparent', 15), feature('shadow', 25), feature(1, 35), feature('ignore', 45)],
      }),
    ); // prettier-ignore
    const back = await readLabels(file);
    expect(back.labels.map((l) => l.cls)).toEqual([2, 3, 4, 1, 0]);
  });

  it('refuses an unknown class and a file without a class, naming the file and the feature', async () => {
    const bad = join(dir, 'bad.geojson');
    await writeFile(
      bad,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { class: 'cloud' },
            geometry: { type: 'Point', coordinates: [1, 2] },
          },
          {
            type: 'Feature',
            properties: { class: 'haze' },
            geometry: { type: 'Point', coordinates: [1, 2] },
          },
        ],
      }),
    );
    await expect(readLabels(bad)).rejects.toThrow(/bad\.geojson: feature 2 has class "haze"/);
    const none = join(dir, 'none.geojson');
    await writeFile(
      none,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', properties: { kind: 2 }, geometry: { type: 'Point', coordinates: [1, 2] } },
        ],
      }),
    );
    await expect(readLabels(none)).rejects.toThrow(/none\.geojson: labels need a "class" attribute.*kind/);
    await expect(readLabels(join(dir, 'x.shp'))).rejects.toThrow(
      /x\.shp: labels are read from \.gpkg or \.geojson/,
    );
  });

  it('places labels on a grid, later labels winning, large ones capped', async () => {
    const file = join(dir, 'grid.gpkg');
    await writeLabelsGpkg(file, SET);
    const on = labelsOnGrid(await readLabels(file), GRID, { maxPerLabel: 10 });
    // The point at (1.5, 2.5) px lies in the clear square drawn after it: the square wins.
    expect(on[0]!.pixels).toEqual([]);
    // The 5 x 5 clear square minus the 2 x 2 ignore square drawn over it: 21 pixels, 10 kept.
    expect(on[1]!.covered).toBe(25);
    expect(on[1]!.pixels).toHaveLength(10);
    for (const p of on[1]!.pixels) expect([22, 23, 32, 33]).not.toContain(p);
    expect(on[3]!.pixels).toEqual([7 * 10 + 7]);
  });
});

describe('which files compare reads as labels', () => {
  it('ours, and a GIS file whose class holds names; not one with bare numbers (ALCD codes)', async () => {
    const write = async (name: string, props: object[]): Promise<string> => {
      const file = join(dir, name);
      await writeFile(
        file,
        JSON.stringify({
          type: 'FeatureCollection',
          features: props.map((p) => ({
            type: 'Feature',
            properties: p,
            geometry: { type: 'Point', coordinates: [1, 2] },
          })),
        }),
      );
      return file;
    };
    const ours = join(dir, 'ours.gpkg');
    await writeLabelsGpkg(ours, SET);
    expect(await isLabelFile(ours)).toBe(true);
    expect(
      await isLabelFile(await write('qgis.geojson', [{ class: 'cloud' }, { class: 2 }, { class: 'Shadow' }])),
    ).toBe(true);
    expect(await isLabelFile(await write('codes.geojson', [{ class: 5 }, { class: 2 }]))).toBe(false);
    expect(await isLabelFile(await write('other.geojson', [{ class: 'low_clouds' }]))).toBe(false);
    expect(await isLabelFile(await write('nofield.geojson', [{ kind: 'cloud' }]))).toBe(false);
  });
});

describe('a label GeoPackage as the reference of compare', () => {
  const ref = join(SHARED_DATA, 'labelled-landsat7', 'reference_10m.tif');

  it('scores a mask against labelled points (s2cloud compare --reference labels.gpkg)', async (ctx) => {
    if (!existsSync(ref)) ctx.skip(`${ref} is missing (../shared/data not present)`);
    const band = await readRasterBand(ref);
    const { grid } = band;
    const [ox, pw, , oy, , ph] = grid.transform;
    const labels: LabelSet['labels'] = [];
    // Every 37th labelled pixel as a point at its centre, named by class.
    for (let i = 0; i < band.values.length; i += 37) {
      const v = band.values[i]!;
      if (v === 0) continue;
      const col = i % grid.width;
      const row = Math.floor(i / grid.width);
      labels.push({
        geometry: { type: 'Point', coordinates: [ox + (col + 0.5) * pw, oy + (row + 0.5) * ph] },
        cls: v as 1 | 2 | 4,
      });
    }
    const file = join(dir, 'l7-points.gpkg');
    await writeLabelsGpkg(file, { epsg: grid.epsg, labels });
    const report = await compareReport({
      reference: { path: file },
      masks: [{ path: ref, adapter: 'studio' }],
    });
    const row = report.table[0]!;
    expect(row.kind).toBe('points');
    expect(row.scored).toBe(labels.length);
    expect(row.overallAccuracy).toBe(1);
    // The same through the CLI.
    let out = '';
    const code = await runCompare(['--reference', file, `studio=${ref}`], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: () => true },
    });
    expect(code).toBe(0);
    expect(out).toMatch(/100\.0 %/);

    // Points and a polygon together: rasterised whole, the polygon's 3 x 3 cloud pixels scored too.
    let block = -1;
    for (let i = grid.width + 1; i < band.values.length - grid.width - 1 && block < 0; i++) {
      const c = i % grid.width;
      if (c === 0 || c === grid.width - 1 || i % 37 === 0) continue;
      let same = true;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) same &&= band.values[i + dy * grid.width + dx] === 2;
      if (same) block = i;
    }
    const bc = block % grid.width;
    const br = Math.floor(block / grid.width);
    const x0 = ox + (bc - 1) * pw;
    const y0 = oy + (br - 1) * ph;
    const square = [[x0, y0], [x0 + 3 * pw, y0], [x0 + 3 * pw, y0 + 3 * ph], [x0, y0 + 3 * ph]] as [number, number][]; // prettier-ignore
    const mixed = join(dir, 'l7-mixed.gpkg');
    await writeLabelsGpkg(mixed, {
      epsg: grid.epsg,
      labels: [...labels, { geometry: { type: 'Polygon', coordinates: [square] }, cls: 2 }],
    });
    const both = await compareReport({
      reference: { path: mixed },
      masks: [{ path: ref, adapter: 'studio' }],
    });
    expect(both.table[0]!.kind).toBe('pixels');
    expect(both.table[0]!.overallAccuracy).toBe(1);
    const inBlock = [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => block + dy * grid.width + dx));
    const pointsInBlock = inBlock.filter((i) => i % 37 === 0).length;
    expect(both.table[0]!.scored).toBe(labels.length + 9 - pointsInBlock);
  });
});
