/**
 * Semi-transparent (thin) cloud from a cloud / clear CNN mask, with the bands the product offers.
 *
 * Classes are the product schema (card.ts MASK_CLASS): 0 no data, 1 clear, 2 cloud,
 * 3 semi-transparent cloud, 4 cloud shadow. Only 1 and 2 are ever changed; 0, 3 and 4 are kept.
 * "Semi-transparent" follows KappaMask and CloudSEN12: cloud that alters the surface signal but
 * still lets the background be recognised (Domnich et al. 2021, Remote Sens. 13(20) 4100;
 * Aybar et al. 2022, CloudSEN12, Sci. Data 9 782, "thin cloud").
 *
 * The rule, per pixel, with every threshold a field of the card's `semiTransparent` object:
 *
 * A. cloud (2) -> semi-transparent (3) when ANY of
 *    1. probability < probabilityOpaque: the CNN is not confident; thin cloud is what a binary
 *       cloud model is unsure about (its sigmoid sits between the 0.5 cut and 1).
 *    2. brightness = mean(B02, B03, B04) < brightnessOpaque: an opaque cloud reflects most visible
 *       light (TOA 0.4-0.8); a pixel the CNN calls cloud yet darker than this lets the surface
 *       through. Sen2Cor ramps its cloud confidence on red brightness up to T2_B04 = 0.25
 *       (L2A_SceneClass.L2A_CSND_1_1), the level from which a pixel is as cloud-bright as it gets.
 *    3. whiteness = sum |b - mean| / mean over B02..B04 > whitenessOpaque: Fmask's whiteness test
 *       (Zhu & Woodcock 2012, Eq. 2, cloud only below 0.7). A coloured "cloud" pixel carries the
 *       surface's colour, i.e. the cloud is not opaque.
 * B. clear (1) -> semi-transparent (3) when ALL of
 *    1. B10 > cirrusMin: the lower bound of Sen2Cor's thin-cirrus test (L2A_SceneClass.L2A_CSND_7:
 *       T1_B10 < B10 < T2_B10 -> THIN_CIRRUS, B10 >= T2_B10 -> medium-probability cloud). The
 *       1.38 um band sees almost no ground (water vapour absorbs below ~2 km), so a B10 signal is
 *       high ice cloud that the visible-band CNN missed. Fmask turns B10 into a cirrus probability
 *       B10 / 0.04 (Zhu, Wang & Woodcock 2015, Eq. 1; python-fmask cirrusProbRatio = 0.04): 0.012
 *       is 30 %. Sen2Cor's upper bound (0.035) is NOT used: on a pixel the CNN calls clear, thicker
 *       cirrus is still see-through, and an upper bound would leave the thickest cirrus "clear"
 *       while thinner cirrus next to it becomes semi-transparent (seen on the real crop
 *       T31TDH 2015, B10 0.018-0.049 under a visible veil). The rule stays monotone in B10.
 *    2. B02 < blueMax: Sen2Cor's REFL_BLUE_MAX = 0.5 in the same test keeps snow and very bright
 *       ground out of the cirrus class. Known gap: high, dry mountains (> ~1500 m, where Sen2Cor
 *       switches its cirrus test off with a DEM) can put ground signal into B10; we have no DEM.
 *    3. when the model gives a probability: p >= cirrusProbabilityMin (default 0.2). B10 alone is
 *       not trusted to overrule a confident "clear": it also rises over high, dry terrain and in
 *       early baselines (the 2015 crop has B10 0.018-0.049 everywhere), and a mask that turns a
 *       whole clear scene semi-transparent would ruin every product built on it.
 *    B10 exists on L1C only; without it (L2A, or NaN) part B does nothing.
 *
 * Every test is a single threshold on one quantity, so the rule is monotone: lowering the
 * probability or brightness, raising the whiteness, or raising B10 can only
 * move a pixel towards semi-transparent. A test whose input is missing (array absent, or NaN at
 * that pixel) does not fire (the cirrus test also needs B02), so no pixel changes on missing data.
 */
import { MASK_CLASS } from '../models/card.js';
import type { SemiTransparentRule } from '../models/card.js';

export type { SemiTransparentRule } from '../models/card.js';

/**
 * Defaults when a card has no `semiTransparent` object; sources in the file header.
 * brightnessOpaque 0.25: Sen2Cor T2_B04. whitenessOpaque 0.7: Fmask. cirrusMin 0.012: Sen2Cor
 * T1_B10 GIPP default (0.3 Fmask cirrus probability).
 * blueMax 0.5: Sen2Cor REFL_BLUE_MAX. probabilityOpaque 0.8: our choice for a sigmoid cut at
 * 0.5 (the upper 40 % of the cloud range is "confident"); tune per model.
 */
