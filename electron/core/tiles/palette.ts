/**
 * Colours of the map layers. The schema's colours (masks/schema.ts) are made for a mask on its
 * own (near-white cloud, dark brown shadow); over imagery those vanish on clouds and shadows, so
 * the map uses saturated hues instead, one per class, none of them a natural surface colour.
 */
import { CLASS_NAMES, type MaskClassValue } from '../masks/schema.js';

export type Rgb = [number, number, number];

/** Default mask colours on the map, by schema class (0 no data is not drawn unless asked). */
export const MAP_CLASS_COLOURS: Readonly<Record<MaskClassValue, Rgb>> = {
  0: [0, 0, 0],
  1: [76, 175, 80], // clear: green (the schema's)
  2: [0, 229, 255], // cloud: cyan
  3: [186, 104, 255], // semi-transparent cloud: violet
  4: [255, 111, 0], // cloud shadow: orange
};

/** Classes drawn when the style names none: every class but no data. */
export const DEFAULT_VISIBLE_CLASSES: readonly number[] = [1, 2, 3, 4];

export { CLASS_NAMES };

/**
 * The difference of two cloud masks, A against B (B the reference), in the binary cloud view
 * (cloud = cloud + semi-transparent cloud; shadow counted as clear by default), coloured as in
 * the CNN cloud-masking papers' error maps.
 */
export type DifferenceCategory =
  'agreement-cloud' | 'agreement-clear' | 'omission' | 'commission' | 'no-data';

export const DIFFERENCE_LEGEND: ReadonlyArray<{
  category: DifferenceCategory;
  label: string;
  colour: Rgb | null;
}> = [
  { category: 'agreement-cloud', label: 'cloud in both', colour: [235, 235, 235] },
  {
    category: 'omission',
    label: 'omission: cloud in B (reference) only, missed by A',
    colour: [255, 170, 0],
  },
  {
    category: 'commission',
    label: 'commission: cloud in A only, clear in B (reference)',
    colour: [255, 0, 170],
  },
  { category: 'agreement-clear', label: 'clear in both (transparent)', colour: null },
  { category: 'no-data', label: 'no data in A or B, or shadow left out (transparent)', colour: null },
];

/** Colour ramp for probabilities 0..1 (inferno-like: dark violet -> red -> orange -> pale yellow). */
const RAMP: ReadonlyArray<[number, Rgb]> = [
  [0, [0, 0, 4]],
  [0.25, [87, 16, 110]],
  [0.5, [188, 55, 84]],
  [0.75, [249, 142, 9]],
  [1, [252, 255, 164]],
];

/** 256-entry RGB table of the probability ramp (index = round(p * 255)). */
export const PROBABILITY_RAMP: Uint8Array = (() => {
  const t = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const p = i / 255;
    let k = 0;
    while (k < RAMP.length - 2 && p > RAMP[k + 1]![0]) k++;
    const [p0, c0] = RAMP[k]!;
    const [p1, c1] = RAMP[k + 1]!;
    const f = (p - p0) / (p1 - p0);
    for (let c = 0; c < 3; c++) t[i * 3 + c] = Math.round(c0[c]! + (c1[c]! - c0[c]!) * f);
  }
  return t;
})();
