/**
 * Reads one band of a mask raster with its grid: GeoTIFF (geotiff.js) or PNG plus world file
 * (.pgw/.pngw/.wld, CRS from the caller). Values stay as stored; adapters map them to classes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import { fromArrayBuffer } from 'geotiff';
import { S2Error } from '../errors.js';
import type { GeoTransform, Grid } from '../raster/grid.js';

export type NumericArray =
  Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export interface RasterBand {
  file: string;
  grid: Grid;
  values: NumericArray;
  /** GDAL_NODATA (GeoTIFF) or null. */
  noData: number | null;
  /** True for floating-point samples. */
  isFloat: boolean;
  /** GDAL metadata items (GeoTIFF): the dataset's, then the band's (band items win). */
  metadata?: Record<string, string>;
}

export interface ReadRasterOptions {
  /** EPSG code, required where the file has none (PNG, or a GeoTIFF without EPSG GeoKeys). */
  crs?: number;
  /** Grid to place a PNG that has no world file. */
  grid?: Grid;
  /** 0-based band index (default 0). */
  band?: number;
}

/** Reads a single band from a GeoTIFF or a PNG (+ world file). */
export async function readRasterBand(file: string, opts: ReadRasterOptions = {}): Promise<RasterBand> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new S2Error('NOT_FOUND', `Cannot read mask file ${file}.`, { file, cause: err });
  }
  if (bytes.length === 0) throw new S2Error('INVALID_ARGUMENT', `Mask file ${file} is empty.`, { file });
  if (isPng(bytes)) return readPngBand(file, bytes, opts);
  return readTiffBand(file, bytes, opts);
}

async function readTiffBand(file: string, bytes: Buffer, opts: ReadRasterOptions): Promise<RasterBand> {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let image;
  try {
    const tiff = await fromArrayBuffer(ab);
    image = await tiff.getImage();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new S2Error('INVALID_ARGUMENT', `${file} is not a readable GeoTIFF or PNG: ${why}`, {
      file,
      cause: err,
    });
  }
  const band = opts.band ?? 0;
  if (band >= image.getSamplesPerPixel()) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file} has ${image.getSamplesPerPixel()} band(s); band ${band + 1} asked.`,
      {
        file,
      },
    );
  }
  const epsg = tiffEpsg(image.getGeoKeys()) ?? opts.crs;
  if (epsg === undefined) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file} has no EPSG code in its GeoKeys (unknown or custom CRS); give its CRS explicitly (e.g. crs: 32631).`,
      { file },
    );
  }
  let origin: number[];
  let res: number[];
  try {
    origin = image.getOrigin();
    res = image.getResolution();
  } catch (err) {
    throw new S2Error('INVALID_ARGUMENT', `${file} has no georeferencing (tie point and pixel scale).`, {
      file,
      cause: err,
    });
  }
  const rasters = await image.readRasters({ samples: [band] });
  const values = rasters[0] as unknown as NumericArray;
  const isFloat = image.getSampleFormat(band) === 3;
  // GDAL writes the no-data value as text (-3.4e+38); float32 samples hold its float32 rounding.
  const float32 = isFloat && image.getBitsPerSample(band) === 32;
  const noData = image.getGDALNoData();
  const transform: GeoTransform = [origin[0] ?? 0, res[0] ?? 1, 0, origin[1] ?? 0, 0, res[1] ?? -1];
  const metadata = {
    ...((await image.getGDALMetadata(null).catch(() => null)) ?? {}),
    ...((await image.getGDALMetadata(band).catch(() => null)) ?? {}),
  } as Record<string, string>;
  return {
    file,
    grid: { epsg, width: image.getWidth(), height: image.getHeight(), transform },
    values,
    noData: float32 && noData !== null ? Math.fround(noData) : noData,
    isFloat,
    metadata,
  };
}

/** Every band of an in-memory TIFF as bytes (for product masks stored as TIFF), without georeferencing. */
export async function decodeTiffBand(
  name: string,
  bytes: Uint8Array,
): Promise<{ width: number; height: number; planes: Uint8Array[] }> {
  try {
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const image = await (await fromArrayBuffer(ab)).getImage();
    const rasters = await image.readRasters();
    const planes = Array.from({ length: rasters.length }, (_, i) =>
      Uint8Array.from(rasters[i] as ArrayLike<number>),
    );
    return { width: image.getWidth(), height: image.getHeight(), planes };
  } catch (err) {
    throw new S2Error('INVALID_ARGUMENT', `${name} is not a readable TIFF.`, { file: name, cause: err });
  }
}

/** EPSG from GeoKeys; 32767 means user-defined, i.e. unknown here. */
function tiffEpsg(keys: Record<string, unknown> | null): number | undefined {
  for (const k of ['ProjectedCSTypeGeoKey', 'GeographicTypeGeoKey']) {
    const v = keys?.[k];
    if (typeof v === 'number' && v > 0 && v !== 32767) return v;
  }
  return undefined;
}

