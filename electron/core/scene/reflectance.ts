import { S2Error } from '../errors.js';
import { fullWindow, intersectWindows, windowGrid, type Grid, type PixelWindow } from '../raster/grid.js';
import { bandDecoder } from '../raster/band-decoder.js';
import { getSharedDecoder, type Jp2Decoder } from '../raster/jp2/index.js';
import { resample, sourceWindowFor, type ResampleMethod } from '../raster/resample.js';
import { BandReader, BandSources, checkSize, type ReflectanceBand } from './band-reader.js';
import type { BandEntry, LayerName, Product, QiMaskEntry, Resolution } from './types.js';

export { BandSources, type ReflectanceBand };

export interface ReflectanceRequest {
  bands: readonly ReflectanceBand[];
  /** Working resolution in metres. */
  resolution: Resolution;
  /** Pixel window on the grid of `resolution`; default: the whole tile. */
  window?: PixelWindow;
  /** How bands coarser than `resolution` are brought down to it. Default bilinear. */
  upsampling?: 'bilinear' | 'nearest';
  /**
   * How bands finer than `resolution` are brought up to it: 'average' (default) block-averages
   * full-resolution pixels; 'jp2-level' decodes the JPEG2000 at a reduced resolution level (the
   * wavelet's low-pass image, what GDAL shows as overviews) and averages only what remains
   * (10 -> 60 m: level 1, then 3 x 3). About 3x less decoding, not bit-identical to averaging.
   */
  coarsening?: 'average' | 'jp2-level';
  decoder?: Jp2Decoder;
  signal?: AbortSignal;
  /**
   * Band files kept open across calls (a run reading strip after strip): each file is opened,
   * and its JPEG 2000 index parsed, once instead of once per call. Closed by its owner.
   */
  sources?: BandSources;
}

export interface ReflectanceStack {
  /** Grid of the returned window. */
  grid: Grid;
  bands: ReflectanceBand[];
  /** One array per band, row-major, NaN where the product has no data (DN 0). */
  data: Float32Array[];
}

/**
 * Reads a window of bands as top-of-atmosphere (L1C) or bottom-of-atmosphere (L2A) reflectance,
 * `(DN + offset) / quantification`, with offsets and quantification from the product metadata
 * (L2A AOT and WVP: DN / AOT_ or WVP_QUANTIFICATION_VALUE, no offset).
 * Bands finer than the working resolution are block-averaged; coarser ones are interpolated
 * (bilinear, or nearest on request). DN 0 is no data and stays NaN through resampling.
 */
export async function readReflectance(product: Product, req: ReflectanceRequest): Promise<ReflectanceStack> {
  const grid = productGrid(product, req.resolution);
  const window = req.window ?? fullWindow(grid);
  if (!intersectWindows(window, fullWindow(grid)) || window.x < 0 || window.y < 0) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `Window ${JSON.stringify(window)} is outside the ${req.resolution} m grid (${grid.width} x ${grid.height}) of ${product.rootName}.`,
    );
  }
  const missing = missingBands(product, req.bands);
  if (missing.length > 0) {
    const theia = product.metadata.format === 'THEIA_MUSCATE';
    throw new S2Error(
      'MISSING_FILE',
      `${product.rootName} has no ${missing.join(', ')} band file${missing.length > 1 ? 's' : ''}${theia ? ' (THEIA L2A products carry B02-B08, B8A, B11 and B12 only: no B01, B09, B10, AOT or WVP)' : ''}.`,
      { details: { missing, available: [...new Set(product.bands.map((b) => b.name))] } },
    );
  }
  const io = { decoder: req.decoder, sources: req.sources, signal: req.signal };
  const data = await Promise.all(
    req.bands.map((band) =>
      new BandReader(product, band, req.resolution, {
        coarsening: req.coarsening,
        upsampling: req.upsampling,
      }).read(window, io),
    ),
  );
  return { grid: windowGrid(grid, window), bands: [...req.bands], data };
}

export interface ClassRasterRequest {
  resolution: Resolution;
  window?: PixelWindow;
  /** Going coarser: 'mode' (majority) or 'nearest'. Going finer is always nearest. */
  method?: 'nearest' | 'mode';
  decoder?: Jp2Decoder;
  signal?: AbortSignal;
}

export interface ClassRaster {
  grid: Grid;
  /** One array per component (SCL: 1; MSK_CLASSI: opaque, cirrus, snow). Values as stored. */
  components: Uint8Array[];
}

/**
 * Reads a class raster (SCL, MSK_CLASSI, MSK_CLDPRB, ...) onto the grid of `resolution` with
 * nearest-neighbour (or mode when going coarser): class values are never averaged.
 */
