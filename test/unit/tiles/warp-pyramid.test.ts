/** Tile geometry, the control-grid error, level choice, the JP2 block pyramid and mask pyramids. */
import { afterAll, describe, expect, it } from 'vitest';
import { fileByteSource } from '../../../electron/core/raster/byte-source.js';
import type { Grid } from '../../../electron/core/raster/grid.js';
import { Jp2Decoder, type SampleArray } from '../../../electron/core/raster/jp2/index.js';
import {
  ByteLru,
  chooseLevel,
  controlGridError,
  fitZoom,
  Jp2Pyramid,
  lonLatToMercator,
  mercatorToLonLat,
  tileBoundsMercator,
  tilesCovering,
} from '../../../electron/core/tiles/index.js';
import { buildClassPyramid, buildProbabilityPyramid } from '../../../electron/core/tiles/mask-pyramid.js';
import { bandFile, safeIn, SMALL_L1C } from './helpers.js';

/** A full-size UTM 31N tile grid (T31TCJ, 10 m). */
const T31TCJ: Grid = {
  epsg: 32631,
  width: 10980,
  height: 10980,
  transform: [300000, 10, 0, 4900020, 0, -10],
};

describe('Web Mercator tiles', () => {
  it('tile bounds match the XYZ scheme', () => {
    expect(tileBoundsMercator(0, 0, 0)).toEqual([
      -20037508.342789244, -20037508.342789244, 20037508.342789244, 20037508.342789244,
    ]);
    const [minX, , , maxY] = tileBoundsMercator(1, 1, 0);
    expect([minX, maxY]).toEqual([0, 20037508.342789244]);
    const [lon, lat] = mercatorToLonLat(...lonLatToMercator(1.44, 44.03));
    expect(lon).toBeCloseTo(1.44, 10);
    expect(lat).toBeCloseTo(44.03, 10);
  });

  it('fits a 110 km tile at 44 N (about 1000 x 1000 px at zoom 10) in 1400 x 900 px at zoom 9', () => {
    const b: [number, number, number, number] = [0.49, 43.2, 1.87, 44.2];
    expect(fitZoom(b, 1400, 900)).toBe(9);
    expect(fitZoom(b, 1400, 1100)).toBe(10);
    const r = tilesCovering(b, 10);
    expect(r.x1 - r.x0 + 1).toBe(5);
  });
});

describe('control grid (16 px, bilinear) against proj4 per pixel', () => {
  it('stays far below a pixel at every zoom the map uses', () => {
    const centre: [number, number] = [1.27, 43.8];
    for (const z of [6, 8, 10, 12, 14, 16, 18]) {
      const r = tilesCovering([centre[0], centre[1], centre[0], centre[1]], z);
      const err = controlGridError(z, r.x0, r.y0, T31TCJ);
      expect({ z, small: err < 0.01 }).toEqual({ z, small: true });
    }
  });

  it('chooses the coarsest level whose pixels are no larger than the tile pixels', () => {
    expect(chooseLevel(0.4, 5)).toBe(0);
    expect(chooseLevel(1.99, 5)).toBe(0);
    expect(chooseLevel(2, 5)).toBe(1);
    expect(chooseLevel(7.9, 5)).toBe(2);
    expect(chooseLevel(8.1, 5)).toBe(3);
    expect(chooseLevel(1000, 5)).toBe(5);
  });
});

const small = safeIn(SMALL_L1C);

