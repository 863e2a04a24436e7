/**
 * Colours of the map layers. The schema's colours (masks/schema.ts) are made for a mask on its
 * own (near-white cloud, dark brown shadow); over imagery those vanish on clouds and shadows, so
 * the map uses saturated hues instead, one per class, none of them a natural surface colour.
 * Plain data shared by core/ and the renderer.
 */
import { CLASS_NAMES, type MaskClassValue } from './classes.js';

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
