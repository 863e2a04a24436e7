/**
 * Masks for the map: a pyramid computed once when the layer is added (level k: 2^k x 2^k source
 * pixels per pixel, same origin, down to at most 128 pixels on a side), sampled by nearest
 * neighbour. Class levels keep, per 2 x 2 block, the most frequent class with data (no data only
 * where all four have none); ties go to cloud, then semi-transparent cloud, then shadow, then
 * clear, so small clouds survive zooming out a little longer. Probability levels average the
 * valid values.
 */
import type { Grid } from '../raster/grid.js';

export interface PyramidLevel<T extends Uint8Array | Float32Array> {
  width: number;
  height: number;
  data: T;
}

const LAST_SIDE = 128;
/** Tie-break rank of a schema class when two classes are equally frequent in a 2 x 2 block. */
const RANK = new Uint8Array(256);
RANK[1] = 2;
RANK[4] = 3;
RANK[3] = 4;
RANK[2] = 5;

export function buildClassPyramid(data: Uint8Array, grid: Grid): PyramidLevel<Uint8Array>[] {
  const levels: PyramidLevel<Uint8Array>[] = [{ width: grid.width, height: grid.height, data }];
  for (;;) {
    const prev = levels[levels.length - 1]!;
    if (Math.max(prev.width, prev.height) <= LAST_SIDE) break;
    const w = Math.ceil(prev.width / 2);
    const h = Math.ceil(prev.height / 2);
    const out = new Uint8Array(w * h);
    const src = prev.data;
    const pw = prev.width;
    const v = [0, 0, 0, 0];
    for (let y = 0; y < h; y++) {
      const y0 = 2 * y;
      const y1 = Math.min(y0 + 1, prev.height - 1);
      for (let x = 0; x < w; x++) {
        const x0 = 2 * x;
        const x1 = Math.min(x0 + 1, pw - 1);
        v[0] = src[y0 * pw + x0] as number;
        v[1] = src[y0 * pw + x1] as number;
        v[2] = src[y1 * pw + x0] as number;
        v[3] = src[y1 * pw + x1] as number;
        let best = 0;
        let bestCount = 0;
        for (let i = 0; i < 4; i++) {
          const c = v[i] as number;
          if (c === 0) continue;
          let count = 0;
          for (let j = 0; j < 4; j++) if (v[j] === c) count++;
          if (count > bestCount || (count === bestCount && (RANK[c] as number) > (RANK[best] as number))) {
            best = c;
            bestCount = count;
          }
        }
        out[y * w + x] = best;
      }
    }
    levels.push({ width: w, height: h, data: out });
  }
  return levels;
}

/** Probability pyramid: values 0..1, NaN = no data; coarser levels average the valid values. */
export function buildProbabilityPyramid(data: Float32Array, grid: Grid): PyramidLevel<Float32Array>[] {
  const levels: PyramidLevel<Float32Array>[] = [{ width: grid.width, height: grid.height, data }];
  for (;;) {
    const prev = levels[levels.length - 1]!;
    if (Math.max(prev.width, prev.height) <= LAST_SIDE) break;
    const w = Math.ceil(prev.width / 2);
    const h = Math.ceil(prev.height / 2);
    const out = new Float32Array(w * h);
    const src = prev.data;
    const pw = prev.width;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let sum = 0;
        let n = 0;
        for (let dy = 0; dy < 2; dy++) {
          const yy = 2 * y + dy;
          if (yy >= prev.height) continue;
          for (let dx = 0; dx < 2; dx++) {
            const xx = 2 * x + dx;
            if (xx >= pw) continue;
            const val = src[yy * pw + xx] as number;
            if (val === val) {
              sum += val;
              n++;
            }
          }
        }
        out[y * w + x] = n > 0 ? sum / n : NaN;
      }
    }
    levels.push({ width: w, height: h, data: out });
  }
  return levels;
}
