/**
 * The map on a THEIA L2A product (GeoTIFF bands, int16 with -10000 no data): scene info, RGB tiles
 * (no-data transparent, values from the GeoTIFF), the inspector against the file, the levels of a
 * GeoTIFF band, and the MAJA masks as product mask layers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeoTiffDecoder } from '../../../electron/core/raster/geotiff/decoder.js';
import { openProduct } from '../../../electron/core/scene/index.js';
import {
  lonLatToMercator,
  MERCATOR_HALF,
  TileService,
  type ImageStyle,
  type SceneInfo,
} from '../../../electron/core/tiles/index.js';
import { transformer } from '../../../electron/core/masks/adapters/crs.js';
import { makeTheia, NEGATIVE_ROW, THEIA_NAME } from '../../fixtures/make-theia.js';
import { DATA_DIR, hasTool } from '../../helpers/env.js';
import { gdalRead } from '../../helpers/gdal-raw.js';
import { decodePng } from './helpers.js';

const tools = hasTool('opj_decompress') && hasTool('gdal_translate') && hasTool('zip');

function tileAt(lon: number, lat: number, z: number): [number, number, number] {
  const [mx, my] = lonLatToMercator(lon, lat);
  const span = (2 * MERCATOR_HALF) / 2 ** z;
  return [z, Math.floor((mx + MERCATOR_HALF) / span), Math.floor((MERCATOR_HALF - my) / span)];
}

describe.skipIf(!tools)('TileService on a THEIA L2A product', () => {
  const service = new TileService();
  let folder = '';
  let info: SceneInfo;
  let tmp = '';

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 's2-theia-tiles-'));
    folder = (await makeTheia({ outDir: join(DATA_DIR, 'theia') })).folder;
    info = await service.openScene(folder);
  }, 120_000);
  afterAll(async () => {
    await service.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('describes the scene: BOA, its ten bands, the natural-colour stretch, the MAJA masks', () => {
    expect(info.level).toBe('L2A');
    expect(info.quantity).toBe('BOA');
    expect(info.epsg).toBe(32631);
    expect(info.bands).toEqual(['B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A', 'B11', 'B12']);
    expect(info.productMasks).toEqual(['maja', 'maja-mg2']);
    const rgb = info.stretches['true-colour'];
    expect(rgb).toBeDefined();
    expect(rgb!.min.every((v) => v >= 0 && v < 0.2)).toBe(true);
    expect(rgb!.max.every((v) => v > 0.01 && v < 1)).toBe(true);
  });

  it('draws RGB tiles: opaque over the data, transparent over the -10000 wedge', async () => {
    const [w, s, e, n] = info.bounds;
    const style: ImageStyle = {
      bands: ['B04', 'B03', 'B02'],
      min: [0, 0, 0],
      max: [0.2, 0.2, 0.2],
      gamma: 1,
    };
    // Upper right (data) and lower left (the no-data wedge), at a zoom finer than 10 m.
    const data = tileAt(e - (e - w) * 0.1, n - (n - s) * 0.1, 16);
    const png = await service.imageTile(info.sceneId, ...data, style);
    expect(png).not.toBeNull();
    const { rgba } = decodePng(png!);
    let opaque = 0;
    for (let i = 3; i < rgba.length; i += 4) if (rgba[i] === 255) opaque++;
    expect(opaque).toBeGreaterThan(1000);
    const wedge = tileAt(w + (e - w) * 0.01, s + (n - s) * 0.01, 18);
    const png2 = await service.imageTile(info.sceneId, ...wedge, style);
    if (png2) {
      const { rgba: r2 } = decodePng(png2);
      let transparent = 0;
      for (let i = 3; i < r2.length; i += 4) if (r2[i] === 0) transparent++;
      expect(transparent).toBeGreaterThan(r2.length / 4 / 2);
    }
    // The whole scene at a low zoom reads a reduced level of every band.
    expect(
      await service.imageTile(info.sceneId, ...tileAt((w + e) / 2, (s + n) / 2, 12), style),
    ).not.toBeNull();
  });

  it('the inspector gives the GeoTIFF value / 10000 (negative ones too)', async () => {
    const toLonLat = transformer(32631, 4326);
    const [lon, lat] = toLonLat(399960 + 3 * 10 + 5, 4693200 - NEGATIVE_ROW * 10 - 5);
    const r = await service.inspect(info.sceneId, lon, lat);
    expect(r.col).toBe(3);
    expect(r.row).toBe(NEGATIVE_ROW);
    const b04 = r.reflectances.find((b) => b.band === 'B04');
    expect(b04?.value).toBeCloseTo(-0.005, 6);
    const [lon2, lat2] = toLonLat(399960 + 150 * 10 + 5, 4693200 - 100 * 10 - 5);
    const r2 = await service.inspect(info.sceneId, lon2, lat2);
    const file = join(folder, `${THEIA_NAME}_SRE_B2.tif`);
    const oracle = gdalRead(tmp, file, ['-srcwin', '150', '100', '1', '1'], 'Float32') as Float32Array;
    expect(r2.reflectances.find((b) => b.band === 'B02')?.value).toBeCloseTo(oracle[0]! / 10000, 6);
  });

  it('adds the MAJA CLM as a product mask layer', async () => {
    const layer = await service.addMaskLayer(info.sceneId, { kind: 'product', mask: 'maja' });
    expect(layer.kind).toBe('classes');
    expect(layer.source).toBe('MAJA CLM');
    expect(layer.classes?.map((c) => c.id).sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe.skipIf(!tools)('GeoTIFF band levels', () => {
  it('level L is the mean of 2^L blocks without no data; a tiled file with overviews uses them', async () => {
    const { folder } = await makeTheia({ outDir: join(DATA_DIR, 'theia') });
    const p = await openProduct(folder);
    const d = new GeoTiffDecoder();
    try {
      // SRE: striped, no overviews -> block means.
      const src = await p.open(`${THEIA_NAME}_SRE_B2.tif`);
      const info = await d.info(src);
      expect(info).toMatchObject({ width: 300, height: 300, bitsPerSample: 16, signed: true, components: 1 });
      const full = (await d.decode(src, {})).data;
      const l1 = await d.decode(src, { level: 1, window: { x: 10, y: 10, width: 3, height: 2 } });
      expect(l1.width).toBe(150);
      for (let y = 0; y < 2; y++) {
        for (let x = 0; x < 3; x++) {
          const X = 20 + 2 * x;
          const Y = 20 + 2 * y;
          const mean =
            (full[Y * 300 + X]! +
              full[Y * 300 + X + 1]! +
              full[(Y + 1) * 300 + X]! +
              full[(Y + 1) * 300 + X + 1]!) /
            4;
          expect(Math.abs(l1.data[y * 3 + x]! - mean)).toBeLessThanOrEqual(0.5);
        }
      }
      // Lower-left corner at level 2: every 4 x 4 block is no data -> stays -10000.
      const corner = await d.decode(src, { level: 2, window: { x: 0, y: 74, width: 1, height: 1 } });
      expect(corner.data[0]).toBe(-10000);
      await src.close();
      // FRE: written by our COG writer, with internal overviews.
      const fre = await p.open(`${THEIA_NAME}_FRE_B2.tif`);
      const ov = await d.decode(fre, { level: 1 });
      expect(ov.data.length).toBe(150 * 150);
      await fre.close();
    } finally {
      await p.close();
    }
  });
});
