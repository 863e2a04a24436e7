/**
 * Image tiles against gdalwarp: the same Web Mercator tile (-t_srs EPSG:3857 -te <tile bounds>
 * -ts 256 256 -r near), from the same JPEG2000 resolution level (-ovr), must agree within one
 * pixel: on a real L1C band (the 2015 T31TDH crop, 10 and 20 m) and on bands of the generated
 * product read through the TileService.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileByteSource } from '../../../electron/core/raster/byte-source.js';
import { Jp2Decoder, type SampleArray } from '../../../electron/core/raster/jp2/index.js';
import { bandTileDn } from '../../../electron/core/tiles/band-tile.js';
import { Jp2Pyramid } from '../../../electron/core/tiles/jp2-pyramid.js';
import { ByteLru } from '../../../electron/core/tiles/lru.js';
import { lonLatToMercator, MERCATOR_HALF } from '../../../electron/core/tiles/mercator.js';
import { TileService } from '../../../electron/core/tiles/service.js';
import { hasTool, SHARED_DATA } from '../../helpers/env.js';
import { bandFile, compareWithinOnePixel, gdalGrid, gdalwarpTile, safeIn, SMALL_L1C } from './helpers.js';

const CROP = join(SHARED_DATA, 'l1c-crop-T31TDH-2015');
const gdal = hasTool('gdalwarp');

/** The tile of zoom z containing a lon/lat point. */
function tileAt(lon: number, lat: number, z: number): [number, number, number] {
  const [mx, my] = lonLatToMercator(lon, lat);
  const span = (2 * MERCATOR_HALF) / 2 ** z;
  return [z, Math.floor((mx + MERCATOR_HALF) / span), Math.floor((MERCATOR_HALF - my) / span)];
}

describe.skipIf(!gdal)('gdalwarp oracle: real L1C band crop (T31TDH 2015, EPSG:32631)', () => {
  const decoder = new Jp2Decoder({ workers: 2 });
  afterAll(() => decoder.destroy());
  // Crop centre 1.8032 E 42.3713 N; upper-left corner 1.7847 E 42.3846 N.
  const cases: Array<{ band: string; lon: number; lat: number; z: number; level: number }> = [
    { band: 'B04', lon: 1.8032, lat: 42.3713, z: 15, level: 0 },
    { band: 'B04', lon: 1.7847, lat: 42.3846, z: 13, level: 0 },
    { band: 'B04', lon: 1.8032, lat: 42.3713, z: 12, level: 1 },
    { band: 'B04', lon: 1.8032, lat: 42.3713, z: 11, level: 2 },
    { band: 'B11', lon: 1.8032, lat: 42.3713, z: 14, level: 0 },
    { band: 'B11', lon: 1.7847, lat: 42.3846, z: 12, level: 0 },
    { band: 'B11', lon: 1.8032, lat: 42.3713, z: 11, level: 1 },
  ];
  for (const c of cases) {
    const [z, x, y] = tileAt(c.lon, c.lat, c.z);
    it(`${c.band} tile ${z}/${x}/${y}: level ${c.level} chosen, within one pixel of gdalwarp`, async () => {
      const file = join(CROP, `T31TDH_20150726T105026_${c.band}.jp2`);
      const src = await fileByteSource(file);
      const pyramid = await Jp2Pyramid.open(
        'crop',
        src,
        decoder,
        new ByteLru<SampleArray>(64 << 20, (v) => v.byteLength),
      );
      try {
        const ours = await bandTileDn(pyramid, gdalGrid(file, 32631), z, x, y);
        expect(ours).not.toBeNull();
        expect(ours!.level).toBe(c.level);
        const oracle = gdalwarpTile(file, z, x, y, c.level);
        const level = await decoder.decode(src, { level: c.level });
        const cmp = compareWithinOnePixel(ours!.data, oracle, {
          z,
          x,
          y,
          grid: gdalGrid(file, 32631),
          ...level,
          level: c.level,
        });
        expect(cmp.farther).toBe(0);
        expect(cmp.equal).toBeGreaterThan(0.995);
        // The tile really shows data (not two empty tiles agreeing).
        expect(ours!.data.some((v) => v > 0)).toBe(true);
      } finally {
        await pyramid.close();
      }
    });
  }
});

const small = safeIn(SMALL_L1C);

describe.skipIf(!gdal || !small)('gdalwarp oracle: generated product bands through the TileService', () => {
  const service = new TileService();
  const decoder = new Jp2Decoder({ workers: 1 });
  afterAll(async () => {
    await service.close();
    await decoder.destroy();
  });
  // The small product covers 1.371-1.510 E, 43.978-44.079 N.
  const cases: Array<{ band: string; lon: number; lat: number; z: number; level: number }> = [
    { band: 'B04', lon: 1.44, lat: 44.03, z: 15, level: 0 },
    { band: 'B04', lon: 1.44, lat: 44.03, z: 13, level: 0 },
    { band: 'B04', lon: 1.372, lat: 44.078, z: 13, level: 0 },
    { band: 'B04', lon: 1.44, lat: 44.03, z: 12, level: 1 },
    { band: 'B04', lon: 1.44, lat: 44.03, z: 11, level: 2 },
    { band: 'B12', lon: 1.509, lat: 43.979, z: 13, level: 0 },
    { band: 'B12', lon: 1.44, lat: 44.03, z: 11, level: 1 },
  ];
  for (const c of cases) {
    const [z, x, y] = tileAt(c.lon, c.lat, c.z);
    it(`${c.band} tile ${z}/${x}/${y}: level ${c.level}, within one pixel of gdalwarp`, async () => {
      const { sceneId } = await service.openScene(small!);
      try {
        const ours = await service.bandTileDn(sceneId, c.band, z, x, y);
        expect(ours!.level).toBe(c.level);
        const file = bandFile(small!, c.band);
        const oracle = gdalwarpTile(file, z, x, y, c.level);
        const src = await fileByteSource(file);
        const level = await decoder.decode(src, { level: c.level }).finally(() => src.close());
        const cmp = compareWithinOnePixel(ours!.data, oracle, {
          z,
          x,
          y,
          grid: gdalGrid(file, 32631),
          ...level,
          level: c.level,
        });
        expect(cmp.farther).toBe(0);
        expect(cmp.equal).toBeGreaterThan(0.995);
        expect(ours!.data.some((v) => v > 0)).toBe(true);
      } finally {
        await service.closeScene(sceneId);
      }
    });
  }
});
