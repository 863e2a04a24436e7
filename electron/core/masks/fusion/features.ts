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
 * NaN pixels are skipped (all-NaN windows give NaN). Separable: rows, then columns.
 */
export function maxFilter(src: Float32Array, width: number, height: number, radius: number): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  const pass = (
    from: Float32Array,
    to: Float32Array,
    n: number,
    m: number,
    step: number,
    stride: number,
  ): void => {
    // n lines of m pixels; `step` between pixels of a line, `stride` between lines.
    for (let l = 0; l < n; l++) {
      const base = l * stride;
      for (let i = 0; i < m; i++) {
        let best = NaN;
        const lo = Math.max(0, i - radius);
        const hi = Math.min(m - 1, i + radius);
        for (let j = lo; j <= hi; j++) {
          const v = from[base + j * step]!;
          if (!(v <= best)) best = Number.isNaN(v) ? best : v;
        }
        to[base + i * step] = best;
      }
    }
  };
  pass(src, tmp, height, width, 1, width);
  pass(tmp, out, width, height, width, 1);
  return out;
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
  const { width, height, probability, blue, green, red, nir, swir2 } = inputs;
  const n = width * height;
  const max5 = features.includes('logitMax5')
    ? (pmax ?? maxFilter(probability, width, height, 2))
    : undefined;
  const out = features.map(() => new Float32Array(n));
  for (let i = 0; i < n; i++) {
    const b = blue[i]!;
    const g = green[i]!;
    const r = red[i]!;
    const mean = (b + g + r) / 3;
    for (let f = 0; f < features.length; f++) {
      let v: number;
      switch (features[f]!) {
        case 'logitP':
          v = Number.isNaN(probability[i]!) ? NaN : logit(probability[i]!);
          break;
        case 'logitMax5':
          v = Number.isNaN(max5![i]!) ? NaN : logit(max5![i]!);
          break;
        case 'brightness':
          v = mean;
          break;
        case 'whiteness':
          // Fmask's definition; a dark or negative mean makes the ratio meaningless.
          v = (Math.abs(b - mean) + Math.abs(g - mean) + Math.abs(r - mean)) / Math.max(mean, 1e-3);
          break;
        case 'hot':
          v = b - 0.5 * r - 0.08;
          break;
        case 'ndvi': {
          const s = nir[i]! + r;
          v = s > 1e-6 ? (nir[i]! - r) / s : NaN;
          break;
        }
        case 'b12':
          v = swir2[i]!;
          break;
      }
      out[f]![i] = v;
    }
  }
  return out;
}
