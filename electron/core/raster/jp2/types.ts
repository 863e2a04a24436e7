import type { PixelWindow } from '../grid.js';

export interface Jp2Info {
  /** Full-resolution image size. */
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  tilesX: number;
  tilesY: number;
  /** Decomposition levels: decode() accepts level 0 (full) to `levels` (size / 2^levels). */
  levels: number;
  components: number;
  /** Precision of the samples (S2 bands: 15, TCI and masks: 8); 9..16 bits decode to 16-bit arrays. */
  bitsPerSample: number;
  signed: boolean;
}

export interface DecodeRequest {
  /** Resolution level, 0 = full; level n is ceil(size / 2^n), as OpenJPEG and GDAL overviews. */
  level?: number;
  /** Pixels to decode, in the coordinates of the requested level. Default: the whole image. */
  window?: PixelWindow;
  /**
   * Reads go down the image (the strip pipeline): cached tiles lying wholly above this window
   * are dropped, since no later read asks for them, instead of waiting for the cache's cap.
   */
  downward?: boolean;
}

export type SampleArray = Uint8Array | Uint16Array | Int16Array;

export interface DecodedRaster {
  width: number;
  height: number;
  components: number;
  bitsPerSample: number;
  level: number;
  /** The window decoded, in the coordinates of `level`. */
  window: PixelWindow;
  /** Row-major samples, pixel-interleaved when there are several components (RGB for TCI). */
  data: SampleArray;
}
