/**
 * One band of one product, read as reflectance at one working resolution. Everything that does
 * not depend on the window (the file, its scaling, the source resolution, the JPEG 2000 level,
 * the resampling method) is worked out once when the reader is made; a run makes one reader per
 * band and resolution and reads window after window through it. The decoded numbers (DN) can
 * come from elsewhere (`fromDn`): the strip reader decodes a file once for every reader of it.
 */
import { S2Error, throwIfAborted } from '../errors.js';
import { bandDecoder, type RasterDecoder } from '../raster/band-decoder.js';
import type { ByteSource } from '../raster/byte-source.js';
import { isGeoTiffName } from '../raster/geotiff/decoder.js';
import type { Grid, PixelWindow } from '../raster/grid.js';
import { getSharedDecoder, type Jp2Decoder } from '../raster/jp2/index.js';
import type { SampleArray } from '../raster/jp2/types.js';
import { resample, sourceWindowFor, type ResampleMethod } from '../raster/resample.js';
import { pickBandFile, productGrid } from './reflectance.js';
import type { BandEntry, Product, Resolution, SpectralBand } from './types.js';

/** Spectral bands, plus the L2A aerosol (AOT) and water-vapour (WVP) layers some models read. */
export type ReflectanceBand = SpectralBand | 'AOT' | 'WVP';

/** `(DN + offset) / quantification`; DN equal to `noData` is no data. */
export interface BandScaling {
  offset: number;
  quantification: number;
  noData: number;
}

/**
 * How a band's stored numbers become reflectance, from the product metadata (never hard-coded:
 * baseline 04.00 and later add RADIO_ADD_OFFSET / BOA_ADD_OFFSET). AOT and WVP are physical
 * quantities with their own quantification and no offset.
 */
export function bandScaling(product: Product, band: ReflectanceBand): BandScaling {
  const meta = product.metadata;
  const aux = band === 'AOT' || band === 'WVP';
  return {
    offset: aux ? 0 : (meta.offsets[band] ?? 0),
    quantification:
      band === 'AOT'
        ? (meta.aotQuantificationValue ?? 1000)
        : band === 'WVP'
          ? (meta.wvpQuantificationValue ?? 1000)
          : meta.quantificationValue,
    noData: meta.noDataValue,
  };
}

/**
 * The band files of one product, each opened once and kept open until close(): the decoder keeps
 * a file's parsed JPEG 2000 index for as long as its ByteSource lives, so reusing the source
 * saves re-reading the tile-part headers at every strip.
 */
export class BandSources {
  private readonly sources = new Map<string, Promise<ByteSource>>();

  constructor(private readonly product: Product) {}

  get(path: string): Promise<ByteSource> {
    let src = this.sources.get(path);
    if (!src) {
      src = this.product.open(path);
      this.sources.set(path, src);
      // A file that failed to open is tried again next time (and not closed).
      src.catch(() => this.sources.delete(path));
    }
    return src;
  }

  async close(): Promise<void> {
    const all = [...this.sources.values()];
    this.sources.clear();
    await Promise.allSettled(all.map(async (src) => (await src).close()));
  }
}

export interface BandReaderOptions {
  /** Bands coarser than the working resolution: bilinear (default) or nearest. */
  upsampling?: 'bilinear' | 'nearest';
  /** Bands finer than it: exact block means (default) or a reduced JPEG 2000 level. */
  coarsening?: 'average' | 'jp2-level';
}

export class BandReader {
  readonly entry: BandEntry;
  readonly scaling: BandScaling;
  /** Resolution of the decoded pixels (the file's, or coarser with a reduced JPEG 2000 level). */
  readonly sourceResolution: number;
  /** JPEG 2000 resolution level decoded (0: full resolution). */
  readonly level: number;
  readonly method: ResampleMethod;
  /** The file's full grid, and the grid the decoded pixels lie on. */
  readonly fileGrid: Grid;
  readonly sourceGrid: Grid;

  constructor(
    readonly product: Product,
    readonly band: ReflectanceBand,
    readonly resolution: Resolution,
    opts: BandReaderOptions = {},
  ) {
    this.entry = pickBandFile(product, band, resolution);
    this.scaling = bandScaling(product, band);
    this.fileGrid = productGrid(product, this.entry.resolution);
    let srcRes: number = this.entry.resolution;
    let level = 0;
    // Reduced levels are a JPEG 2000 feature: GeoTIFF bands are always block-averaged exactly.
    const jp2Levels = opts.coarsening === 'jp2-level' && !isGeoTiffName(this.entry.path);
    while (jp2Levels && resolution % (srcRes * 2) === 0) {
      srcRes *= 2;
      level++;
    }
    this.sourceResolution = srcRes;
    this.level = level;
    this.method =
      srcRes === resolution ? 'nearest' : srcRes < resolution ? 'average' : (opts.upsampling ?? 'bilinear');
    this.sourceGrid = level === 0 ? this.fileGrid : productGrid(product, srcRes as Resolution);
  }

