/** Pixel counts and areas (km²) per class of one mask. */
import { CLASS_NAMES, CLASS_VALUES, type MaskClassValue } from '../masks/schema.js';
import type { Grid } from '../raster/grid.js';

export interface ClassArea {
  classValue: MaskClassValue;
  name: string;
  pixels: number;
  /** null when the grid's CRS is geographic (pixel sizes in degrees, not metres). */
  km2: number | null;
  /** Share of the valid (non-no-data) pixels; no data's own share is of all pixels. */
  fraction: number | null;
}

export interface MaskAreas {
  pixelAreaM2: number | null;
  totalPixels: number;
  validPixels: number;
  /** Values above 4 (not on the schema). */
  invalidPixels: number;
  classes: ClassArea[];
  note: string | null;
}

// Geographic CRSs a mask could plausibly come in: WGS 84, ETRS89, NAD83, NAD27.
const GEOGRAPHIC = new Set([4326, 4258, 4269, 4267]);

/** Area of one pixel in m² (determinant of the geotransform), or null for a geographic CRS. */
export function pixelAreaM2(grid: Grid): number | null {
  if (GEOGRAPHIC.has(grid.epsg)) return null;
  const [, a, b, , d, e] = grid.transform;
  return Math.abs(a * e - b * d);
}

export function classAreas(data: Uint8Array, grid: Grid): MaskAreas {
  const hist = new Float64Array(256);
  // Uint32 counting, folded into float64 (same as the confusion matrix).
  const h32 = new Uint32Array(256);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    h32[v] = h32[v]! + 1;
  }
  for (let v = 0; v < 256; v++) hist[v] = h32[v]!;
  const px = pixelAreaM2(grid);
  let invalid = 0;
  for (let v = 5; v < 256; v++) invalid += hist[v]!;
  const valid = data.length - invalid - hist[0]!;
  return {
    pixelAreaM2: px,
    totalPixels: data.length,
    validPixels: valid,
    invalidPixels: invalid,
    classes: CLASS_VALUES.map((c) => {
      const pixels = hist[c]!;
      const den = c === 0 ? data.length : valid;
      return {
        classValue: c,
        name: CLASS_NAMES[c],
        pixels,
        km2: px === null ? null : (pixels * px) / 1e6,
        fraction: den > 0 ? pixels / den : null,
      };
    }),
    note: px === null ? `EPSG:${grid.epsg} is geographic: areas in km² are not given` : null,
  };
}