describe.skipIf(!small)('Jp2Pyramid (blocks on internal tiles, kept overviews, shared LRU)', () => {
  const decoder = new Jp2Decoder({ workers: 2 });
  afterAll(() => decoder.destroy());

  it('assembles windows from blocks exactly as a direct decode, and caches the blocks', async () => {
    const file = bandFile(small!, 'B04');
    const src = await fileByteSource(file);
    const direct = await fileByteSource(file);
    const cache = new ByteLru<SampleArray>(64 << 20, (v) => v.byteLength);
    // 300 px: only levels at most 300 px on a side are kept whole (level 2, 275 px, and deeper).
    const pyr = await Jp2Pyramid.open('b04', src, decoder, cache, 300);
    try {
      expect(pyr.levels).toBe(5);
      expect(pyr.overviewLevel).toBe(2);
      for (const [level, win] of [
        [0, { x: 200, y: 240, width: 333, height: 100 }],
        [0, { x: 1000, y: 1000, width: 200, height: 200 }],
        [1, { x: 100, y: 7, width: 300, height: 400 }],
      ] as const) {
        const got = (await pyr.read(level, win))!;
        const want = await decoder.decode(direct, {
          level,
          window: {
            ...win,
            width: Math.min(win.width, pyr.levelSize(level).width - win.x),
            height: Math.min(win.height, pyr.levelSize(level).height - win.y),
          },
        });
        for (let y = 0; y < want.height; y++) {
          for (let x = 0; x < want.width; x += 7) {
            expect(got.data[(win.y + y - got.y) * got.width + (win.x + x - got.x)]).toBe(
              want.data[y * want.width + x],
            );
          }
        }
      }
      expect(cache.size).toBeGreaterThan(0);
      const hits = cache.hits;
      await pyr.read(0, { x: 210, y: 250, width: 10, height: 10 });
      expect(cache.hits).toBeGreaterThan(hits);
      // Deep levels come whole from the kept overview.
      const ov = (await pyr.read(3, { x: 10, y: 10, width: 5, height: 5 }))!;
      expect([ov.x, ov.y, ov.width, ov.height]).toEqual([0, 0, 138, 138]);
      expect(pyr.pinnedBytes).toBe(138 * 138 * 2);
      expect(await pyr.read(0, { x: 5000, y: 0, width: 10, height: 10 })).toBeNull();
    } finally {
      await pyr.close();
      await direct.close();
    }
    expect(cache.size).toBe(0);
  });

  it('cancels a block decode when every tile waiting for it is cancelled', async () => {
    const src = await fileByteSource(bandFile(small!, 'B08'));
    const cache = new ByteLru<SampleArray>(64 << 20, (v) => v.byteLength);
    const pyr = await Jp2Pyramid.open('b08', src, decoder, cache, 100);
    try {
      const a = new AbortController();
      const b = new AbortController();
      const win = { x: 0, y: 0, width: 600, height: 600 };
      const p1 = pyr.read(0, win, a.signal);
      const p2 = pyr.read(0, win, b.signal);
      a.abort();
      await expect(p1).rejects.toThrow(/cancelled/);
      b.abort();
      await expect(p2).rejects.toThrow(/cancelled/);
      // A later request decodes afresh.
      const ok = await pyr.read(0, win);
      expect(ok!.width).toBe(600);
    } finally {
      await pyr.close();
    }
  });
});

describe('mask pyramids', () => {
  const grid = (w: number, h: number): Grid => ({
    epsg: 32631,
    width: w,
    height: h,
    transform: [0, 10, 0, 0, 0, -10],
  });

  it('class levels keep the most frequent class with data; ties favour cloud', () => {
    const w = 300;
    const data = new Uint8Array(w * w).fill(1);
    data[0] = 2; // 2x2 block (0,0): three clear, one cloud -> clear
    data[2] = 2; // block (1,0): cloud, clear, then cloud below -> tie 2:2 -> cloud
    data[w + 2] = 2;
    data[w + 3] = 0;
    data[3] = 0; // block (1,0) is 2,0 / 2,0 -> cloud wins (no data never votes)
    data[4] = 0;
    data[5] = 0;
    data[w + 4] = 0;
    data[w + 5] = 0; // block (2,0): all no data -> 0
    const levels = buildClassPyramid(data, grid(w, w));
    expect(levels.map((l) => l.width)).toEqual([300, 150, 75]);
    expect([...levels[1]!.data.subarray(0, 3)]).toEqual([1, 2, 0]);
    const t = buildClassPyramid(new Uint8Array(200 * 200).fill(1), grid(200, 200));
    expect(t[1]!.data.every((v) => v === 1)).toBe(true);
  });

  it('probability levels average the valid values', () => {
    const w = 200;
    const data = new Float32Array(w * w).fill(0.5);
    data[0] = NaN;
    data[1] = 0.2;
    data[w] = 0.8;
    data[w + 1] = 0.5;
    const levels = buildProbabilityPyramid(data, grid(w, w));
    expect(levels[1]!.data[0]).toBeCloseTo(0.5, 6);
    expect(levels).toHaveLength(2);
  });
});
