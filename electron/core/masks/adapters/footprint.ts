/** The product's data footprint (WGS84 ring from the product metadata) rasterised on a grid. */
import type { Grid } from '../../raster/grid.js';
import type { Product } from '../../scene/types.js';
import { transformer } from './crs.js';
import { rasterisePolygon } from './polygon.js';

/**
 * 1 inside the product footprint, 0 outside; null when the product has no footprint (then every
 * pixel counts as data). The footprint is the product's, so for multi-tile products it may cover
 * more than the tile: that only means no pixel is wrongly dropped.
 */
export function footprintMask(product: Product, grid: Grid): Uint8Array | null {
  const ring = product.metadata.footprint;
  if (ring.length < 3) return null;
  const toGrid = transformer(4326, grid.epsg);
  const projected = ring.map(([lon, lat]) => toGrid(lon, lat));
  if (projected.some(([x, y]) => !Number.isFinite(x) || !Number.isFinite(y))) return null;
  const inside = new Uint8Array(grid.width * grid.height);
  rasterisePolygon(grid, [projected], 1, inside);
  return inside;
}
