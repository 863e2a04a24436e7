/**
 * Shared vector types: the small subset of simple features a reference mask needs (points and
 * polygons, 2-D), plus the CRS description every reader returns.
 */
import type { MaskClassValue } from '../schema.js';

export type Position = [number, number];
/** A closed ring (first vertex may or may not be repeated at the end). */
export type Ring = Position[];

export type VectorGeometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiPoint'; coordinates: Position[] }
  | { type: 'Polygon'; coordinates: Ring[] }
  | { type: 'MultiPolygon'; coordinates: Ring[][] };

export type PropertyValue = string | number | null;

export interface VectorFeature {
  geometry: VectorGeometry;
  properties: Record<string, PropertyValue>;
}

export interface VectorCrs {
  epsg?: number;
  wkt?: string;
  /** A definition proj4 accepts (proj string or WKT). */
  proj4: string;
}

/** Bounds on what a reader accepts, so a huge file fails with a message instead of OOM. */
export interface VectorLimits {
  /** Most features read (default 1,000,000). */
  maxFeatures?: number;
  /** Most vertices read, all features together (default 50,000,000). */
  maxVertices?: number;
}

export interface ReadOptions extends VectorLimits {
  /** GeoPackage layer (table) name; required when the file has several. */
  layer?: string;
  /** CRS to use when the file has none (a Shapefile without .prj): EPSG code or proj4/WKT. */
  crs?: number | string;
}

/** A lazily read layer: `features()` may be iterated once per call, reading as it goes. */
export interface VectorSource {
  file: string;
  layer: string;
  crs: VectorCrs;
  /** Attribute names as stored in the file. */
  fields: string[];
  /** Feature count when the format stores it up front (Shapefile, GeoPackage, GeoJSON). */
  featureCount: number;
  features(): Iterable<VectorFeature>;
  /** Features skipped so far because their geometry is empty, null or a line type. */
  skipped(): number;
}

export interface VectorData {
  file: string;
  layer: string;
  crs: VectorCrs;
  fields: string[];
  features: VectorFeature[];
  skipped: number;
}

export interface ClassifiedFeature extends VectorFeature {
  cls: MaskClassValue;
}

export const DEFAULT_MAX_FEATURES = 1_000_000;
export const DEFAULT_MAX_VERTICES = 50_000_000;
