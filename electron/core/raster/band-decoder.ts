/**
 * One decoder for every band file a product can hold: JPEG 2000 (SAFE products) or GeoTIFF
 * (THEIA/MAJA L2A products), chosen per file by its name. Readers (reflectance, map tiles) call
 * `info` / `decode` on this and never ask which format a band is.
 */
import type { ByteSource } from './byte-source.js';
import { getSharedGeoTiffDecoder, isGeoTiffName, type GeoTiffDecoder } from './geotiff/decoder.js';
import type { DecodedRaster, DecodeRequest, Jp2Info } from './jp2/types.js';

/** What readers need of a decoder (the JPEG 2000 decoder has exactly this shape). */
export interface RasterDecoder {
  info(src: ByteSource): Promise<Jp2Info>;
  decode(src: ByteSource, req?: DecodeRequest, signal?: AbortSignal): Promise<DecodedRaster>;
}

/** `jp2` for JPEG 2000 files, the GeoTIFF decoder for *.tif files. */
export function bandDecoder(
  jp2: RasterDecoder,
  tiff: GeoTiffDecoder = getSharedGeoTiffDecoder(),
): RasterDecoder {
  const pick = (src: ByteSource): RasterDecoder => (isGeoTiffName(src.name) ? tiff : jp2);
  return {
    info: (src) => pick(src).info(src),
    decode: (src, req, signal) => pick(src).decode(src, req, signal),
  };
}
