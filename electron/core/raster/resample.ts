import { S2Error } from '../errors.js';
import type { PixelWindow } from './grid.js';

/**
 * Resampling between Sentinel-2's 10, 20 and 60 m grids. The grids of one tile share their
 * upper-left corner, so every ratio is an integer (2, 3 or 6) and a pixel of the coarse grid
 * covers exactly k x k pixels of the fine one. Conventions follow GDAL (pixel centres at +0.5).
 *
 * - average: going coarser; mean of the k x k block, ignoring no-data (NaN). All no-data -> NaN.
 * - nearest: either way; the source pixel containing the target pixel's centre (class rasters).
 * - bilinear: going finer; interpolation between source pixel centres, clamped at the edges of
 *   the source window; no-data neighbours are left out and the weights renormalised.
 * - mode: going coarser on class rasters; the most frequent value of the block (ties: smallest).
 */
export type ResampleMethod = 'average' | 'nearest' | 'bilinear' | 'mode';

export type NumericArray = Float32Array | Float64Array | Uint8Array | Uint16Array | Int16Array | Uint32Array;

export interface ResampleInput<T extends NumericArray> {
  data: T;
  /** Where `data` lies, in pixels of the source grid. */
  window: PixelWindow;
  /** Source pixel size in metres. */
  resolution: number;
}

/** The integer ratio between two resolutions, or an error when they are not multiples. */
export function resolutionRatio(from: number, to: number): { ratio: number; finer: boolean } {
  const finer = to < from;
  const ratio = finer ? from / to : to / from;
  if (!Number.isInteger(ratio) || ratio < 1) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `Cannot resample ${from} m to ${to} m: the ratio is not an integer.`,
    );
  }
  return { ratio, finer };
}

/**
 * The source window (in source-grid pixels) needed to produce `dst` (in target-grid pixels),
 * including the one-pixel margin bilinear needs, clamped to the source grid's size.
 */
