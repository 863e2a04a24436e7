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
  if (ratio === 1 || method === 'nearest') return nearest(src, dst, ratio, finer, opts.nodata);
  if (!finer) {
    if (method === 'bilinear') {
      throw new S2Error(
        'INVALID_ARGUMENT',
        'Bilinear is for going finer; use average or mode to go coarser.',
      );
    }
    return method === 'average'
      ? blockAverage(src, dst, ratio, opts.nodata)
      : blockMode(src, dst, ratio, opts.nodata);
  }
  if (method !== 'bilinear') {
    throw new S2Error('INVALID_ARGUMENT', `${method} cannot go finer; use nearest or bilinear.`);
  }
  return bilinear(src, dst, ratio, opts.nodata);
}

// The loops below run over whole tiles (up to 10980 x 1000 px per call): no closures, source
// indices precomputed per row and column.

/** Source index per target index along one axis, -1 where it falls outside the source window. */
function nearestIndex(
  d0: number,
  n: number,
  ratio: number,
  finer: boolean,
  s0: number,
  sn: number,
): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    // Centre of target pixel in source pixels: finer -> floor((i + 0.5) / k) = floor(i / k);
    // coarser -> floor((i + 0.5) * k) = i * k + floor(k / 2).
    const s = finer ? Math.floor((d0 + i) / ratio) : (d0 + i) * ratio + (ratio >> 1);
    idx[i] = s >= s0 && s < s0 + sn ? s - s0 : -1;
  }
  return idx;
}

function nearest(
  src: ResampleInput<NumericArray>,
  dst: PixelWindow,
  ratio: number,
  finer: boolean,
  nodata: number | undefined,
): Float32Array {
  const out = new Float32Array(dst.width * dst.height);
  const w = src.window;
  const xs = nearestIndex(dst.x, dst.width, ratio, finer, w.x, w.width);
  const ys = nearestIndex(dst.y, dst.height, ratio, finer, w.y, w.height);
  const data = src.data;
  for (let y = 0; y < dst.height; y++) {
    const sy = ys[y]!;
    const o = y * dst.width;
    if (sy < 0) {
      out.fill(NaN, o, o + dst.width);
      continue;
    }
    const row = sy * w.width;
    for (let x = 0; x < dst.width; x++) {
      const sx = xs[x]!;
      const v = sx < 0 ? NaN : (data[row + sx] as number);
      out[o + x] = v === nodata ? NaN : v;
    }
  }
  return out;
}

function blockAverage(
  src: ResampleInput<NumericArray>,
  dst: PixelWindow,
  k: number,
  nodata: number | undefined,
): Float32Array {
  const out = new Float32Array(dst.width * dst.height);
  const w = src.window;
  const data = src.data;
  // Decoded bands (16-bit stored numbers, the hot case: every 10 m band of a 20 m run) take a
  // loop of their own where whole blocks lie inside the window; the rest goes pixel by pixel.
  const u16 = data instanceof Uint16Array ? data : null;
  for (let y = 0; y < dst.height; y++) {
    const by = (dst.y + y) * k - w.y;
    let x = 0;
    if (u16 && by >= 0 && by + k <= w.height) {
      // Columns whose block lies wholly inside the window: [xa, xb).
      const xa = Math.min(dst.width, Math.max(0, Math.ceil((w.x - dst.x * k) / k)));
      const xb = Math.max(xa, Math.min(dst.width, Math.floor((w.x + w.width) / k) - dst.x));
      for (; x < xa; x++) out[y * dst.width + x] = averageAt(data, w, (dst.x + x) * k - w.x, by, k, nodata);
      if (k === 2)
        averageRow2(u16, w.width, by, (dst.x + x) * 2 - w.x, xb - xa, nodata, out, y * dst.width + x);
      else averageRowK(u16, w.width, by, (dst.x + x) * k - w.x, xb - xa, k, nodata, out, y * dst.width + x);
      x = xb;
    }
    for (; x < dst.width; x++)
      out[y * dst.width + x] = averageAt(data, w, (dst.x + x) * k - w.x, by, k, nodata);
  }
  return out;
}

/** Mean of the k x k block at (bx, by) of the window, clipped to it, no-data and NaN left out. */
function averageAt(
  data: NumericArray,
  w: PixelWindow,
  bx: number,
  by: number,
  k: number,
  nodata: number | undefined,
): number {
  let sum = 0;
  let n = 0;
  for (let j = by; j < by + k; j++) {
    if (j < 0 || j >= w.height) continue;
    const row = j * w.width;
    for (let i = bx; i < bx + k; i++) {
      if (i < 0 || i >= w.width) continue;
      const v = data[row + i] as number;
      if (v !== v || v === nodata) continue; // NaN or no data
      sum += v;
      n++;
    }
  }
  return n > 0 ? sum / n : NaN;
}

// The sums below are of integers below 2^16 * 36: exact in any order, so these loops give the
// same floats as averageAt bit for bit (a test checks it).

/** 2 x 2 blocks of one block row, `count` of them from column `bx`, into `out` from `o`. */
function averageRow2(
  data: Uint16Array,
  stride: number,
  by: number,
  bx: number,
  count: number,
  nodata: number | undefined,
  out: Float32Array,
  o: number,
): void {
  const nd = nodata ?? -1; // -1: no stored number equals it
  let p = by * stride + bx;
  for (let x = 0; x < count; x++, p += 2) {
    const a = data[p] as number;
    const b = data[p + 1] as number;
    const c = data[p + stride] as number;
    const d = data[p + stride + 1] as number;
    if (a !== nd && b !== nd && c !== nd && d !== nd) {
      out[o + x] = (a + b + c + d) / 4;
      continue;
    }
    let sum = 0;
    let n = 0;
    if (a !== nd) {
      sum += a;
      n++;
    }
    if (b !== nd) {
      sum += b;
      n++;
    }
    if (c !== nd) {
      sum += c;
      n++;
    }
    if (d !== nd) {
      sum += d;
      n++;
    }
    out[o + x] = n > 0 ? sum / n : NaN;
  }
}

