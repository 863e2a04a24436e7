/**
 * Map tiles and the pixel inspector: XYZ Web Mercator PNG tiles of a product's bands, of cloud
 * masks and of mask differences, and every value under a point. Plain Node (no Electron).
 */
export {
  TileService,
  differenceCategories,
  gridBounds,
  type LayerRef,
  type TileServiceOptions,
} from './service.js';
export type { TileLayer } from './tile-layer.js';
export { PngCache } from './png-cache.js';
export { PRESETS, STRETCH_PERCENTILES, dnPercentiles, type ImageStyle, type PresetId } from './style.js';
export {
  MAP_CLASS_COLOURS,
  DEFAULT_VISIBLE_CLASSES,
  DIFFERENCE_LEGEND,
  PROBABILITY_RAMP,
  type DifferenceCategory,
  type Rgb,
} from './palette.js';
export {
  tileBoundsMercator,
  tileBoundsLonLat,
  tilesCovering,
  fitZoom,
  mercatorPixelSize,
  lonLatToMercator,
  mercatorToLonLat,
  TILE_SIZE,
  MERCATOR_HALF,
} from './mercator.js';
export { mapTile, chooseLevel, controlGridError, type TileMapping } from './warp.js';
export { Jp2Pyramid, OVERVIEW_MAX, type LevelWindow } from './jp2-pyramid.js';
export { bandTileDn } from './band-tile.js';
export { ByteLru } from './lru.js';
export type * from './types.js';
