/**
 * Pass 1 of Fmask: per-pixel spectral tests on TOA reflectance (Zhu & Woodcock 2012, eqs. 1-7,
 * 12, 15, 20; Zhu, Wang & Woodcock 2015 for the cirrus band). Thresholds as read in
 * ubarsc/python-fmask `fmask/fmask.py` (potentialCloudFirstPass) and its config defaults.
 */

/** The TOA reflectances one pixel needs (B10 as normalised cirrus, see probability.ts). */
export interface PixelSpectrum {
  blue: number; // B02
  green: number; // B03
  red: number; // B04
  nir: number; // B08
  swir1: number; // B11
  swir2: number; // B12
  cirrus: number; // B10, after normalisation
}

export const THRESHOLDS = {
  basicSwir2: 0.03, // eq. 1
  ndsiMax: 0.8,
  ndviMax: 0.8,
  whiteness: 0.7, // eq. 2
  hotOffset: 0.08, // eq. 3
  nirSwirRatio: 0.75, // eq. 4
  cirrusTest: 0.01, // 2015 paper, section 2.2.1
  clearWaterSwir2: 0.03, // eq. 7
  snowNdsi: 0.15, // eq. 20
  snowNir: 0.11,
  snowGreen: 0.1,
} as const;

/** Reflectances <= 0 are clamped, as python-fmask does, so ratios stay finite. */
const clamp = (v: number): number => (v > 0 ? v : 1e-5);

export const ndvi = (s: PixelSpectrum): number =>
  (clamp(s.nir) - clamp(s.red)) / (clamp(s.nir) + clamp(s.red));
export const ndsi = (s: PixelSpectrum): number =>
  (clamp(s.green) - clamp(s.swir1)) / (clamp(s.green) + clamp(s.swir1));

/** Eq. 2: sum of the relative deviations of the visible bands from their mean (0 = white). */
export function whiteness(s: PixelSpectrum): number {
  const b = clamp(s.blue);
  const g = clamp(s.green);
  const r = clamp(s.red);
  const m = (b + g + r) / 3;
  return (Math.abs(b - m) + Math.abs(g - m) + Math.abs(r - m)) / m;
}

/** Eq. 3 (haze-optimised transform, without the 0.08 offset; the test is hot > 0.08). */
export const hot = (s: PixelSpectrum): number => clamp(s.blue) - 0.5 * clamp(s.red);

export const basicTest = (s: PixelSpectrum): boolean =>
  s.swir2 > THRESHOLDS.basicSwir2 && ndsi(s) < THRESHOLDS.ndsiMax && ndvi(s) < THRESHOLDS.ndviMax;
export const whitenessTest = (s: PixelSpectrum): boolean => whiteness(s) < THRESHOLDS.whiteness;
export const hotTest = (s: PixelSpectrum): boolean => hot(s) - THRESHOLDS.hotOffset > 0;
export const nirSwirTest = (s: PixelSpectrum): boolean =>
  clamp(s.nir) / clamp(s.swir1) > THRESHOLDS.nirSwirRatio;
export const cirrusTest = (s: PixelSpectrum): boolean => s.cirrus > THRESHOLDS.cirrusTest;

/** Eq. 5. */
export function waterTest(s: PixelSpectrum): boolean {
  const v = ndvi(s);
  return (v < 0.01 && s.nir < 0.11) || (v < 0.1 && s.nir < 0.05);
}

/** Eq. 20 without the thermal condition (Sentinel-2 has none). */
export const snowTest = (s: PixelSpectrum): boolean =>
  ndsi(s) > THRESHOLDS.snowNdsi && s.nir > THRESHOLDS.snowNir && s.green > THRESHOLDS.snowGreen;

/** Eq. 6 plus the 2015 cirrus test, combined with OR as python-fmask does. */
export const spectralCloudTest = (s: PixelSpectrum): boolean =>
  basicTest(s) && whitenessTest(s) && hotTest(s) && nirSwirTest(s);

/** Eq. 15: variability probability, 1 - max(|NDVI|, |NDSI|, whiteness), clipped to 0..1. */
export function variabilityProb(s: PixelSpectrum): number {
  const m = Math.max(Math.abs(ndvi(s)), Math.abs(ndsi(s)), whiteness(s));
  return Math.min(1, Math.max(0, 1 - m));
}

/** Eq. 10: water brightness probability from SWIR1. */
export const waterBrightnessProb = (s: PixelSpectrum): number => Math.min(clamp(s.swir1), 0.11) / 0.11;