export async function readClassRaster(
  product: Product,
  source: QiMaskEntry | LayerName,
  req: ClassRasterRequest,
): Promise<ClassRaster> {
  const entry = typeof source === 'string' ? pickBandFile(product, source, req.resolution) : source;
  const srcRes = entry.resolution ?? (await inferResolution(product, entry.path, req.decoder));
  const grid = productGrid(product, req.resolution);
  const window = req.window ?? fullWindow(grid);
  const method: ResampleMethod = srcRes <= req.resolution ? (req.method ?? 'mode') : 'nearest';
  const srcGrid = productGrid(product, srcRes);
  const srcWin = sourceWindowFor(window, req.resolution, srcRes, srcGrid, method);
  const decoder = bandDecoder(req.decoder ?? getSharedDecoder());
  const src = await product.open(entry.path);
  try {
    await checkSize(src.name, await decoder.info(src), srcGrid);
    const raster = await decoder.decode(src, { window: srcWin }, req.signal);
    const n = raster.components;
    const components: Uint8Array[] = [];
    for (let c = 0; c < n; c++) {
      const plane = new Uint8Array(srcWin.width * srcWin.height);
      for (let i = 0; i < plane.length; i++) plane[i] = raster.data[i * n + c] as number;
      const out =
        srcRes === req.resolution
          ? clipTo(plane, srcWin, window)
          : resample({ data: plane, window: srcWin, resolution: srcRes }, window, req.resolution, method);
      components.push(Uint8Array.from(out, (v) => (Number.isNaN(v) ? 0 : v)));
    }
    return { grid: windowGrid(grid, window), components };
  } finally {
    await src.close();
  }
}

/** The bands of `wanted` the product has no file for (a model checks this before it starts). */
export function missingBands(product: Product, wanted: readonly LayerName[]): LayerName[] {
  const present = new Set(product.bands.map((b) => b.name));
  return wanted.filter((b) => !present.has(b));
}

/** The grid of the product at a resolution (from MTD_TL.xml; derived from another one if absent). */
export function productGrid(product: Product, resolution: Resolution): Grid {
  const grids = product.metadata.grids;
  const direct = grids[resolution];
  if (direct) return direct;
  const base = grids[10] ?? grids[20] ?? grids[60];
  if (!base) {
    throw new S2Error(
      'BAD_METADATA',
      `${product.rootName}: the tile metadata gives no grid (Geoposition/Size).`,
    );
  }
  const baseRes = Math.abs(base.transform[1]);
  const [ox, , rx, oy, ry] = base.transform;
  return {
    epsg: base.epsg,
    width: Math.ceil((base.width * baseRes) / resolution),
    height: Math.ceil((base.height * baseRes) / resolution),
    transform: [ox, resolution, rx, oy, ry, -resolution],
  };
}

/**
 * The file to read a band from for a working resolution: the file at that resolution when the
 * product has one (L2A ships 20 and 60 m versions), else the finest file (native resolution).
 */
export function pickBandFile(product: Product, name: LayerName, resolution: Resolution): BandEntry {
  const candidates = product.bands.filter((b) => b.name === name);
  if (candidates.length === 0) {
    throw new S2Error('MISSING_FILE', `${product.rootName} has no ${name} band file.`, {
      details: { band: name, available: [...new Set(product.bands.map((b) => b.name))] },
    });
  }
  const exact = candidates.find((b) => b.resolution === resolution);
  if (exact) return exact;
  // Prefer a finer file that divides evenly (average down), else the finest (interpolate up).
  const finer = candidates.filter((b) => b.resolution < resolution && resolution % b.resolution === 0);
  if (finer.length > 0) return finer.reduce((a, b) => (b.resolution > a.resolution ? b : a));
  return candidates.reduce((a, b) => (b.resolution < a.resolution ? b : a));
}

/** Copies the part of `data` (laid out on `from`) that covers `to`. Pixels outside stay NaN. */
function clipTo(data: ArrayLike<number>, from: PixelWindow, to: PixelWindow): Float32Array {
  const out = new Float32Array(to.width * to.height).fill(NaN);
  for (let y = 0; y < to.height; y++) {
    const sy = to.y + y - from.y;
    if (sy < 0 || sy >= from.height) continue;
    for (let x = 0; x < to.width; x++) {
      const sx = to.x + x - from.x;
      if (sx < 0 || sx >= from.width) continue;
      out[y * to.width + x] = data[sy * from.width + sx] as number;
    }
  }
  return out;
}

/** Resolution of a mask file with no fixed resolution: from its pixel size against the 10 m grid. */
async function inferResolution(product: Product, path: string, decoder?: Jp2Decoder): Promise<Resolution> {
  const src = await product.open(path);
  try {
    const info = await bandDecoder(decoder ?? getSharedDecoder()).info(src);
    const g10 = productGrid(product, 10);
    const res = Math.round((g10.width * 10) / info.width);
    if (res !== 10 && res !== 20 && res !== 60) {
      throw new S2Error(
        'BAD_METADATA',
        `${src.name}: ${info.width} px wide matches no Sentinel-2 resolution.`,
        {
          file: src.name,
        },
      );
    }
    return res;
  } finally {
    await src.close();
  }
}
