import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grid } from '../../../../electron/core/raster/grid.js';
import {
  writeCog,
  type CogDataType,
  type CogTypedArray,
} from '../../../../electron/core/raster/cog/index.js';
import { hasTool } from '../../../helpers/env.js';
import { gdalinfo, gdalRead, geotiffRead, hasValidator, referenceOverview, validateCog } from './oracle.js';

const W = 333;
const H = 170;
const GRID: Grid = { epsg: 32633, width: W, height: H, transform: [500000, 60, 0, 4000000, 0, -60] };
const gdal = hasTool('gdalinfo') && hasTool('gdal_translate');

function fill<T extends CogTypedArray>(a: T, f: (x: number, y: number) => number): T {
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) a[y * W + x] = f(x, y);
  return a;
}

const cases: { type: CogDataType; data: CogTypedArray; bytes: number; nodata?: number }[] = [
  {
    type: 'Uint16',
    data: fill(new Uint16Array(W * H), (x, y) => (x * 977 + y * 131) % 65536),
    bytes: 2,
    nodata: 65535,
  },
  // Jumps across the sign let predictor 2 wrap around in both directions.
  {
    type: 'Int16',
    data: fill(new Int16Array(W * H), (x, y) => ((x * 1234 + y * 77) % 65536) - 32768),
    bytes: 2,
    nodata: -32768,
  },
  {
    type: 'Float32',
    data: fill(new Float32Array(W * H), (x, y) => ((x + y) % 17 === 0 ? NaN : Math.cos(x) * 1e6 + y)),
    bytes: 4,
    nodata: NaN,
  },
];

describe('COG writer: data types, georeferencing variants, BigTIFF', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cog-formats-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const c of cases) {
    it(`round-trips ${c.type} (tile 64, ${String(c.nodata)} nodata) through geotiff.js and GDAL`, async () => {
      const out = join(dir, `${c.type}.tif`);
      await writeCog(out, {
        grid: GRID,
        dataType: c.type,
        bands: [{ data: c.data }],
        nodata: c.nodata,
        tileSize: 64,
      });
      const back = await geotiffRead(out, 0);
      const raw = (a: CogTypedArray): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      expect(raw(back.bands[0]!).equals(raw(c.data))).toBe(true);
      // Default resampling: nearest for integers, average (NaN and nodata ignored) for floats.
      const ref = referenceOverview(
        c.data,
        W,
        H,
        c.type === 'Float32' ? 'average' : 'nearest',
        c.nodata,
        c.type !== 'Float32',
      );
      const ovr = await geotiffRead(out, 1);
      expect([ovr.width, ovr.height]).toEqual([167, 85]);
      expect(Array.from(ovr.bands[0]!)).toEqual(ref.data);
      if (gdal) {
        expect(gdalRead(dir, out, 1, c.bytes).equals(raw(c.data))).toBe(true);
        const band = gdalinfo(out).bands[0]!;
        expect(band.type).toBe(c.type === 'Uint16' ? 'UInt16' : c.type);
        expect(String(band.noDataValue)).toBe(String(c.nodata)); // gdalinfo -json writes NaN as "NaN"
      }
      if (hasValidator()) expect(validateCog(out).ok).toBe(true);
    });
  }

  it('writes an image that fits one tile without overviews', async () => {
    const out = join(dir, 'small.tif');
    const data = new Uint8Array(W * H).map((_, i) => i % 251);
    const r = await writeCog(out, { grid: GRID, dataType: 'Uint8', bands: [{ data }] });
    expect(r.overviews).toEqual([]);
    expect(Array.from((await geotiffRead(out, 0)).bands[0]!)).toEqual(Array.from(data));
    if (gdal) {
      const info = gdalinfo(out);
      expect(info.bands[0]!.overviews ?? []).toEqual([]);
      expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ LAYOUT: 'COG' });
    }
  });

  it.skipIf(!gdal)('writes BigTIFF on request, still a valid COG', async () => {
    const out = join(dir, 'big.tif');
    const data = new Uint8Array(W * H).map((_, i) => i % 7);
    const r = await writeCog(out, {
      grid: GRID,
      dataType: 'Uint8',
      bands: [{ data }],
      tileSize: 64,
      bigTiff: 'always',
    });
    expect(r.bigTiff).toBe(true);
    expect(readFileSync(out).readUInt16LE(2)).toBe(43);
    const info = gdalinfo(out);
    expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ LAYOUT: 'COG' });
    expect(info.bands[0]!.overviews?.length).toBe(3);
    expect(gdalRead(dir, out, 1, 1).equals(Buffer.from(data))).toBe(true);
    expect(Array.from((await geotiffRead(out, 2)).bands[0]!)).toEqual(
      referenceOverview(
        referenceOverview(data, W, H, 'nearest', undefined, true).data,
        167,
        85,
        'nearest',
        undefined,
        true,
      ).data,
    );
    if (hasValidator()) expect(validateCog(out).ok).toBe(true);
  });

  it.skipIf(!gdal)('writes geographic CRSs and rotated transforms', async () => {
    const geo = join(dir, 'geo.tif');
    const data = new Uint8Array(W * H);
    await writeCog(geo, {
      grid: { epsg: 4326, width: W, height: H, transform: [10, 0.001, 0, 50, 0, -0.001] },
      dataType: 'Uint8',
      bands: [{ data }],
    });
    const g = gdalinfo(geo);
    expect(g.coordinateSystem.wkt).toMatch(/^GEOGCRS\["WGS 84"/);
    expect(g.coordinateSystem.wkt).toMatch(/ID\["EPSG",4326\]\]$/);
    expect(g.geoTransform).toEqual([10, 0.001, 0, 50, 0, -0.001]);
    const rot = join(dir, 'rot.tif');
    await writeCog(rot, {
      grid: { epsg: 32633, width: W, height: H, transform: [500000, 10, 2, 4000000, 1, -10] },
      dataType: 'Uint8',
      bands: [{ data }],
    });
    expect(gdalinfo(rot).geoTransform).toEqual([500000, 10, 2, 4000000, 1, -10]);
  });
});

describe('COG writer: BigTIFF policy', () => {
  it('refuses clearly when a classic TIFF would pass 4 GiB and BigTIFF is refused', async () => {
    const { assembleCog } = await import('../../../../electron/core/raster/cog/assemble.js');
    // A store that claims two 3 GiB tiles: the layout check fails before anything is written.
    const store = { byteCount: (): number => 3 * 2 ** 30 } as unknown as Parameters<typeof assembleCog>[2];
    const levels = [{ tileCount: 2, entries: [] }];
    await expect(assembleCog('/nonexistent/x.tif', levels, store, 'never', () => undefined)).rejects.toThrow(
      /over the 4 GiB of a classic TIFF/,
    );
  });
});
