/**
 * GeoTIFF bands (THEIA/MAJA L2A products) behind the same `info` / `decode` calls as the JPEG 2000
 * decoder, so reflectance reading and the map tiles need not know which format a band is.
 *
 * geotiff.js parses the header once per open file (kept per ByteSource) and reads windows.
 * Resolution level L (what JPEG 2000 gives as its reduced resolutions) is ceil(size / 2^L) pixels:
 * taken from an internal overview of exactly that size when the file has one, else computed as the
 * mean of 2^L x 2^L blocks (the GDAL_NODATA value left out) for 16-bit data, and the block's first
 * sample for 8-bit data (class rasters are never averaged).
 */
import { GeoTIFF, type GeoTIFFImage } from 'geotiff';
import { S2Error, throwIfAborted } from '../../errors.js';
import type { ByteSource } from '../byte-source.js';
import type { PixelWindow } from '../grid.js';
import type { DecodedRaster, DecodeRequest, Jp2Info, SampleArray } from '../jp2/types.js';

type TiffSource = Parameters<typeof GeoTIFF.fromSource>[0];

/** Smallest level side: deeper levels than this are not offered. */
const MIN_LEVEL_SIDE = 128;
/** Block size reported for striped files, so callers read bounded windows. */
const VIRTUAL_TILE = 1024;
/** Output rows computed per pass when a level is averaged (bounds the full-resolution read). */
const LEVEL_ROWS = 128;

/** Whether a file is read as GeoTIFF (by its name: THEIA bands and masks are *.tif). */
export function isGeoTiffName(name: string): boolean {
  return /\.tiff?$/i.test(name);
}

/** geotiff.js reads through this: byte ranges of a ByteSource (a file or a zip entry). */
function byteSourceAdapter(src: ByteSource): TiffSource {
  const fetchSlice = async (slice: {
    offset: number;
    length: number;
  }): Promise<{ offset: number; length: number; data: ArrayBuffer }> => {
    const bytes = await src.read(slice.offset, slice.length);
    const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    return { offset: slice.offset, length: data.byteLength, data };
  };
  return {
    fetch: async (slices: Array<{ offset: number; length: number }>) =>
      Promise.all(slices.map(async (s) => (await fetchSlice(s)).data)),
    fetchSlice,
    get fileSize(): number {
      return src.size;
    },
    close: async (): Promise<void> => {},
  };
}

interface OpenTiff {
  tiff: GeoTIFF;
  image: GeoTIFFImage;
  info: Jp2Info;
  noData: number | null;
  /** Internal overviews by width. */
  overviews: Map<number, GeoTIFFImage>;
}

function corrupt(src: ByteSource, why: string, cause?: unknown): S2Error {
  return new S2Error('CORRUPT_TIFF', `${src.name} is not a readable GeoTIFF band (${why}).`, {
    file: src.name,
    cause,
  });
}

async function openTiff(src: ByteSource): Promise<OpenTiff> {
  let tiff: GeoTIFF;
  let image: GeoTIFFImage;
  let count: number;
  try {
    tiff = await GeoTIFF.fromSource(byteSourceAdapter(src));
    image = await tiff.getImage(0);
    count = await tiff.getImageCount();
  } catch (err) {
    if (err instanceof S2Error) throw err;
    throw corrupt(src, err instanceof Error ? err.message : String(err), err);
  }
  const width = image.getWidth();
  const height = image.getHeight();
  const bits = image.getBitsPerSample(0);
  const format = image.getSampleFormat(0); // 1 unsigned, 2 signed, 3 float
  if (!((bits === 8 || bits === 16) && (format === 1 || format === 2))) {
    throw new S2Error(
      'CORRUPT_TIFF',
      `${src.name} holds ${bits}-bit ${format === 3 ? 'floating-point' : format === 2 ? 'signed' : 'unsigned'} samples; a band or mask file has 8- or 16-bit integers.`,
      { file: src.name, details: { bitsPerSample: bits, sampleFormat: format } },
    );
  }
  const tiled = image.isTiled;
  const tileWidth = tiled ? image.getTileWidth() : Math.min(width, VIRTUAL_TILE);
  const tileHeight = tiled ? image.getTileHeight() : Math.min(height, VIRTUAL_TILE);
  let levels = 0;
  while (Math.max(width, height) / 2 ** (levels + 1) >= MIN_LEVEL_SIDE) levels++;
  const overviews = new Map<number, GeoTIFFImage>();
  for (let i = 1; i < count; i++) {
    const ov = await tiff.getImage(i).catch(() => null);
    if (ov && ov.getSamplesPerPixel() === image.getSamplesPerPixel()) overviews.set(ov.getWidth(), ov);
  }
  return {
    tiff,
    image,
    overviews,
    noData: image.getGDALNoData(),
    info: {
      width,
      height,
      tileWidth,
      tileHeight,
      tilesX: Math.ceil(width / tileWidth),
      tilesY: Math.ceil(height / tileHeight),
      levels,
      components: image.getSamplesPerPixel(),
      bitsPerSample: bits,
      signed: format === 2,
    },
  };
}

function newSamples(info: Jp2Info, n: number): SampleArray {
  if (info.bitsPerSample === 8) return new Uint8Array(n);
  return info.signed ? new Int16Array(n) : new Uint16Array(n);
}

