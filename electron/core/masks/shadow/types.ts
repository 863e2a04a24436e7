/**
 * Contract of the geometric cloud-shadow detector (Fmask's cloud/shadow matching), shared by the
 * four-class pipeline of `predict` and the built-in Fmask.
 */
import type { Grid } from '../../raster/grid.js';

export interface ShadowInput {
  /** Grid of every raster below (one resolution, usually 20 or 60 m). */
  grid: Grid;
  /** 1 where cloud (opaque or semi-transparent), 0 elsewhere. */
  cloud: Uint8Array;
  /** 1 where the pixel has data; 0 outside the swath (never cloud, never shadow). */
  valid: Uint8Array;
  /** Top-of-atmosphere (or surface) reflectance, NaN = no data. */
  nir: Float32Array; // B08 (or B8A)
  swir: Float32Array; // B11
  /** Optional water mask (1 = water): dark but not shadow. Computed from the bands when absent. */
  water?: Uint8Array;
  /** Optional red band (B04): enables Fmask's NDVI water test when `water` is absent. */
  red?: Float32Array;
  /** Optional green band (B03): enables the water index tests (NDWI, MNDWI) of the shadow rules. */
  green?: Float32Array;
  /** Mean sun angles in degrees (zenith from vertical, azimuth clockwise from north). */
  sun: { zenith: number; azimuth: number };
  /** Mean viewing angles in degrees, for the parallax of the cloud top; ignored when absent. */
  view?: { zenith: number; azimuth: number };
}

export interface ShadowOptions {
  /** Cloud base heights searched, metres (Fmask: 200 m .. 12 km). */
  minHeight?: number;
  maxHeight?: number;
  /** Height step in metres; default: one pixel of shadow displacement. */
  heightStep?: number;
  /** Dilation of the final shadow mask in pixels (Fmask: 3; default 0). */
  dilate?: number;
  /** Cloud objects smaller than this many pixels are not matched (speed, noise). */
  minCloudPixels?: number;
  /**
   * How potential shadow is found: 'local' (default), NIR and SWIR below `contrastRatio` times
   * their local clear background; 'flood-fill', Fmask's darkness below the flood-filled level.
   */
  darknessTest?: 'local' | 'flood-fill';
  /** Local contrast: a shadow pixel keeps at most this fraction of its background (0..1). */
  contrastRatio?: number;
  /** Local contrast: radius of the background window, metres. */
  contrastRadius?: number;
  /** Flood fill: darkness below the filled clear-sky level, reflectance, in both NIR and SWIR (Fmask: 0.02). */
  darkness?: number;
  /**
   * Keep whole dark regions that the silhouettes cover enough (default true); false: Fmask's rule,
   * only the silhouette's own pixels that are potential shadow.
   */
  shapeOverlap?: boolean;
  /** Silhouettes are widened by this many pixels before their overlap with a dark region is measured. */
  overlapRadius?: number;
  /** A dark region is shadow when at least this fraction of it lies under the widened silhouettes. */
  minOverlap?: number;
  /** Vertical extent of a cloud, metres: how far beyond its silhouette (along the sun) its shadow may reach. */
  cloudDepth?: number;
  /** Shadows of clouds wholly beyond the image border on the sun side (default true). */
  edgeShadows?: boolean;
  /** Pixels of a big object scored per height (a regular subsample); the footprint uses all. */
  maxSamples?: number;
  signal?: AbortSignal;
}

export interface CloudObject {
  id: number;
  pixels: number;
  /** Matched cloud height in metres, or null when no height matched (no shadow cast). */
  height: number | null;
  /** Similarity of the projected shape with the candidate shadow at the matched height (0..1). */
  score: number;
}

export interface ShadowResult {
  /** 1 where cloud shadow. */
  shadow: Uint8Array;
  /** 1 where the darkness test alone says "potential shadow" (water and cloud excluded). */
  candidates: Uint8Array;
  objects: CloudObject[];
  /** 1 where a matched cloud's silhouette lands at its matched height (before the darkness test). */
  footprint: Uint8Array;
}
