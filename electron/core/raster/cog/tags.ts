/** TIFF / GeoTIFF / GDAL tag numbers and field types used by the writer. */
export const Tag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  SamplesPerPixel: 277,
  PlanarConfiguration: 284,
  Software: 305,
  Predictor: 317,
  ColorMap: 320,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  ExtraSamples: 338,
  SampleFormat: 339,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  ModelTransformation: 34264,
  GeoKeyDirectory: 34735,
  GeoDoubleParams: 34736,
  GeoAsciiParams: 34737,
  GdalMetadata: 42112,
  GdalNodata: 42113,
} as const;

/** TIFF field types (TIFF 6 + BigTIFF LONG8). */
export const FieldType = {
  BYTE: 1,
  ASCII: 2,
  SHORT: 3,
  LONG: 4,
  DOUBLE: 12,
  LONG8: 16,
} as const;
export type FieldTypeCode = (typeof FieldType)[keyof typeof FieldType];

/** Bytes per value of each field type. */
export const FIELD_SIZE: Readonly<Record<FieldTypeCode, number>> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  12: 8,
  16: 8,
};

/** One IFD entry; ASCII values are given as a string (the NUL terminator is added). */
export interface IfdEntry {
  tag: number;
  type: FieldTypeCode;
  values: readonly number[] | string;
}

export const COMPRESSION_DEFLATE = 8; // "Adobe deflate": what GDAL writes for COMPRESS=DEFLATE
export const PHOTOMETRIC_MINISBLACK = 1;
export const PHOTOMETRIC_PALETTE = 3;
export const PREDICTOR_HORIZONTAL = 2;
export const PREDICTOR_FLOATING_POINT = 3;