export const DEFAULT_SEMI_TRANSPARENT_RULE: Readonly<SemiTransparentRule> = Object.freeze({
  probabilityOpaque: 0.8,
  brightnessOpaque: 0.25,
  whitenessOpaque: 0.7,
  cirrusMin: 0.012,
  blueMax: 0.5,
  cirrusProbabilityMin: 0.2,
});

/** Per-pixel inputs on one grid; reflectances are TOA (DN / quantification), NaN = no data. */
export interface SemiTransparentInput {
  /** Schema classes; changed in place. */
  classes: Uint8Array;
  /** The CNN's cloud probability (sigmoid output). */
  probability?: Float32Array;
  /**
   * Cirrus band (L1C only), resampled to the grid; or its value at a pixel index, for callers that
   * interpolate it on demand (the test reads it on few pixels: clear ones the CNN doubts).
   */
  b10?: Float32Array | ((i: number) => number);
  blue: Float32Array;
  green: Float32Array;
  red: Float32Array;
  /** Accepted for callers that have it; the rule does not use NIR (kept for future tests). */
  nir?: Float32Array;
}

export interface SemiTransparentResult {
  /** The input's `classes`, updated in place. */
  classes: Uint8Array;
  /** toSemi: all pixels now semi-transparent by this call; fromClear: those that were clear. */
  changed: { toSemi: number; fromClear: number };
}

/** Visible brightness and Fmask whiteness of one pixel; NaN when a band is missing. */
export function brightnessWhiteness(
  b: number,
  g: number,
  r: number,
): { brightness: number; whiteness: number } {
  const mean = (b + g + r) / 3;
  // A non-positive mean makes the ratio meaningless (dark water, bad pixels): no whiteness.
  const whiteness = mean > 0 ? (Math.abs(b - mean) + Math.abs(g - mean) + Math.abs(r - mean)) / mean : NaN;
  return { brightness: mean, whiteness };
}

/** Throws unless every present array has the classes' length. */
function checkLengths(input: SemiTransparentInput): void {
  const n = input.classes.length;
  const arrays: [string, Float32Array | undefined][] = [
    ['probability', input.probability],
    ['b10', typeof input.b10 === 'function' ? undefined : input.b10],
    ['blue', input.blue],
    ['green', input.green],
    ['red', input.red],
    ['nir', input.nir],
  ];
  for (const [name, a] of arrays) {
    if (a !== undefined && a.length !== n)
      throw new RangeError(`splitSemiTransparent: ${name} has ${a.length} pixels, classes ${n}`);
  }
}

/**
 * Splits the CNN's cloud into opaque (2) and semi-transparent (3), and marks as semi-transparent
 * the clear pixels that the cirrus band flags (rule in the file header). Updates `classes` in
 * place and returns it with the counts of changed pixels.
 */
export function splitSemiTransparent(
  input: SemiTransparentInput,
  rule: SemiTransparentRule = DEFAULT_SEMI_TRANSPARENT_RULE,
): SemiTransparentResult {
  checkLengths(input);
  const { classes, probability, b10, blue, green, red } = input;
  const b10At = typeof b10 === 'function' ? b10 : b10 ? (i: number): number => b10[i]! : undefined;
  const { probabilityOpaque, brightnessOpaque, whitenessOpaque, cirrusMin, blueMax } = rule;
  const cirrusP = rule.cirrusProbabilityMin ?? 0;
  let toSemi = 0;
  let fromClear = 0;
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i];
    if (c === MASK_CLASS.cloud) {
      // NaN compares false, so a missing input never fires a test.
      const p = probability === undefined ? NaN : probability[i]!;
      let semi = p < probabilityOpaque;
      if (!semi) {
        const { brightness, whiteness } = brightnessWhiteness(blue[i]!, green[i]!, red[i]!);
        semi = brightness < brightnessOpaque || whiteness > whitenessOpaque;
      }
      if (semi) {
        classes[i] = MASK_CLASS.semiTransparentCloud;
        toSemi++;
      }
    } else if (c === MASK_CLASS.clear && b10At !== undefined) {
      // With a probability, the model must see some hint of cloud too (p >= cirrusProbabilityMin).
      // B10 last: it may be interpolated on demand.
      const hint = probability === undefined || !(probability[i]! < cirrusP);
      if (hint && blue[i]! < blueMax && b10At(i) > cirrusMin) {
        classes[i] = MASK_CLASS.semiTransparentCloud;
        toSemi++;
        fromClear++;
      }
    }
  }
  return { classes, changed: { toSemi, fromClear } };
}
