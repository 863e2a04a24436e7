/**
 * The class schema every mask is mapped onto (KappaMask's classes, 0 for no data): names and
 * colours live here and only here.
 */
import type { Grid } from '../raster/grid.js';

export const MaskClass = {
  NoData: 0,
  Clear: 1,
  Cloud: 2,
  SemiTransparentCloud: 3,
  CloudShadow: 4,
} as const;
export type MaskClassValue = (typeof MaskClass)[keyof typeof MaskClass];

export const CLASS_VALUES: readonly MaskClassValue[] = [0, 1, 2, 3, 4];

export const CLASS_NAMES: Readonly<Record<MaskClassValue, string>> = {
  0: 'no data',
  1: 'clear',
  2: 'cloud',
  3: 'semi-transparent cloud',
  4: 'cloud shadow',
};

/** KappaMask-like colours (RGB), as used by the COG colour table and the map legend. */
export const CLASS_COLOURS: Readonly<Record<MaskClassValue, readonly [number, number, number]>> = {
  0: [0, 0, 0],
  1: [76, 175, 80],
  2: [240, 240, 240],
  3: [150, 190, 220],
  4: [90, 70, 50],
};

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