const PNG_SIG = [137, 80, 78, 71, 13, 10, 26, 10];

function isPng(b: Buffer): boolean {
  return PNG_SIG.every((v, i) => b[i] === v);
}

function readPngBand(file: string, bytes: Buffer, opts: ReadRasterOptions): RasterBand {
  const { width, height, values } = decodePng(file, bytes);
  let grid = opts.grid;
  const world = worldFileOf(file);
  if (world) {
    if (opts.crs === undefined) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${file}: a PNG world file carries no CRS; give it (e.g. crs: 32631).`,
        {
          file,
        },
      );
    }
    grid = { epsg: opts.crs, width, height, transform: parseWorldFile(world.path, world.text) };
  }
  if (!grid) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file} has no world file (.pgw/.pngw/.wld); give one, or the grid to place the PNG on.`,
      { file },
    );
  }
  if (grid.width !== width || grid.height !== height) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file} is ${width} x ${height} but the grid given is ${grid.width} x ${grid.height}.`,
      {
        file,
      },
    );
  }
  return { file, grid, values, noData: null, isFloat: false };
}

function worldFileOf(file: string): { path: string; text: string } | null {
  const stem = file.replace(/\.png$/i, '');
  for (const ext of ['.pgw', '.pngw', '.wld', '.PGW', '.PNGW', '.WLD']) {
    const p = stem + ext;
    // Sync read is fine: world files are six lines.
    if (existsSync(p)) return { path: p, text: readFileSync(p, 'utf8') };
  }
  return null;
}

/** World file lines A D B E C F (C, F: centre of the top-left pixel) -> GDAL geotransform. */
export function parseWorldFile(path: string, text: string): GeoTransform {
  const n = text
    .split(/\s+/)
    .filter((s) => s.length > 0)
    .map(Number);
  if (n.length < 6 || n.some((v) => !Number.isFinite(v))) {
    throw new S2Error('INVALID_ARGUMENT', `${path} is not a world file (six numbers expected).`, {
      file: path,
    });
  }
  const [a, d, b, e, c, f] = n as [number, number, number, number, number, number];
  return [c - a / 2 - b / 2, a, b, f - d / 2 - e / 2, d, e];
}

/**
 * Minimal PNG decoder for class maps: 8-bit greyscale or palette, non-interlaced. Palette images
 * whose palette is grey return the grey level (what the eye and KappaMask's values mean); other
 * palettes return the index.
 */
export function decodePng(
  file: string,
  bytes: Uint8Array,
): { width: number; height: number; values: Uint8Array } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colour = -1;
  let interlace = 0;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  while (pos + 8 <= bytes.length) {
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = dv.getUint32(pos + 8);
      height = dv.getUint32(pos + 12);
      depth = data[8] ?? 0;
      colour = data[9] ?? -1;
      interlace = data[12] ?? 0;
    } else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  if (depth !== 8 || (colour !== 0 && colour !== 3) || interlace !== 0) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file}: only 8-bit greyscale or palette, non-interlaced PNG masks are supported (this one: ${depth}-bit, colour type ${colour}, interlace ${interlace}).`,
      { file },
    );
  }
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (err) {
    throw new S2Error('INVALID_ARGUMENT', `${file}: corrupt PNG image data.`, { file, cause: err });
  }
  if (raw.length < (width + 1) * height) {
    throw new S2Error('INVALID_ARGUMENT', `${file}: truncated PNG image data.`, { file });
  }
  const values = unfilter(raw, width, height);
  if (colour === 3 && palette && isGreyPalette(palette)) {
    for (let i = 0; i < values.length; i++) values[i] = palette[(values[i] as number) * 3] ?? 0;
  }
  return { width, height, values };
}

function isGreyPalette(p: Uint8Array): boolean {
  for (let i = 0; i + 2 < p.length; i += 3) if (p[i] !== p[i + 1] || p[i] !== p[i + 2]) return false;
  return true;
}

/** Undoes the PNG scanline filters (1 byte per pixel). */
function unfilter(raw: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)] ?? 0;
    const src = y * (width + 1) + 1;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const v = raw[src + x] as number;
      const a = x > 0 ? (out[row + x - 1] as number) : 0;
      const b = y > 0 ? (out[row - width + x] as number) : 0;
      const c = x > 0 && y > 0 ? (out[row - width + x - 1] as number) : 0;
      let p: number;
      if (filter === 0) p = 0;
      else if (filter === 1) p = a;
      else if (filter === 2) p = b;
      else if (filter === 3) p = (a + b) >> 1;
      else {
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[row + x] = (v + p) & 255;
    }
  }
  return out;
}
