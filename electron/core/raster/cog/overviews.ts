import type { CogTypedArray, OverviewResampling } from './types.js';

export interface LevelSize {
  width: number;
  height: number;
}

/**
 * Full resolution, then factors 2, 4, 8, ... (each side rounded up, as GDAL does) until the
 * level fits in one tile. An image that fits in one tile gets no overview.
 */
export function levelSizes(width: number, height: number, tileSize: number): LevelSize[] {
  const out: LevelSize[] = [{ width, height }];
  let w = width;
  let h = height;
  while (w > tileSize || h > tileSize) {
    w = Math.ceil(w / 2);
    h = Math.ceil(h / 2);
    out.push({ width: w, height: h });
  }
  return out;
}

/** Reduces one output row from one or two input rows (chunky, spp samples per pixel). */
export type RowReducer = (
  top: CogTypedArray,
  bottom: CogTypedArray | null,
  srcWidth: number,
  dst: CogTypedArray,
  dstWidth: number,
  spp: number,
) => void;

/**
 * Builds the 2x2 reducer for a method. `isValid` says whether a sample counts (not nodata,
 * not NaN); when no sample of a block is valid the output is `fill` (the nodata value).
 */
export function makeReducer(
  method: OverviewResampling,
  integer: boolean,
  nodata: number | undefined,
): RowReducer {
  const hasNodata = nodata !== undefined;
  const noNan = nodata !== undefined && !Number.isNaN(nodata);
  const fill = nodata ?? (integer ? 0 : NaN);
  const isValid = (v: number): boolean => v === v && !(noNan && v === nodata);

  if (method === 'nearest') {
    // Top-left of the block: level k is the full image sampled every 2^k pixels.
    return (top, _bottom, _srcWidth, dst, dstWidth, spp) => {
      for (let x = 0; x < dstWidth; x++) {
        for (let s = 0; s < spp; s++) dst[x * spp + s] = top[2 * x * spp + s]!;
      }
    };
  }

  // Hot loop (a 10 m mask has 30 M level-1 pixels): no closures or allocations per pixel.
  const vals = new Float64Array(4);
  const average = method === 'average';
  const skipInvalid = hasNodata || !integer;
  return (top, bottom, srcWidth, dst, dstWidth, spp) => {
    for (let x = 0; x < dstWidth; x++) {
      const i0 = 2 * x * spp;
      const hasRight = 2 * x + 1 < srcWidth;
      for (let s = 0; s < spp; s++) {
        vals[0] = top[i0 + s]!;
        let m = 1;
        if (hasRight) vals[m++] = top[i0 + spp + s]!;
        if (bottom) {
          vals[m++] = bottom[i0 + s]!;
          if (hasRight) vals[m++] = bottom[i0 + spp + s]!;
        }
        const v0 = vals[0]!;
        if (m === 4 && v0 === vals[1] && v0 === vals[2] && v0 === vals[3]) {
          // Uniform block (most of a class mask): every method gives the value itself.
          dst[x * spp + s] = v0 === v0 ? v0 : fill;
          continue;
        }
        let n = m;
        if (skipInvalid) {
          n = 0;
          for (let i = 0; i < m; i++) if (isValid(vals[i]!)) vals[n++] = vals[i]!;
        }
        let out = fill;
        if (n > 0 && average) {
          let sum = 0;
          for (let i = 0; i < n; i++) sum += vals[i]!;
          out = integer ? Math.round(sum / n) : sum / n;
        } else if (n > 0) {
          // Mode; ties go to the value met first in row order (top-left first).
          out = vals[0]!;
          let bestCount = 0;
          for (let i = 0; i < n; i++) {
            let c = 0;
            for (let j = 0; j < n; j++) if (vals[j] === vals[i]) c++;
            if (c > bestCount) {
              bestCount = c;
              out = vals[i]!;
            }
          }
        }
        dst[x * spp + s] = out;
      }
    }
  };
}
