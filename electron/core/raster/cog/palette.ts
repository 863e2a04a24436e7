import { FieldType, Tag, type IfdEntry } from './tags.js';
import type { PaletteColour } from './types.js';
import { CLASS_COLOURS, CLASS_NAMES, CLASS_VALUES } from '../../masks/schema.js';

/**
 * Colours and names of the class schema (masks/schema.ts, the one place they are defined).
 * Class 0 (no data) is black; it shows as transparent because the writer also sets nodata = 0
 * (TIFF colour maps cannot carry alpha).
 */
export const KAPPAMASK_PALETTE: readonly PaletteColour[] = CLASS_VALUES.map((c) => CLASS_COLOURS[c]);

/** Class names, for CLASS_n metadata items. */
export const KAPPAMASK_CLASS_NAMES: readonly string[] = CLASS_VALUES.map((c) => CLASS_NAMES[c]);

/**
 * The ColorMap tag for an 8-bit palette: 3 x 256 SHORTs (all reds, then greens, then blues),
 * each 0..65535; a 0..255 component c becomes c * 257 so that 255 maps to 65535 exactly.
 */
export function colorMapEntry(palette: readonly PaletteColour[]): IfdEntry {
  if (palette.length > 256) throw new Error('A Uint8 colour table has at most 256 entries');
  const values = new Array<number>(3 * 256).fill(0);
  palette.forEach((c, i) => {
    for (let k = 0; k < 3; k++) {
      const v = c[k] ?? 0;
      if (!Number.isInteger(v) || v < 0 || v > 255) throw new Error(`Palette entry ${i} is not 0..255 RGB`);
      values[k * 256 + i] = v * 257;
    }
  });
  return { tag: Tag.ColorMap, type: FieldType.SHORT, values };
}