export function sourceWindowFor(
  dst: PixelWindow,
  dstRes: number,
  srcRes: number,
  srcSize: { width: number; height: number },
  method: ResampleMethod,
): PixelWindow {
  const { ratio, finer } = resolutionRatio(srcRes, dstRes);
  let x0: number, y0: number, x1: number, y1: number;
  if (!finer) {
    x0 = dst.x * ratio;
    y0 = dst.y * ratio;
    x1 = (dst.x + dst.width) * ratio;
    y1 = (dst.y + dst.height) * ratio;
  } else {
    x0 = Math.floor(dst.x / ratio);
    y0 = Math.floor(dst.y / ratio);
    x1 = Math.ceil((dst.x + dst.width) / ratio);
    y1 = Math.ceil((dst.y + dst.height) / ratio);
    if (method === 'bilinear') {
      x0 -= 1;
      y0 -= 1;
      x1 += 1;
      y1 += 1;
    }
  }
  x0 = Math.max(0, x0);
  y0 = Math.max(0, y0);
  x1 = Math.min(srcSize.width, x1);
  y1 = Math.min(srcSize.height, y1);
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** Resamples `src` onto the target window `dst` at `dstRes`. Output is Float32 (NaN = no data). */
export function resample<T extends NumericArray>(
  src: ResampleInput<T>,
  dst: PixelWindow,
  dstRes: number,
  method: ResampleMethod,
  opts: { nodata?: number } = {},
): Float32Array {
  const { ratio, finer } = resolutionRatio(src.resolution, dstRes);
  const out = new Float32Array(dst.width * dst.height);
  const nodata = opts.nodata;
  const get = (sx: number, sy: number): number => {
    const v = src.data[(sy - src.window.y) * src.window.width + (sx - src.window.x)] as number;
    return v === nodata ? NaN : v;
  };
  const sx0 = src.window.x;
  const sy0 = src.window.y;
  const sx1 = sx0 + src.window.width - 1;
  const sy1 = sy0 + src.window.height - 1;
  const inside = (sx: number, sy: number): boolean => sx >= sx0 && sx <= sx1 && sy >= sy0 && sy <= sy1;

  if (ratio === 1) {
    for (let y = 0; y < dst.height; y++)
      for (let x = 0; x < dst.width; x++) {
        const sx = dst.x + x;
        const sy = dst.y + y;
        out[y * dst.width + x] = inside(sx, sy) ? get(sx, sy) : NaN;
      }
    return out;
  }

  if (method === 'nearest') {
    for (let y = 0; y < dst.height; y++) {
      // Centre of target pixel in source pixels: finer -> floor((Y+0.5)/k) = floor(Y/k);
      // coarser -> floor((Y+0.5)*k) = Y*k + floor(k/2).
      const sy = finer ? Math.floor((dst.y + y) / ratio) : (dst.y + y) * ratio + (ratio >> 1);
      for (let x = 0; x < dst.width; x++) {
        const sx = finer ? Math.floor((dst.x + x) / ratio) : (dst.x + x) * ratio + (ratio >> 1);
        out[y * dst.width + x] = inside(sx, sy) ? get(sx, sy) : NaN;
      }
    }
    return out;
  }

  if (!finer) {
    if (method === 'bilinear') {
      throw new S2Error(
        'INVALID_ARGUMENT',
        'Bilinear is for going finer; use average or mode to go coarser.',
      );
    }
    for (let y = 0; y < dst.height; y++) {
      for (let x = 0; x < dst.width; x++) {
        const bx = (dst.x + x) * ratio;
        const by = (dst.y + y) * ratio;
        out[y * dst.width + x] = method === 'average' ? blockMean(bx, by) : blockMode(bx, by);
      }
    }
    return out;
  }

  if (method !== 'bilinear') {
    throw new S2Error('INVALID_ARGUMENT', `${method} cannot go finer; use nearest or bilinear.`);
  }
  for (let y = 0; y < dst.height; y++) {
    const v = (dst.y + y + 0.5) / ratio - 0.5;
    const iy = Math.floor(v);
    const ty = v - iy;
    const ya = clamp(iy, sy0, sy1);
    const yb = clamp(iy + 1, sy0, sy1);
    for (let x = 0; x < dst.width; x++) {
      const u = (dst.x + x + 0.5) / ratio - 0.5;
      const ix = Math.floor(u);
      const tx = u - ix;
      const xa = clamp(ix, sx0, sx1);
      const xb = clamp(ix + 1, sx0, sx1);
      let sum = 0;
      let wsum = 0;
      const add = (sx: number, sy: number, w: number): void => {
        if (w === 0) return;
        const val = get(sx, sy);
        if (Number.isNaN(val)) return;
        sum += val * w;
        wsum += w;
      };
      add(xa, ya, (1 - tx) * (1 - ty));
      add(xb, ya, tx * (1 - ty));
      add(xa, yb, (1 - tx) * ty);
      add(xb, yb, tx * ty);
      out[y * dst.width + x] = wsum > 0 ? sum / wsum : NaN;
    }
  }
  return out;

  function blockMean(bx: number, by: number): number {
    let sum = 0;
    let n = 0;
    for (let j = 0; j < ratio; j++)
      for (let i = 0; i < ratio; i++) {
        if (!inside(bx + i, by + j)) continue;
        const val = get(bx + i, by + j);
        if (Number.isNaN(val)) continue;
        sum += val;
        n++;
      }
    return n > 0 ? sum / n : NaN;
  }

  function blockMode(bx: number, by: number): number {
    const counts = new Map<number, number>();
    for (let j = 0; j < ratio; j++)
      for (let i = 0; i < ratio; i++) {
        if (!inside(bx + i, by + j)) continue;
        const val = get(bx + i, by + j);
        if (Number.isNaN(val)) continue;
        counts.set(val, (counts.get(val) ?? 0) + 1);
      }
    let best = NaN;
    let bestCount = 0;
    for (const [val, c] of counts) {
      if (c > bestCount || (c === bestCount && val < best)) {
        best = val;
        bestCount = c;
      }
    }
    return best;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