/** k x k blocks of one block row (any k), as averageRow2. */
function averageRowK(
  data: Uint16Array,
  stride: number,
  by: number,
  bx: number,
  count: number,
  k: number,
  nodata: number | undefined,
  out: Float32Array,
  o: number,
): void {
  const nd = nodata ?? -1;
  for (let x = 0; x < count; x++) {
    let sum = 0;
    let n = 0;
    for (let j = 0; j < k; j++) {
      const row = (by + j) * stride + bx + x * k;
      for (let i = 0; i < k; i++) {
        const v = data[row + i] as number;
        if (v !== nd) {
          sum += v;
          n++;
        }
      }
    }
    out[o + x] = n > 0 ? sum / n : NaN;
  }
}

function blockMode(
  src: ResampleInput<NumericArray>,
  dst: PixelWindow,
  k: number,
  nodata: number | undefined,
): Float32Array {
  const out = new Float32Array(dst.width * dst.height);
  const w = src.window;
  const data = src.data;
  const counts = new Map<number, number>();
  for (let y = 0; y < dst.height; y++) {
    const by = (dst.y + y) * k - w.y;
    for (let x = 0; x < dst.width; x++) {
      const bx = (dst.x + x) * k - w.x;
      counts.clear();
      for (let j = by; j < by + k; j++) {
        if (j < 0 || j >= w.height) continue;
        for (let i = bx; i < bx + k; i++) {
          if (i < 0 || i >= w.width) continue;
          const v = data[j * w.width + i] as number;
          if (v !== v || v === nodata) continue;
          counts.set(v, (counts.get(v) ?? 0) + 1);
        }
      }
      let best = NaN;
      let bestCount = 0;
      for (const [v, c] of counts) {
        if (c > bestCount || (c === bestCount && v < best)) {
          best = v;
          bestCount = c;
        }
      }
      out[y * dst.width + x] = best;
    }
  }
  return out;
}

function bilinear(
  src: ResampleInput<NumericArray>,
  dst: PixelWindow,
  k: number,
  nodata: number | undefined,
): Float32Array {
  const out = new Float32Array(dst.width * dst.height);
  const w = src.window;
  // Two element kinds at most, so the loop below stays fast (2.5x on a 10 m strip against the same
  // loop over all six); integers convert exactly.
  const data =
    src.data instanceof Float32Array || src.data instanceof Float64Array
      ? src.data
      : Float64Array.from(src.data);
  const nd = nodata ?? NaN; // NaN: no value equals it, so "no no-data value" costs no test
  const axis = (d0: number, n: number, s0: number, sn: number): [Int32Array, Int32Array, Float32Array] => {
    const a = new Int32Array(n);
    const b = new Int32Array(n);
    const t = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const u = (d0 + i + 0.5) / k - 0.5;
      const iu = Math.floor(u);
      t[i] = u - iu;
      a[i] = clamp(iu, s0, s0 + sn - 1) - s0;
      b[i] = clamp(iu + 1, s0, s0 + sn - 1) - s0;
    }
    return [a, b, t];
  };
  const [xa, xb, tx] = axis(dst.x, dst.width, w.x, w.width);
  const [ya, yb, ty] = axis(dst.y, dst.height, w.y, w.height);
  // 1 - t per column, once (the same doubles the per-pixel expression gave).
  const gxs = new Float64Array(dst.width);
  for (let x = 0; x < dst.width; x++) gxs[x] = 1 - (tx[x] as number);
  for (let y = 0; y < dst.height; y++) {
    const ra = ya[y]! * w.width;
    const rb = yb[y]! * w.width;
    const fy = ty[y]!;
    const gy = 1 - fy;
    const o = y * dst.width;
    for (let x = 0; x < dst.width; x++) {
      const fx = tx[x]!;
      const gx = gxs[x]!;
      const ia = xa[x]!;
      const ib = xb[x]!;
      const p00 = data[ra + ia]!;
      const p01 = data[ra + ib]!;
      const p10 = data[rb + ia]!;
      const p11 = data[rb + ib]!;
      const w00 = gx * gy;
      const w01 = fx * gy;
      const w10 = gx * fy;
      const w11 = fx * fy;
      const v = p00 * w00 + p01 * w01 + p10 * w10 + p11 * w11;
      if (v === v && p00 !== nd && p01 !== nd && p10 !== nd && p11 !== nd) {
        out[o + x] = v;
        continue;
      }
      // Some neighbour is no data: leave it out and renormalise the others' weights.
      let sum = 0;
      let ws = 0;
      if (w00 > 0 && p00 === p00 && p00 !== nd) {
        sum += p00 * w00;
        ws += w00;
      }
      if (w01 > 0 && p01 === p01 && p01 !== nd) {
        sum += p01 * w01;
        ws += w01;
      }
      if (w10 > 0 && p10 === p10 && p10 !== nd) {
        sum += p10 * w10;
        ws += w10;
      }
      if (w11 > 0 && p11 === p11 && p11 !== nd) {
        sum += p11 * w11;
        ws += w11;
      }
      out[o + x] = ws > 0 ? sum / ws : NaN;
    }
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
