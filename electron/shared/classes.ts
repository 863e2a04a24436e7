/**
 * The class schema every mask is mapped onto (KappaMask's classes, 0 for no data): values, names
 * and colours. Plain data shared by core/ and the renderer (no Node imports).
 */

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

/** The scored classes: no data (0) is never scored. */
export const SCORED_CLASSES: readonly MaskClassValue[] = [1, 2, 3, 4];
