/** Options every adapter understands (each uses the ones that apply to it). */
import type { Grid } from '../../raster/grid.js';
import type { Product, Resolution } from '../../scene/types.js';
import type { ClassTableInput } from './map-values.js';

/** How probability values are scaled: 0..1, 0..100 or 0..255 (see s2cloudless.ts for the guess). */
export type ProbabilityScale = 'unit' | 'percent' | 'byte';

export interface AdapterOptions {
  /** Overrides on top of the adapter's default value -> class table (the whole table for 'table'). */
  table?: ClassTableInput;
  /** Cloud threshold of probability adapters (s2cloudless: 0..1; MSK_CLDPRB: percent). */
  threshold?: number;
  /** MSK_CLDPRB: probability (percent) from which a pixel is semi-transparent cloud; null: never. */
  semiThreshold?: number | null;
  /** Probability scale, when the guess from data type / maximum is not wanted. */
  scale?: ProbabilityScale;
  /** EPSG code for rasters that carry none (PNG + world file, GeoTIFF without EPSG GeoKeys). */
  crs?: number;
  /** Grid for a PNG with no world file (KappaMask sub-tile PNGs). */
  grid?: Grid;
  /** 0-based band of a multi-band raster (default 0). */
  band?: number;
  /** An opened product, or its path: product masks (SCL, MSK_*) and GML rasterising need it. */
  product?: Product | string;
  /** Resolution of the product grid to read product masks on (defaults per adapter). */
  resolution?: Resolution;
  /** Name to give the source (default: the adapter's name). */
  source?: string;
  signal?: AbortSignal;
}
