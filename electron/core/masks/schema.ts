/**
 * The class schema every mask is mapped onto (KappaMask's classes, 0 for no data): the masks
 * on it. Its values, names and colours are in electron/shared/classes.ts.
 */
import { CLASS_NAMES, CLASS_VALUES } from '../../shared/classes.js';
import type { Grid } from '../raster/grid.js';

// Values, names and colours live in electron/shared (the renderer needs them too).
export {
  MaskClass,
  CLASS_VALUES,
  CLASS_NAMES,
  CLASS_COLOURS,
  type MaskClassValue,
} from '../../shared/classes.js';

/** A mask on the schema: one byte per pixel on its grid, plus what its adapter could not map. */
export interface SchemaMask {
  /** Human name of the source, e.g. "Sen2Cor SCL", "Fmask 4", "KappaMask L2A". */
  source: string;
  /** File it came from (for messages). */
  file: string;
  grid: Grid;
  data: Uint8Array;
  /** Source values the adapter did not know: value -> pixel count (they become no data). */
  unmapped: Record<string, number>;
}

/** CLASS_n = name metadata items, for GeoTIFF band metadata. */
export function classNameItems(): Record<string, string> {
  const items: Record<string, string> = {};
  for (const c of CLASS_VALUES) items[`CLASS_${c}`] = CLASS_NAMES[c];
  return items;
}
