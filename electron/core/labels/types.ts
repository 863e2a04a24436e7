/** Labels an analyst draws on a product: points and polygons with a class, who, and when. */
import type { MaskClassValue } from '../masks/schema.js';
import type { VectorGeometry } from '../masks/vector/types.js';

export interface Label {
  /** In the label set's CRS (the product's). */
  geometry: VectorGeometry;
  /** 0 ignore, 1 clear, 2 cloud, 3 semi-transparent, 4 cloud shadow. */
  cls: MaskClassValue;
  author?: string;
  /** ISO 8601, UTC. */
  time?: string;
}

export interface LabelSet {
  /** EPSG code of the coordinates (the product's CRS). */
  epsg: number;
  labels: Label[];
  /** What the labels are of (the product name), written into the GeoPackage's description. */
  product?: string;
}
