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
 * NaN pixels are skipped (all-NaN windows give NaN). Separable, and both passes walk rows so
 * memory is read in order (a column-wise pass was half the fusion's time on a full strip).
 */
export function maxFilter(src: Float32Array, width: number, height: number, radius: number): Float32Array {
  const tmp = new Float32Array(src.length);
  // Rows: NaN never compares greater, so it is skipped; -Infinity marks "nothing seen".
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let best = -Infinity;
      const hi = Math.min(width - 1, x + radius);
      for (let j = Math.max(0, x - radius); j <= hi; j++) {
        const v = src[row + j]!;
        if (v > best) best = v;
      }
      tmp[row + x] = best;
    }
  }
  const out = new Float32Array(src.length);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    out.fill(-Infinity, o, o + width);
    const hi = Math.min(height - 1, y + radius);
    for (let yy = Math.max(0, y - radius); yy <= hi; yy++) {
      const t = yy * width;
      for (let x = 0; x < width; x++) {
        const v = tmp[t + x]!;
        if (v > out[o + x]!) out[o + x] = v;
      }
    }
    for (let x = o; x < o + width; x++) if (out[x] === -Infinity) out[x] = NaN;
  }
  return out;
}

/**
 * Every feature of FUSION_FEATURES for pixel `i`, in that order, into `out` (NaN where an input
 * is missing). `max5` is the 5 x 5 maximum of the probability (maxFilter radius 2).
 */
export function pixelFeatures(inputs: FusionInputs, max5: Float32Array, i: number, out: Float64Array): void {
  const p = inputs.probability[i]!;
  const pm = max5[i]!;
  const b = inputs.blue[i]!;
  const g = inputs.green[i]!;
  const r = inputs.red[i]!;
  const nir = inputs.nir[i]!;
  const mean = (b + g + r) / 3;
  const s = nir + r;
  out[0] = Number.isNaN(p) ? NaN : logit(p);
  out[1] = Number.isNaN(pm) ? NaN : logit(pm);
  out[2] = mean;
  // Fmask's whiteness; a dark or negative mean makes the ratio meaningless.
  out[3] = (Math.abs(b - mean) + Math.abs(g - mean) + Math.abs(r - mean)) / Math.max(mean, 1e-3);
  out[4] = b - 0.5 * r - 0.08;
  out[5] = s > 1e-6 ? (nir - r) / s : NaN;
  out[6] = inputs.swir2[i]!;
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
