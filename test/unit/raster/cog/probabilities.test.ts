import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grid } from '../../../../electron/core/raster/grid.js';
import { CogWriter } from '../../../../electron/core/raster/cog/index.js';
import { hasTool } from '../../../helpers/env.js';
import {
  gdalinfo,
  gdalRead,
  gdalValuesAt,
  geotiffRead,
  hasValidator,
  referenceOverview,
  validateCog,
  type GdalInfo,
} from './oracle.js';

const W = 1100;
const H = 901; // odd: the last overview row comes from a single source row
const NODATA = -9999;
const GRID: Grid = { epsg: 32735, width: W, height: H, transform: [600000, 20, 0, 8000020, 0, -20] };

/** Two sigmoid-like probability bands (cloud, shadow) with a no-data corner. */
function bands(): [Float32Array, Float32Array] {
  const cloud = new Float32Array(W * H);
  const shadow = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (x + y < 150) {
        cloud[i] = NODATA;
        shadow[i] = NODATA;
        continue;
      }
      cloud[i] = 1 / (1 + Math.exp(-Math.sin(x / 37) * Math.cos(y / 23) * 6));
      shadow[i] = ((x * 31 + y * 17) % 1000) / 1000;
    }
  }
  return [cloud, shadow];
}

const gdal = hasTool('gdalinfo') && hasTool('gdal_translate') && hasTool('gdallocationinfo');

describe('COG writer: float32 probabilities streamed by rows', () => {
  let dir: string;
  let out: string;
  let data: [Float32Array, Float32Array];
  let info: GdalInfo;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cog-prob-'));
    out = join(dir, 'prob.tif');
    data = bands();
    const writer = await CogWriter.open(out, {
      grid: GRID,
      dataType: 'Float32',
      bands: [{ description: 'cloud probability' }, { description: 'shadow probability' }],
      nodata: NODATA,
      tileSize: 256,
      metadata: { MODEL_ID: 'test-model', RESOLUTION: '20' },
    });
    // Uneven chunks that straddle strip boundaries, in a reused buffer as an inference loop would.
    const buf = [new Float32Array(W * 97), new Float32Array(W * 97)];
    for (let y = 0, k = 0; y < H; k++) {
      const n = Math.min(H - y, [97, 1, 60, 13][k % 4]!);
      for (let b = 0; b < 2; b++) buf[b]!.set(data[b]!.subarray(y * W, (y + n) * W));
      await writer.writeRows(
        y,
        buf.map((a) => a.subarray(0, n * W)),
      );
      y += n;
    }
    await writer.finish();
    if (gdal) info = gdalinfo(out);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves only the output', () => {
    expect(readdirSync(dir)).toEqual(['prob.tif']);
  });

  it.skipIf(!gdal)(
    'gdalinfo sees size, CRS, geotransform, nodata, predictor 3, overviews and LAYOUT=COG',
    () => {
      expect(info.size).toEqual([W, H]);
      expect(info.coordinateSystem.wkt).toMatch(/ID\["EPSG",32735\]\]$/);
      expect(info.geoTransform).toEqual([600000, 20, 0, 8000020, 0, -20]);
      expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({
        COMPRESSION: 'DEFLATE',
        PREDICTOR: '3',
        LAYOUT: 'COG',
        INTERLEAVE: 'PIXEL',
      });
      expect(info.metadata['']).toMatchObject({ MODEL_ID: 'test-model', RESOLUTION: '20' });
      expect(info.bands.map((b) => [b.type, b.noDataValue, b.description])).toEqual([
        ['Float32', NODATA, 'cloud probability'],
        ['Float32', NODATA, 'shadow probability'],
      ]);
      // 1100x901 -> 550x451 -> 275x226 -> 138x113 (fits one 256 tile).
      expect(info.bands[0]!.overviews?.map((o) => o.size)).toEqual([
        [550, 451],
        [275, 226],
        [138, 113],
      ]);
    },
  );

  it.skipIf(!gdal)('gdallocationinfo reads both bands at sample pixels', () => {
    for (const [x, y] of [
      [0, 0],
      [200, 0],
      [1099, 900],
      [255, 256],
      [700, 450],
    ] as const) {
      const i = y * W + x;
      // gdallocationinfo prints 15 significant digits: round back to float32 to compare.
      expect(gdalValuesAt(out, x, y).map(Math.fround), `pixel ${x},${y}`).toEqual([data[0][i], data[1][i]]);
    }
  });

  it.skipIf(!gdal)('gdal_translate gives back both bands bit-exactly', () => {
    for (let b = 0; b < 2; b++) {
      const raw = gdalRead(dir, out, b + 1, 4);
      const got = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
      expect(
        Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(data[b]!.buffer)),
      ).toBe(true);
    }
  });

  it('geotiff.js reads the full image and the average overviews (nodata ignored)', async () => {
    const full = await geotiffRead(out, 0);
    expect(full.bands.length).toBe(2);
    for (let b = 0; b < 2; b++) {
      expect(Buffer.from((full.bands[b] as Float32Array).buffer).equals(Buffer.from(data[b]!.buffer))).toBe(
        true,
      );
    }
    let ref = { data: Array.from(data[0]), width: W, height: H };
    for (let level = 1; level <= 3; level++) {
      ref = referenceOverview(ref.data, ref.width, ref.height, 'average', NODATA, false);
      const ovr = await geotiffRead(out, level);
      expect([ovr.width, ovr.height]).toEqual([ref.width, ref.height]);
      expect(Array.from(ovr.bands[0]!)).toEqual(ref.data);
    }
  });

  it.skipIf(!hasValidator())("passes GDAL's COG validator", () => {
    expect(validateCog(out).ok).toBe(true);
  });
});
