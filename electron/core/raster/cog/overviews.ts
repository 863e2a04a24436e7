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

  const vals = new Float64Array(4);
  return (top, bottom, srcWidth, dst, dstWidth, spp) => {
    for (let x = 0; x < dstWidth; x++) {
      const x0 = 2 * x;
      const hasRight = x0 + 1 < srcWidth;
      for (let s = 0; s < spp; s++) {
        let n = 0;
        const push = (v: number): void => {
          if (!hasNodata && integer) vals[n++] = v;
          else if (isValid(v)) vals[n++] = v;
        };
        push(top[x0 * spp + s]!);
        if (hasRight) push(top[(x0 + 1) * spp + s]!);
        if (bottom) {
          push(bottom[x0 * spp + s]!);
          if (hasRight) push(bottom[(x0 + 1) * spp + s]!);
        }
        let out = fill;
        if (n > 0) {
          if (method === 'average') {
            let sum = 0;
            for (let i = 0; i < n; i++) sum += vals[i]!;
            out = integer ? Math.round(sum / n) : sum / n;
          } else {
            // Mode; ties go to the value met first in row order (top-left first).
            let best = vals[0]!;
            let bestCount = 0;
            for (let i = 0; i < n; i++) {
              let c = 0;
              for (let j = 0; j < n; j++) if (vals[j] === vals[i]) c++;
              if (c > bestCount) {
                bestCount = c;
                best = vals[i]!;
              }
            }
            out = best;
          }
        }
        dst[x * spp + s] = out;
      }
    }
  };
}
