/**
 * Cloud/shadow matching for one object (Fmask, Zhu & Woodcock 2012 sec. 3.3.2): translate the
 * object along the shadow direction for each searched height and score how many of the moved
 * pixels land on potential shadow or on cloud (a shadow under another cloud is hidden, so cloud
 * counts as a match). Pixels landing on the object itself, outside the image or on no-data are
 * not counted.
 *
 * Height choice (after Fmask's rule, with its constants): scan upwards; once the best score so far is
 * >= `SIMILARITY` (0.3) and the current one falls below `TOLERANCE` (0.95) of it, the best so far
 * is the first local maximum: stop. Ties go to the higher height: below the true height the leading
 * edge of a convex cloud still lands inside its (longer) shadow, so scores plateau near 1 up to the
 * true height and drop after it. The winner is then refined to a quarter step (shadows are rendered
 * on whole pixels per axis, so the one-pixel diagonal step can miss the exact offset). Objects whose
 * best score stays below 0.3 cast no shadow.
 */
import type { Offset } from './project.js';

export const SIMILARITY = 0.3;
export const TOLERANCE = 0.95;

export interface MatchScene {
  width: number;
  height: number;
  labels: Int32Array;
  /** 1 where a moved pixel counts as a match (candidate shadow or cloud). */
  match: Uint8Array;
  valid: Uint8Array;
}

export interface MatchResult {
  height: number | null;
  score: number;
}

/**
 * `sample`: pixel indices of the object to score (all of them, or a subsample of big objects).
 * A height is scored only when at least `minCounted` moved pixels fall on countable pixels.
 */
export function matchObject(
  scene: MatchScene,
  id: number,
  sample: Int32Array,
  per: Offset,
  heights: readonly number[],
  minCounted: number,
): MatchResult {
  const { width, height, labels, match, valid } = scene;
  let best = -1;
  let bestHeight: number | null = null;
  let bestIndex = -1;
  // Row and column of each sampled pixel, once: every searched height moves the same pixels.
  const rows = new Int32Array(sample.length);
  const cols = new Int32Array(sample.length);
  for (let i = 0; i < sample.length; i++) {
    const p = sample[i] as number;
    rows[i] = (p / width) | 0;
    cols[i] = p - (rows[i] as number) * width;
  }
  const scoreAt = (h: number): number => {
    const dc = Math.round(per.dcol * h);
    const dr = Math.round(per.drow * h);
    if (dc === 0 && dr === 0) return -1;
    let counted = 0;
    let hits = 0;
    for (let i = 0; i < sample.length; i++) {
      const r = (rows[i] as number) + dr;
      const c = (cols[i] as number) + dc;
      if (r < 0 || c < 0 || r >= height || c >= width) continue;
      const q = r * width + c;
      if (!valid[q] || labels[q] === id) continue;
      counted++;
      hits += match[q] as number;
    }
    return counted < minCounted ? -1 : hits / counted;
  };
  for (let k = 0; k < heights.length; k++) {
    const h = heights[k] as number;
    const score = scoreAt(h);
    if (score < 0) continue;
    if (score >= best) {
      best = score;
      bestHeight = h;
      bestIndex = k;
    } else if (best >= SIMILARITY && score < TOLERANCE * best) {
      break;
    }
  }
  if (best < SIMILARITY || bestHeight === null) return { height: null, score: Math.max(best, 0) };
  // Quarter steps between the neighbouring heights.
  const coarse: number = bestHeight;
  const lo = heights[bestIndex - 1] ?? coarse;
  const hi = heights[bestIndex + 1] ?? coarse;
  for (const f of [0.25, 0.5, 0.75]) {
    for (const h of [coarse + (lo - coarse) * f, coarse + (hi - coarse) * f]) {
      const score = scoreAt(h);
      if (score > best) {
        best = score;
        bestHeight = h;
      }
    }
  }
  return { height: bestHeight, score: best };
}

/** Every k-th pixel so that at most `max` remain (raster order keeps the shape's spread). */
export function subsample(pixels: Int32Array, max: number): Int32Array {
  if (pixels.length <= max) return pixels;
  const k = Math.ceil(pixels.length / max);
  const out = new Int32Array(Math.ceil(pixels.length / k));
  for (let i = 0, j = 0; i < pixels.length; i += k) out[j++] = pixels[i] as number;
  return out;
}
