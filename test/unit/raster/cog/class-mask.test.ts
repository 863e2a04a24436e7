import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grid } from '../../../../electron/core/raster/grid.js';
import {
  KAPPAMASK_CLASS_NAMES,
  KAPPAMASK_PALETTE,
  writeCog,
  type CogWriteResult,
} from '../../../../electron/core/raster/cog/index.js';
import { hasTool } from '../../../helpers/env.js';
import {
  gdalinfo,
  gdalRead,
  gdalValuesAt,
  geotiffImageCount,
  geotiffRead,
  hasValidator,
  referenceOverview,
  validateCog,
  type GdalInfo,
} from './oracle.js';

const W = 1500; // 3 x 3 tiles of 512 with partial edge tiles
const H = 1100;
const GRID: Grid = { epsg: 32633, width: W, height: H, transform: [399960, 10, 0, 5000040, 0, -10] };

/** KappaMask-like classes: blobs of 1..4, a no-data (0) wedge at the left like an orbit edge. */
function classMask(): Uint8Array {
  const a = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = x < y / 4 ? 0 : 1 + (((((x * 7) >> 6) ^ ((y * 5) >> 6)) + ((x * y) % 3 === 0 ? 1 : 0)) % 4);
      a[y * W + x] = v;
    }
  }
  return a;
}

const gdal = hasTool('gdalinfo') && hasTool('gdal_translate') && hasTool('gdallocationinfo');

describe('COG writer: uint8 class mask', () => {
  let dir: string;
  let out: string;
  let data: Uint8Array;
  let result: CogWriteResult;
  let info: GdalInfo;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cog-class-'));
    out = join(dir, 'mask.tif');
    data = classMask();
    result = await writeCog(out, {
      grid: GRID,
      dataType: 'Uint8',
      bands: [
        {
          data,
          description: 'cloud mask',
          metadata: Object.fromEntries(KAPPAMASK_CLASS_NAMES.map((n, i) => [`CLASS_${i}`, n])),
        },
      ],
      nodata: 0,
      palette: KAPPAMASK_PALETTE,
      overviewResampling: 'mode',
      metadata: {
        MODEL_ID: 'dl-l8s2-uv',
        MODEL_VERSION: '1.0',
        PRODUCT_ID: 'S2A_MSIL1C_20220101T100000_N0400_R122_T33TUL_20220101T120000',
        RESOLUTION: '10',
      },
    });
    if (gdal) info = gdalinfo(out);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports what it wrote and leaves no temporary files', () => {
    expect(result.bigTiff).toBe(false);
    expect(result.bytes).toBe(statSync(out).size);
    expect(result.overviews).toEqual([
      { width: 750, height: 550 },
      { width: 375, height: 275 },
    ]);
    expect(readdirSync(dir)).toEqual(['mask.tif']);
  });

  it.skipIf(!gdal)('gdalinfo sees size, CRS, geotransform, tiling, DEFLATE and LAYOUT=COG', () => {
    expect(info.size).toEqual([W, H]);
    expect(info.coordinateSystem.wkt).toMatch(/ID\["EPSG",32633\]\]$/);
    expect(info.geoTransform).toEqual([399960, 10, 0, 5000040, 0, -10]);
    expect(info.metadata['']).toMatchObject({ AREA_OR_POINT: 'Area' });
    expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({
      COMPRESSION: 'DEFLATE',
      PREDICTOR: '2',
      LAYOUT: 'COG',
    });
    const band = info.bands[0]!;
    expect(band.type).toBe('Byte');
    expect(band.block).toEqual([512, 512]);
    expect(band.overviews?.map((o) => o.size)).toEqual([
      [750, 550],
      [375, 275],
    ]);
  });

  it.skipIf(!gdal)('carries nodata, the colour table, metadata and the band description', () => {
    const band = info.bands[0]!;
    expect(band.noDataValue).toBe(0);
    expect(band.colorInterpretation).toBe('Palette');
    expect(band.description).toBe('cloud mask');
    const entries = band.colorTable!.entries;
    expect(band.colorTable!.count).toBe(256);
    // GDAL shows the nodata entry as transparent.
    expect(entries.slice(0, 5)).toEqual([
      [0, 0, 0, 0],
      ...KAPPAMASK_PALETTE.slice(1).map((c) => [...c, 255]),
    ]);
    expect(info.metadata['']).toMatchObject({
      MODEL_ID: 'dl-l8s2-uv',
      MODEL_VERSION: '1.0',
      RESOLUTION: '10',
      PRODUCT_ID: 'S2A_MSIL1C_20220101T100000_N0400_R122_T33TUL_20220101T120000',
    });
    expect(band.metadata['']).toMatchObject({ CLASS_1: 'clear', CLASS_4: 'cloud shadow' });
  });

  it.skipIf(!gdal)('gdallocationinfo reads the written classes at corners, edges and inside', () => {
    const points: [number, number][] = [
      [0, 0],
      [W - 1, 0],
      [0, H - 1],
      [W - 1, H - 1],
      [511, 511],
      [512, 512],
      [1023, 1024],
      [1499, 1099],
      [1400, 700],
      [300, 1090],
    ];
    for (const [x, y] of points)
      expect(gdalValuesAt(out, x, y), `pixel ${x},${y}`).toEqual([data[y * W + x]]);
  });

  it.skipIf(!gdal)('gdal_translate gives back every pixel, and the mode overviews', () => {
    expect(new Uint8Array(gdalRead(dir, out, 1, 1)).every((v, i) => v === data[i])).toBe(true);
    const o1 = referenceOverview(data, W, H, 'mode', 0, true);
    const o2 = referenceOverview(o1.data, o1.width, o1.height, 'mode', 0, true);
    expect(Array.from(gdalRead(dir, out, 1, 1, 0))).toEqual(o1.data);
    expect(Array.from(gdalRead(dir, out, 1, 1, 1))).toEqual(o2.data);
  });

  it('geotiff.js reads every pixel of the full image and of the overviews', async () => {
    expect(await geotiffImageCount(out)).toBe(3);
    const full = await geotiffRead(out, 0);
    expect([full.width, full.height]).toEqual([W, H]);
    const b = full.bands[0]!;
    expect(b).toBeInstanceOf(Uint8Array);
    let diff = 0;
    for (let i = 0; i < data.length; i++) if (b[i] !== data[i]) diff++;
    expect(diff).toBe(0);
    const o1 = referenceOverview(data, W, H, 'mode', 0, true);
    const ovr = await geotiffRead(out, 1);
    expect([ovr.width, ovr.height]).toEqual([750, 550]);
    expect(Array.from(ovr.bands[0]!)).toEqual(o1.data);
  });

  it.skipIf(!hasValidator())("passes GDAL's COG validator with leader/trailer checks", () => {
    const v = validateCog(out);
    expect(v.output).toContain('is a valid cloud optimized GeoTIFF');
    expect(v.ok).toBe(true);
  });
});
