/**
 * Per-pixel features of the fused cloud decision: the CNN's probability, its local context, and
 * physical evidence from the six bands that are real in every labelled case (B02 B03 B04 B08 B11
 * B12; see native-models/README.md). Every feature is a plain, documented quantity from the
 * cloud-detection literature, so a fitted weight can be read and judged:
 *
 * - logitP: logit of the CNN probability (clipped to [1e-4, 1 - 1e-4]).
 * - logitMax5: logit of the largest CNN probability in the 5 x 5 window around the pixel. Cloud
 *   edges and thin parts sit next to pixels the CNN is sure of.
 * - brightness: mean(B02, B03, B04), TOA reflectance (Fmask's and Sen2Cor's brightness tests).
 * - whiteness: sum |b - mean| / mean over B02..B04 (Zhu & Woodcock 2012, Eq. 2).
 * - hot: haze-optimised transform B02 - 0.5 B04 - 0.08 (Zhang et al. 2002; Fmask Eq. 3).
 * - ndvi: (B08 - B04) / (B08 + B04): vegetation is not cloud (Fmask's basic test).
 * - b12: SWIR-2 reflectance: clouds stay bright at 2.2 um where most ground darkens (Fmask's
 *   B7 > 0.03 test).
 */

export const FUSION_FEATURES = [
  'logitP',
  'logitMax5',
  'brightness',
  'whiteness',
  'hot',
  'ndvi',
  'b12',
] as const;
export type FusionFeature = (typeof FUSION_FEATURES)[number];

/** The bands the features read, besides the CNN probability. */
export const FUSION_BANDS = ['B02', 'B03', 'B04', 'B08', 'B12'] as const;

/** One block of pixels (row-major, `width` wide), reflectances TOA, NaN = no data. */
export interface FusionInputs {
  width: number;
  height: number;
  probability: Float32Array;
  blue: Float32Array;
  green: Float32Array;
  red: Float32Array;
  nir: Float32Array;
  swir2: Float32Array;
}

const P_CLIP = 1e-4;

export function logit(p: number): number {
  const q = p < P_CLIP ? P_CLIP : p > 1 - P_CLIP ? 1 - P_CLIP : p;
  return Math.log(q / (1 - q));
}

/**
 * Largest value in the (2r+1) x (2r+1) window of every pixel, clamped at the block's edges;
 * NaN pixels are skipped (all-NaN windows give NaN). Separable, each pass by van Herk /
 * Gil-Werman: running maxima forward and backward within blocks of 2r+1, so three comparisons a
 * pixel whatever the radius (the direct window cost 2r+1 and was the fusion's largest item on a
 * full tile at 10 m). Both passes walk rows, so memory is read in order.
 */
export function maxFilter(src: Float32Array, width: number, height: number, radius: number): Float32Array {
  const r = Math.max(0, Math.floor(radius));
  const w = 2 * r + 1;
  // Rows, on a line padded with r values of -Infinity each side (NaN read as -Infinity).
  const tmp = new Float32Array(src.length);
  const n = width + 2 * r;
  const v = new Float32Array(n).fill(-Infinity);
  const g = new Float32Array(n);
  const h = new Float32Array(n);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const s = src[row + x]!;
      v[x + r] = s === s ? s : -Infinity;
    }
    for (let b0 = 0; b0 < n; b0 += w) {
      const e = Math.min(n, b0 + w);
      let m = -Infinity;
      for (let p = b0; p < e; p++) {
        const a = v[p]!;
        if (a > m) m = a;
        g[p] = m;
      }
      m = -Infinity;
      for (let p = e - 1; p >= b0; p--) {
        const a = v[p]!;
        if (a > m) m = a;
        h[p] = m;
      }
    }
    for (let x = 0; x < width; x++) {
      const a = h[x]!;
      const b = g[x + 2 * r]!;
      tmp[row + x] = a > b ? a : b;
    }
  }
  // Columns, block by block of w padded rows: forward maxima of this block and the next, backward
  // maxima of this block (3 w rows of memory, not the whole image twice). Padded row P is image
  // row P - r; rows outside the image are -Infinity.
  const out = new Float32Array(src.length);
  let gCur = new Float32Array(w * width);
  let gNext = new Float32Array(w * width);
  const hCur = new Float32Array(w * width);
  blockMaxima(tmp, width, height, r, w, 0, 1, gCur);
  for (let b = 0; b * w < height; b++) {
    blockMaxima(tmp, width, height, r, w, b, -1, hCur);
    blockMaxima(tmp, width, height, r, w, b + 1, 1, gNext);
    for (let j = 0; j < w; j++) {
      const i = b * w + j;
      if (i >= height) break;
      // The window of padded rows [i, i + 2r] ends in this block only when it is the block.
      const inCur = j + 2 * r < w;
      const gArr = inCur ? gCur : gNext;
      const gOff = (inCur ? j + 2 * r : j + 2 * r - w) * width;
      const hOff = j * width;
      const o = i * width;
      for (let x = 0; x < width; x++) {
        const a = hCur[hOff + x]!;
        const c = gArr[gOff + x]!;
        const m = a > c ? a : c;
        out[o + x] = m === -Infinity ? NaN : m;
      }
    }
    const swap = gCur;
    gCur = gNext;
    gNext = swap;
  }
  return out;
}

