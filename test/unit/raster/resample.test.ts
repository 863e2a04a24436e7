import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resample, resolutionRatio, sourceWindowFor } from '../../../electron/core/raster/resample.js';
import { hasTool } from '../../helpers/env.js';
import { gdalTranslateToFloat32, writeEnviFloat32 } from '../../helpers/gdal.js';

/** Deterministic smooth-plus-noise test image (values like reflectance DNs). */
function image(width: number, height: number, seed = 1): Float32Array {
  let s = seed;
  const rnd = (): number => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const a = new Float32Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      a[y * width + x] = 1000 + 500 * Math.sin(x / 7) * Math.cos(y / 5) + 200 * rnd();
  return a;
}

const full = (w: number, h: number) => ({ x: 0, y: 0, width: w, height: h });

describe('resolution ratios', () => {
  it('are integers between the Sentinel-2 grids', () => {
    expect(resolutionRatio(10, 20)).toEqual({ ratio: 2, finer: false });
    expect(resolutionRatio(60, 10)).toEqual({ ratio: 6, finer: true });
    expect(() => resolutionRatio(20, 30)).toThrow(/not an integer/);
  });

  it('give the source window a target window needs, with a bilinear margin clamped to the grid', () => {
    expect(sourceWindowFor({ x: 3, y: 4, width: 5, height: 6 }, 20, 10, full(100, 100), 'average')).toEqual({
      x: 6,
      y: 8,
      width: 10,
      height: 12,
    });
    expect(sourceWindowFor({ x: 0, y: 2, width: 4, height: 4 }, 10, 20, full(50, 50), 'bilinear')).toEqual({
      x: 0,
      y: 0,
      width: 3,
      height: 4,
    });
  });
});

describe('block average (going coarser)', () => {
  it('is the mean of each k x k block', () => {
    const src = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    const out = resample({ data: src, window: full(4, 4), resolution: 10 }, full(2, 2), 20, 'average');
    expect(Array.from(out)).toEqual([3.5, 5.5, 11.5, 13.5]);
  });

  it('ignores no-data pixels and gives no data when the whole block is empty', () => {
    const src = new Uint16Array([0, 0, 4, 0, 0, 0, 0, 8]);
    const out = resample({ data: src, window: full(4, 2), resolution: 10 }, full(2, 1), 20, 'average', {
      nodata: 0,
    });
    expect(out[0]).toBeNaN();
    expect(out[1]).toBe(6);
  });

  it('reads a window of the source grid', () => {
    const src = image(12, 12);
    const whole = resample({ data: src, window: full(12, 12), resolution: 20 }, full(4, 4), 60, 'average');
    // The lower-right 6 x 6 source pixels hold target pixels (2..3, 2..3).
    const part = new Float32Array(36);
    for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) part[y * 6 + x] = src[(y + 6) * 12 + x + 6]!;
    const win = { x: 6, y: 6, width: 6, height: 6 };
    const sub = resample(
      { data: part, window: win, resolution: 20 },
      { x: 2, y: 2, width: 2, height: 2 },
      60,
      'average',
    );
    expect(Array.from(sub)).toEqual([whole[10], whole[11], whole[14], whole[15]]);
  });
});

describe('block average of 16-bit stored numbers (the loop for decoded bands)', () => {
  // The same numbers as Float32 go through the pixel-by-pixel loop: the two must agree bit for bit,
  // at every ratio, for windows that cut blocks on any side and with no-data anywhere.
  for (const k of [2, 3, 6]) {
    it(`equals the general loop at k = ${k}, with no data and cut blocks`, () => {
      let s = 7 + k;
      const rnd = (): number => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
      const win = { x: 5, y: 3, width: 41, height: 29 };
      const u16 = new Uint16Array(win.width * win.height);
      for (let i = 0; i < u16.length; i++) u16[i] = rnd() < 0.15 ? 0 : 1 + Math.floor(rnd() * 65534);
      // A block that is all no data.
      for (let j = 0; j < k; j++)
        for (let i = 0; i < k; i++) u16[(k + j) * win.width + 2 * k - (win.x % k) + i] = 0;
      const f32 = Float32Array.from(u16);
      const dst = {
        x: 0,
        y: 0,
        width: Math.ceil((win.x + win.width) / k) + 1,
        height: Math.ceil((win.y + win.height) / k) + 1,
      };
      for (const nodata of [0, undefined]) {
        const a = resample({ data: u16, window: win, resolution: 10 }, dst, 10 * k, 'average', { nodata });
        const b = resample({ data: f32, window: win, resolution: 10 }, dst, 10 * k, 'average', { nodata });
        expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
        expect(a.some((v) => Number.isNaN(v))).toBe(true);
        expect(a.some((v) => !Number.isNaN(v))).toBe(true);
      }
    });
  }
});

