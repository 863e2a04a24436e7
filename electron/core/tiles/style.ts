/**
 * Image styles for map tiles: three bands as red, green and blue, each stretched linearly from
 * `min` to `max` (reflectance) then raised to 1/gamma (gamma > 1 brightens the dark end).
 */
export interface ImageStyle {
  /** Red, green, blue: band names (ReflectanceBand; checked against the scene). */
  bands: [string, string, string];
  /** Reflectance shown as 0, per band. */
  min: [number, number, number];
  /** Reflectance shown as 255, per band. */
  max: [number, number, number];
  /** out = 255 * t^(1/gamma), t the stretched value in 0..1. 1 = linear. */
  gamma: number;
}

export { PRESETS, type PresetId } from '../../shared/presets.js';

/** Percentiles of the default stretch. */
export const STRETCH_PERCENTILES: readonly [number, number] = [0.02, 0.98];

/**
 * Lower and upper percentiles of the valid samples of a DN raster (noData excluded), by a
 * histogram over the 16-bit range. Null when there is no valid sample.
 */
export function dnPercentiles(
  data: ArrayLike<number>,
  noData: number,
  lo = STRETCH_PERCENTILES[0],
  hi = STRETCH_PERCENTILES[1],
): [number, number] | null {
  const hist = new Uint32Array(65536);
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v === noData) continue;
    // Signed samples (THEIA int16): negative reflectance counts as 0, not as 65535 - |v|.
    hist[v < 0 ? 0 : v & 0xffff]!++;
    n++;
  }
  if (n === 0) return null;
  const at = (q: number): number => {
    const target = Math.min(n - 1, Math.floor(q * n));
    let acc = 0;
    for (let v = 0; v < 65536; v++) {
      acc += hist[v] as number;
      if (acc > target) return v;
    }
    return 65535;
  };
  return [at(lo), at(hi)];
}

/**
 * A DN -> byte lookup table for one band of a style: (DN + offset) / quantification, stretched
 * and gamma-corrected. The noData DN maps to 0 (the caller makes it transparent).
 */
export function dnLut(
  offset: number,
  quantification: number,
  min: number,
  max: number,
  gamma: number,
): Uint8Array {
  const lut = new Uint8Array(65536);
  const span = max - min || 1e-6;
  const inv = 1 / (gamma > 0 ? gamma : 1);
  for (let dn = 0; dn < 65536; dn++) {
    const t = ((dn + offset) / quantification - min) / span;
    lut[dn] = t <= 0 ? 0 : t >= 1 ? 255 : Math.round(255 * (inv === 1 ? t : t ** inv));
  }
  return lut;
}

/** A stable text key of a style, for caches. */
export function styleKey(style: unknown): string {
  return JSON.stringify(style);
}
