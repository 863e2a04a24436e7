import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grid } from '../../../../electron/core/raster/grid.js';
import {
  fillRings,
  readVector,
  vectorToMask,
  type ClassRule,
} from '../../../../electron/core/masks/vector/index.js';
import { hasTool } from '../../../helpers/env.js';

// 120 x 100 pixels of 60 m in UTM 31N.
const GRID: Grid = { epsg: 32631, width: 120, height: 100, transform: [300000, 60, 0, 4900020, 0, -60] };
const X = (c: number): number => 300000 + c * 60;
const Y = (r: number): number => 4900020 - r * 60;

// Vertices sit at odd offsets (x.37 / y.71 pixels) so no edge meets a pixel centre exactly.
const poly = (pts: Array<[number, number]>): number[][] => pts.map(([c, r]) => [X(c + 0.37), Y(r + 0.71)]);
const FEATURES = [
  {
    // Cloud with a hole (shadow-free window), diagonal edges.
    properties: { label: 'Cloud', code: 2 },
    geometry: {
      type: 'Polygon',
      coordinates: [
        poly([
          [5, 5],
          [60, 9],
          [52, 48],
          [30, 60],
          [8, 41],
          [5, 5],
        ]),
        poly([
          [20, 20],
          [35, 18],
          [33, 35],
          [22, 31],
          [20, 20],
        ]),
      ],
    },
  },
  {
    // Shadow multipolygon, one part overlapping the cloud (drawn later, so it wins).
    properties: { label: 'shadow', code: 4 },
    geometry: {
      type: 'MultiPolygon',
      coordinates: [
        [
          poly([
            [50, 40],
            [80, 44],
            [71, 70],
            [47, 66],
            [50, 40],
          ]),
        ],
        [
          poly([
            [90, 10],
            [115, 12],
            [112, 30],
            [95, 28],
            [90, 10],
          ]),
        ],
      ],
    },
  },
  {
    // Concave clear area partly outside the grid.
    properties: { label: 'clear', code: 1 },
    geometry: {
      type: 'Polygon',
      coordinates: [
        poly([
          [85, 60],
          [130, 58],
          [126, 110],
          [100, 80],
          [88, 105],
          [85, 60],
        ]),
      ],
    },
  },
  {
    // A value the table does not know: counted as unmapped.
    properties: { label: 'haze?', code: 9 },
    geometry: {
      type: 'Polygon',
      coordinates: [
        poly([
          [2, 80],
          [20, 78],
          [18, 95],
          [2, 80],
        ]),
      ],
    },
  },
];
const RULE: ClassRule = {
  kind: 'field',
  field: 'label',
  table: { cloud: 2, shadow: 4, clear: 1 },
};
const gdal = hasTool('gdal_rasterize') && hasTool('ogr2ogr');

describe('fillRings (pixel-centre even-odd scanline)', () => {
  it('fills a square with a hole, respecting centres', () => {
    const out = new Uint8Array(100);
    const sq = (a: number, b: number): Array<[number, number]> => [
      [a, a],
      [b, a],
      [b, b],
      [a, b],
    ];
    fillRings([sq(1.2, 8.8), sq(3.9, 6.1)], 10, 10, (r, c0, c1) => out.fill(1, r * 10 + c0, r * 10 + c1 + 1));
    // Centres 1.5..8.5 inside -> 8 x 8 = 64, minus the hole's centres 4.5, 5.5 -> 2 x 2.
    expect(out.reduce((s, v) => s + v, 0)).toBe(60);
    expect(out[4 * 10 + 4]).toBe(0);
    expect(out[1 * 10 + 1]).toBe(1);
  });
});

describe.skipIf(!gdal)('vector polygons rasterised like gdal_rasterize', () => {
  let tmp: string;
  let geojson: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'vec-rast-'));
    geojson = join(tmp, 'ref.geojson');
    const doc = {
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32631' } },
      features: FEATURES.map((f) => ({ type: 'Feature', ...f })),
    };
    writeFileSync(geojson, JSON.stringify(doc));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  function gdalRasterize(src: string): Uint8Array {
    const out = join(tmp, 'gdal.bin');
    execFileSync('gdal_rasterize', [
      '-q',
      '-of',
      'ENVI',
      '-ot',
      'Byte',
      '-init',
      '0',
      '-a',
      'code',
      '-te',
      String(X(0)),
      String(Y(GRID.height)),
      String(X(GRID.width)),
      String(Y(0)),
      '-tr',
      '60',
      '60',
      src,
      out,
    ]);
    return new Uint8Array(readFileSync(out));
  }

  it('gives identical pixels (GeoJSON and a GeoPackage copy)', async () => {
    const ref = gdalRasterize(geojson);
    const gpkg = join(tmp, 'ref.gpkg');
    execFileSync('ogr2ogr', ['-f', 'GPKG', gpkg, geojson]);
    for (const src of [geojson, gpkg]) {
      const r = await vectorToMask(src, GRID, { rule: RULE });
      let diff = 0;
      let unmappedPx = 0;
      for (let i = 0; i < ref.length; i++) {
        const g = ref[i] === 9 ? 0 : ref[i];
        if (ref[i] === 9) unmappedPx += 1;
        if (g !== r.mask.data[i]) diff += 1;
      }
      expect(diff, src).toBe(0);
      expect(r.mask.unmapped).toEqual({ 'haze?': unmappedPx });
      expect(r.counts.byClass).toEqual({ 0: 0, 1: 1, 2: 1, 3: 0, 4: 1 });
      expect(r.pixelsByClass[4]).toBeGreaterThan(500);
      expect(r.pixelsByClass[2]).toBeGreaterThan(1000);
    }
    // The GeoPackage copy has Polygon / MultiPolygon WKB read back to the same rings.
    const a = await readVector(geojson);
    const b = await readVector(gpkg);
    expect(b.features.map((f) => f.geometry)).toEqual(a.features.map((f) => f.geometry));
  });

  it('reprojects a WGS 84 copy onto the UTM grid (boundary pixels only may differ)', async () => {
    const wgs = join(tmp, 'ref-4326.geojson');
    execFileSync('ogr2ogr', ['-f', 'GeoJSON', '-t_srs', 'EPSG:4326', '-lco', 'RFC7946=YES', wgs, geojson]);
    const a = await vectorToMask(geojson, GRID, { rule: RULE });
    const b = await vectorToMask(wgs, GRID, { rule: RULE });
    let diff = 0;
    for (let i = 0; i < a.mask.data.length; i++) if (a.mask.data[i] !== b.mask.data[i]) diff += 1;
    // RFC 7946 rounds to 7 decimals (~1 cm): only centres within 1 cm of an edge can flip.
    expect(diff).toBeLessThanOrEqual(2);
  });
});