  /** Pixels of the decoded image `window` (on the working grid) is made from. */
  sourceWindow(window: PixelWindow): PixelWindow {
    return sourceWindowFor(window, this.resolution, this.sourceResolution, this.sourceGrid, this.method);
  }

  /** Decodes what `window` needs and returns it as reflectance (NaN where no data). */
  async read(
    window: PixelWindow,
    io: { decoder?: Jp2Decoder; sources?: BandSources; signal?: AbortSignal },
  ): Promise<Float32Array> {
    const srcWin = this.sourceWindow(window);
    const dn = await decodeBandWindow(this.product, this.entry.path, this.fileGrid, srcWin, this.level, io);
    throwIfAborted(io.signal);
    return this.fromDn(dn, srcWin, window);
  }

  /**
   * Reflectance on `window` from decoded numbers lying on `dnWindow` (source-grid pixels), which
   * must cover `sourceWindow(window)`; a larger window (decoded once for several readers) is fine.
   */
  fromDn(dn: SampleArray, dnWindow: PixelWindow, window: PixelWindow): Float32Array {
    const { offset, quantification: q, noData } = this.scaling;
    const src = { data: dn, window: dnWindow, resolution: this.sourceResolution };
    if (this.method === 'average') {
      // Average the stored numbers, then convert: the conversion is affine, so this is the mean
      // reflectance, without a float copy of every fine pixel (4x the output at 20 m).
      const mean = resample(src, window, this.resolution, 'average', { nodata: noData });
      for (let i = 0; i < mean.length; i++) mean[i] = ((mean[i] as number) + offset) / q; // NaN stays NaN
      return mean;
    }
    if (this.sourceResolution === this.resolution) {
      // Same grid: convert straight into the window, no intermediate copy.
      return convertClipped(dn, dnWindow, window, this.scaling);
    }
    // Convert before interpolating so that no-data pixels are left out as NaN.
    const need = this.sourceWindow(window);
    const refl = convertClipped(dn, dnWindow, need, this.scaling);
    return resample({ ...src, data: refl, window: need }, window, this.resolution, this.method);
  }
}

/** `(DN + offset) / q` for the part of `data` (on `from`) that covers `to`; NaN outside or no data. */
function convertClipped(
  data: SampleArray,
  from: PixelWindow,
  to: PixelWindow,
  { offset, quantification: q, noData }: BandScaling,
): Float32Array {
  const out = new Float32Array(to.width * to.height);
  const inside =
    to.x >= from.x &&
    to.y >= from.y &&
    to.x + to.width <= from.x + from.width &&
    to.y + to.height <= from.y + from.height;
  if (!inside) out.fill(NaN);
  for (let y = 0; y < to.height; y++) {
    const sy = to.y + y - from.y;
    if (sy < 0 || sy >= from.height) continue;
    const x0 = Math.max(0, from.x - to.x);
    const x1 = Math.min(to.width, from.x + from.width - to.x);
    const srow = sy * from.width + (to.x - from.x);
    const drow = y * to.width;
    for (let x = x0; x < x1; x++) {
      const v = data[srow + x] as number;
      out[drow + x] = v === noData ? NaN : (v + offset) / q;
    }
  }
  return out;
}

/** Decodes one window of a band file (one component), through the run's open files when given. */
export async function decodeBandWindow(
  product: Product,
  path: string,
  grid: Grid,
  window: PixelWindow,
  level: number,
  io: { decoder?: Jp2Decoder; sources?: BandSources; signal?: AbortSignal; downward?: boolean },
): Promise<SampleArray> {
  const decoder: RasterDecoder = bandDecoder(io.decoder ?? getSharedDecoder());
  const src = io.sources ? await io.sources.get(path) : await product.open(path);
  try {
    // Cheap after the first read: the decoder keeps the file's parsed header while it is open.
    checkSize(src.name, await decoder.info(src), grid);
    const raster = await decoder.decode(src, { window, level, downward: io.downward }, io.signal);
    if (raster.components !== 1) {
      throw new S2Error(
        'CORRUPT_JP2',
        `${src.name}: expected one band, found ${raster.components} components.`,
        {
          file: src.name,
        },
      );
    }
    return raster.data;
  } finally {
    if (!io.sources) await src.close();
  }
}

/** A band file must cover its grid exactly, or every pixel would land in the wrong place. */
export function checkSize(name: string, info: { width: number; height: number }, grid: Grid): void {
  if (info.width === grid.width && info.height === grid.height) return;
  const res = Math.abs(grid.transform[1]);
  throw new S2Error(
    'BAD_METADATA',
    `${name} is ${info.width} x ${info.height} px but the ${/\.tiff?$/i.test(name) ? 'product metadata (MTD_ALL.xml)' : 'tile metadata (MTD_TL.xml)'} gives ${grid.width} x ${grid.height} px at ${res} m: the file was cut or does not belong to this product.`,
    { file: name, details: { file: [info.width, info.height], metadata: [grid.width, grid.height] } },
  );
}