/**
 * Running maxima through block `b` of padded rows (see maxFilter) into `into` (w rows): down the
 * block (step 1) or up it (step -1).
 */
function blockMaxima(
  tmp: Float32Array,
  width: number,
  height: number,
  r: number,
  w: number,
  b: number,
  step: 1 | -1,
  into: Float32Array,
): void {
  const first = step === 1 ? 0 : w - 1;
  for (let k = 0; k < w; k++) {
    const j = first + step * k;
    const y = b * w + j - r;
    const o = j * width;
    const prev = o - step * width; // the row before in the running direction
    const inside = y >= 0 && y < height;
    if (k === 0) {
      if (inside) into.set(tmp.subarray(y * width, y * width + width), o);
      else into.fill(-Infinity, o, o + width);
    } else if (!inside) {
      into.copyWithin(o, prev, prev + width);
    } else {
      const t = y * width;
      for (let x = 0; x < width; x++) {
        const a = tmp[t + x]!;
        const m = into[prev + x]!;
        into[o + x] = a > m ? a : m;
      }
    }
  }
}

/**
 * Every feature of FUSION_FEATURES for pixel `i`, in that order, into `out` (NaN where an input
 * is missing). `max5` is the 5 x 5 maximum of the probability (maxFilter radius 2).
 */
export function pixelFeatures(inputs: FusionInputs, max5: Float32Array, i: number, out: Float64Array): void {
  featuresOf(
    inputs.probability[i]!,
    max5[i]!,
    inputs.blue[i]!,
    inputs.green[i]!,
    inputs.red[i]!,
    inputs.nir[i]!,
    inputs.swir2[i]!,
    out,
  );
}

/** pixelFeatures from one pixel's values (small, so that the per-pixel loops inline it). */
export function featuresOf(
  p: number,
  pm: number,
  b: number,
  g: number,
  r: number,
  nir: number,
  swir2: number,
  out: Float64Array,
): void {
  const mean = (b + g + r) / 3;
  const s = nir + r;
  out[0] = Number.isNaN(p) ? NaN : logit(p);
  out[1] = Number.isNaN(pm) ? NaN : logit(pm);
  out[2] = mean;
  // Fmask's whiteness; a dark or negative mean makes the ratio meaningless.
  out[3] = (Math.abs(b - mean) + Math.abs(g - mean) + Math.abs(r - mean)) / Math.max(mean, 1e-3);
  out[4] = b - 0.5 * r - 0.08;
  out[5] = s > 1e-6 ? (nir - r) / s : NaN;
  out[6] = swir2;
}

/** Index of each named feature in pixelFeatures' output. */
export function featureIndex(name: FusionFeature): number {
  return FUSION_FEATURES.indexOf(name);
}

/**
 * The features of every pixel, one Float32Array per name in `features` (NaN where an input is
 * missing). `pmax` is the 5 x 5 max of the probability when the caller has it already.
 */
export function computeFeatures(
  inputs: FusionInputs,
  features: readonly FusionFeature[],
  pmax?: Float32Array,
): Float32Array[] {
  const { width, height, probability } = inputs;
  const n = width * height;
  const max5 = pmax ?? maxFilter(probability, width, height, 2);
  const idx = features.map(featureIndex);
  const out = features.map(() => new Float32Array(n));
  const v = new Float64Array(FUSION_FEATURES.length);
  for (let i = 0; i < n; i++) {
    pixelFeatures(inputs, max5, i, v);
    for (let f = 0; f < idx.length; f++) out[f]![i] = v[idx[f]!]!;
  }
  return out;
}
