import type { Grid } from '../grid.js';

/** Sample types the writer supports (one type for all bands, as TIFF requires for GDAL). */
export type CogDataType = 'Uint8' | 'Uint16' | 'Int16' | 'Float32';

/** The typed array that holds samples of each data type. */
export interface CogArrayOf {
  Uint8: Uint8Array;
  Uint16: Uint16Array;
  Int16: Int16Array;
  Float32: Float32Array;
}
export type CogTypedArray = CogArrayOf[CogDataType];

/**
 * How overview pixels are made from the 2x2 block of the level above (GDAL-style cascade):
 * nearest keeps the top-left pixel (so level k equals the full image decimated by 2^k),
 * mode keeps the most frequent valid value (ties: the first in row order), average the mean of
 * the valid values (rounded for integer types). Nodata (and NaN) never votes or averages.
 */
export type OverviewResampling = 'nearest' | 'mode' | 'average';

/** One palette entry: red, green, blue, 0..255. TIFF colour maps have no alpha channel. */
export type PaletteColour = readonly [number, number, number];

export interface CogBandInfo {
  /** Band description (GDAL's GetDescription; QGIS shows it in the layer panel). */
  description?: string;
  /** Band-level metadata items (e.g. CLASS_1=clear). */
  metadata?: Readonly<Record<string, string>>;
}

export interface CogOptions {
  grid: Grid;
  dataType: CogDataType;
  /** One entry per band; at least one. */
  bands: readonly CogBandInfo[];
  /** Nodata value (GDAL_NODATA tag); NaN is allowed for Float32. */
  nodata?: number;
  /**
   * Colour table (Photometric Palette) for single-band Uint8 rasters: index = class value,
   * missing entries are black. Use KAPPAMASK_PALETTE for the 5-class cloud mask.
   */
  palette?: readonly PaletteColour[];
  /** Dataset metadata items (GDAL_METADATA tag), e.g. MODEL_ID, PRODUCT_ID, RESOLUTION. */
  metadata?: Readonly<Record<string, string>>;
  /** Default: 'nearest' for palette rasters, otherwise 'average' for Float32, 'nearest' else. */
  overviewResampling?: OverviewResampling;
  /** Tile side in pixels, a multiple of 16 (TIFF rule). Default 512. */
  tileSize?: number;
  /** zlib level 1..9. Default 6. */
  deflateLevel?: number;
  /** 'auto' (default): BigTIFF only when a classic TIFF would pass 4 GiB. */
  bigTiff?: 'auto' | 'always' | 'never';
  /** Cancels the write; the temporary files are removed and nothing appears at the output. */
  signal?: AbortSignal;
  /**
   * Compressed tiles are kept in memory up to this many bytes, then spilled to a temporary
   * file beside the output. Default 64 MiB.
   */
  memoryLimitBytes?: number;
}

/** Per-band data for writeCog: each array holds width*height samples, row-major. */
export interface CogBandData extends CogBandInfo {
  data: CogTypedArray;
}