/** Decodes windows of GeoTIFF files at full or reduced resolution (see the module comment). */
export class GeoTiffDecoder {
  /** One parsed header per open file; dropped with the ByteSource. */
  private readonly open = new WeakMap<ByteSource, Promise<OpenTiff>>();

  private get(src: ByteSource): Promise<OpenTiff> {
    let p = this.open.get(src);
    if (!p) {
      p = openTiff(src);
      p.catch(() => this.open.delete(src));
      this.open.set(src, p);
    }
    return p;
  }

  async info(src: ByteSource): Promise<Jp2Info> {
    return { ...(await this.get(src)).info };
  }

  async decode(src: ByteSource, req: DecodeRequest = {}, signal?: AbortSignal): Promise<DecodedRaster> {
    const t = await this.get(src);
    const { info } = t;
    const level = req.level ?? 0;
    // Any level down to a single pixel (JPEG 2000 stops at its decomposition count; these are computed).
    if (!Number.isInteger(level) || level < 0 || 2 ** level >= 2 * Math.max(info.width, info.height)) {
      throw new S2Error('INVALID_ARGUMENT', `${src.name}: no resolution level ${level}.`, { file: src.name });
    }
    const lw = Math.ceil(info.width / 2 ** level);
    const lh = Math.ceil(info.height / 2 ** level);
    const win = req.window ?? { x: 0, y: 0, width: lw, height: lh };
    if (
      win.x < 0 ||
      win.y < 0 ||
      win.width <= 0 ||
      win.height <= 0 ||
      win.x + win.width > lw ||
      win.y + win.height > lh
    ) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${src.name}: window ${JSON.stringify(win)} is outside the ${lw} x ${lh} image at level ${level}.`,
        { file: src.name },
      );
    }
    const overview = level === 0 ? t.image : t.overviews.get(lw);
    const data =
      overview && overview.getHeight() === lh
        ? await this.read(src, overview, win, info, signal)
        : await this.reduce(src, t, level, win, signal);
    return {
      width: lw,
      height: lh,
      components: info.components,
      bitsPerSample: info.bitsPerSample,
      level,
      window: { ...win },
      data,
    };
  }

  /** Pixel-interleaved samples of a window of one image of the file. */
  private async read(
    src: ByteSource,
    image: GeoTIFFImage,
    win: PixelWindow,
    info: Jp2Info,
    signal: AbortSignal | undefined,
  ): Promise<SampleArray> {
    let raster: ArrayLike<number>;
    try {
      raster = (await image.readRasters({
        window: [win.x, win.y, win.x + win.width, win.y + win.height],
        interleave: true,
        ...(signal ? { signal } : {}),
      })) as unknown as ArrayLike<number>;
    } catch (err) {
      throwIfAborted(signal);
      throw corrupt(src, err instanceof Error ? err.message : String(err), err);
    }
    throwIfAborted(signal);
    if (raster instanceof Uint8Array || raster instanceof Int16Array || raster instanceof Uint16Array) {
      return raster;
    }
    const out = newSamples(info, raster.length);
    for (let i = 0; i < raster.length; i++) out[i] = raster[i] as number;
    return out;
  }

  /** A reduced level computed from full-resolution rows, LEVEL_ROWS output rows at a time. */
  private async reduce(
    src: ByteSource,
    t: OpenTiff,
    level: number,
    win: PixelWindow,
    signal: AbortSignal | undefined,
  ): Promise<SampleArray> {
    const { info, noData } = t;
    const f = 2 ** level;
    const nc = info.components;
    const out = newSamples(info, win.width * win.height * nc);
    const fill = noData ?? 0;
    for (let oy0 = 0; oy0 < win.height; oy0 += LEVEL_ROWS) {
      const rows = Math.min(LEVEL_ROWS, win.height - oy0);
      const sx0 = win.x * f;
      const sy0 = (win.y + oy0) * f;
      const sx1 = Math.min(info.width, (win.x + win.width) * f);
      const sy1 = Math.min(info.height, (win.y + oy0 + rows) * f);
      const sw = sx1 - sx0;
      const src16 = await this.read(
        src,
        t.image,
        { x: sx0, y: sy0, width: sw, height: sy1 - sy0 },
        info,
        signal,
      );
      for (let oy = 0; oy < rows; oy++) {
        const by0 = oy * f;
        const by1 = Math.min(sy1 - sy0, by0 + f);
        for (let ox = 0; ox < win.width; ox++) {
          const bx0 = ox * f;
          const bx1 = Math.min(sw, bx0 + f);
          for (let c = 0; c < nc; c++) {
            const o = ((oy0 + oy) * win.width + ox) * nc + c;
            if (info.bitsPerSample === 8) {
              out[o] = src16[(by0 * sw + bx0) * nc + c] as number;
              continue;
            }
            let sum = 0;
            let n = 0;
            for (let y = by0; y < by1; y++) {
              for (let x = bx0; x < bx1; x++) {
                const v = src16[(y * sw + x) * nc + c] as number;
                if (v === noData) continue;
                sum += v;
                n++;
              }
            }
            out[o] = n === 0 ? fill : Math.round(sum / n);
          }
        }
      }
      throwIfAborted(signal);
    }
    return out;
  }
}

let shared: GeoTiffDecoder | undefined;

/** The process-wide GeoTIFF decoder (it holds nothing but per-file headers). */
export function getSharedGeoTiffDecoder(): GeoTiffDecoder {
  shared ??= new GeoTiffDecoder();
  return shared;
}