describe('nearest and mode for class rasters', () => {
  it('nearest going finer repeats each pixel k x k times', () => {
    const src = new Uint8Array([1, 2, 3, 4]);
    const out = resample({ data: src, window: full(2, 2), resolution: 20 }, full(4, 4), 10, 'nearest');
    expect(Array.from(out)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('mode going coarser keeps the majority class (ties to the smaller value)', () => {
    const src = new Uint8Array([2, 2, 1, 4, 2, 3, 4, 1]);
    const out = resample({ data: src, window: full(4, 2), resolution: 10 }, full(2, 1), 20, 'mode');
    expect(Array.from(out)).toEqual([2, 1]);
  });

  it('refuses methods that make no sense in that direction', () => {
    const src = new Float32Array(4);
    expect(() =>
      resample({ data: src, window: full(2, 2), resolution: 10 }, full(1, 1), 20, 'bilinear'),
    ).toThrow();
    expect(() =>
      resample({ data: src, window: full(2, 2), resolution: 20 }, full(4, 4), 10, 'average'),
    ).toThrow();
  });
});

describe.skipIf(!hasTool('gdal_translate'))('agreement with GDAL', () => {
  const dir = mkdtempSync(join(tmpdir(), 's2-resample-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('block average 10 m -> 20 m and 10 m -> 60 m equals GDAL -r average', () => {
    const w = 120;
    const h = 90;
    const src = image(w, h, 7);
    const input = writeEnviFloat32(dir, 'avg-in', src, w, h);
    for (const k of [2, 6]) {
      const ours = resample(
        { data: src, window: full(w, h), resolution: 10 },
        full(w / k, h / k),
        10 * k,
        'average',
      );
      const gdal = gdalTranslateToFloat32(
        dir,
        input,
        ['-r', 'average', '-outsize', `${w / k}`, `${h / k}`],
        `avg${k}`,
      );
      expect(gdal.length).toBe(ours.length);
      let maxDiff = 0;
      for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - gdal[i]!));
      expect(maxDiff).toBeLessThan(1e-2);
    }
  });

  it('nearest 20 m -> 10 m and 60 m -> 10 m equals GDAL -r near', () => {
    const w = 40;
    const h = 30;
    const src = image(w, h, 3);
    const input = writeEnviFloat32(dir, 'near-in', src, w, h);
    for (const k of [2, 6]) {
      const ours = resample(
        { data: src, window: full(w, h), resolution: 10 * k },
        full(w * k, h * k),
        10,
        'nearest',
      );
      const gdal = gdalTranslateToFloat32(
        dir,
        input,
        ['-r', 'near', '-outsize', `${w * k}`, `${h * k}`],
        `near${k}`,
      );
      expect(Array.from(ours)).toEqual(Array.from(gdal));
    }
  });

  it('bilinear 20 m -> 10 m equals GDAL -r bilinear away from the edges', () => {
    const w = 40;
    const h = 30;
    const k = 2;
    const src = image(w, h, 5);
    const input = writeEnviFloat32(dir, 'bil-in', src, w, h);
    const ours = resample(
      { data: src, window: full(w, h), resolution: 20 },
      full(w * k, h * k),
      10,
      'bilinear',
    );
    const gdal = gdalTranslateToFloat32(
      dir,
      input,
      ['-r', 'bilinear', '-outsize', `${w * k}`, `${h * k}`],
      'bil',
    );
    let maxDiff = 0;
    const W = w * k;
    for (let y = 2; y < h * k - 2; y++)
      for (let x = 2; x < W - 2; x++)
        maxDiff = Math.max(maxDiff, Math.abs(ours[y * W + x]! - gdal[y * W + x]!));
    expect(maxDiff).toBeLessThan(1e-2);
  });
});
