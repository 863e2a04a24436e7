/**
 * What every kind of map layer (a scene's image, a mask or probability layer, the difference of
 * two masks) offers the tile service: the service finds the layer, skips tiles outside its
 * bounds, serves the PNG from the one cache by `key`, and only on a miss calls `render`.
 */
import type { LonLatBox } from './bounds.js';

export interface TileLayer<S, I = never> {
  /** Tiles outside this lon/lat box are empty and never rendered; null: the layer draws nowhere. */
  readonly bounds: LonLatBox | null;
  /**
   * The cache key of this layer drawn in `style` (the tile's z/x/y is appended). It starts with
   * the layer's id, so closing the layer drops its tiles. Throws INVALID_ARGUMENT for a style the
   * layer cannot draw, before any work.
   */
  key(style: S): string;
  /**
   * RGBA pixels of tile z/x/y (TILE_SIZE x TILE_SIZE x 4), or null when nothing is drawn.
   * Rejects with CANCELLED once `signal` fires (decodes in flight are dropped).
   */
  render(z: number, x: number, y: number, style: S, signal?: AbortSignal): Promise<Uint8Array | null>;
  /** What the layer holds under a point (the pixel inspector). */
  inspect?(lon: number, lat: number): Promise<I>;
}
