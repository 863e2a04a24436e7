/**
 * The four KappaMask classes on any product: the CNN's cloud mask and probability, a rule that
 * splits semi-transparent from opaque cloud (thresholds in the model card), and geometric cloud
 * shadows matched to every cloud object along the sun direction. Shadows are found at 20 m (or
 * at the working resolution when coarser): the physics is at cloud scale, and a 20 m tile of
 * NIR and SWIR fits in memory where a 10 m one would not.
 */
import { S2Error, throwIfAborted } from '../../errors.js';
import { DEFAULT_SEMI_TRANSPARENT_RULE, splitSemiTransparent } from '../../masks/semi-transparent.js';
import { fuseClouds } from '../../masks/fusion/model.js';
import { detectShadowsAsync } from '../../masks/shadow/index.js';
import { classNameItems } from '../../masks/schema.js';
import { KAPPAMASK_PALETTE, writeCog } from '../../raster/cog/index.js';
import { windowGrid, type Grid, type PixelWindow } from '../../raster/grid.js';
import { resample, sourceWindowFor } from '../../raster/resample.js';
import { productGrid, readReflectance } from '../../scene/reflectance.js';
import type { Product, Resolution, SpectralBand } from '../../scene/types.js';
import type { FusionModel, SemiTransparentRule } from '../card.js';
import { predictProduct, type PredictOptions, type PredictResult, type StripData } from './engine.js';

export interface FourClassOptions extends PredictOptions {
  /** Split semi-transparent cloud from opaque (default true). */
  semiTransparent?: boolean;
  /** Find cloud shadows (default true). */
  shadows?: boolean;
  /** Apply the card's fused cloud decision when it has one (default true). */
  fusion?: boolean;
  /** Called when a stage starts (for progress lines). */
  onStage?: (stage: 'cnn' | 'shadows' | 'write') => void;
}

export interface FourClassResult extends PredictResult {
  timings: PredictResult['timings'] & { semiSeconds: number; shadowSeconds: number };
  /** Shadows: resolution they were found at, and cloud objects matched / total. */
  shadow: { resolution: number; matched: number; objects: number } | null;
}

const now = (): number => performance.now() / 1000;

export async function predictFourClasses(product: Product, opts: FourClassOptions): Promise<FourClassResult> {
  const t0 = now();
  const signal = opts.signal;
  const resolution = (opts.resolution ?? opts.card.input.resolution) as Resolution;
  const full = productGrid(product, resolution);
  const win = opts.window ?? { x: 0, y: 0, width: full.width, height: full.height };
  const bands = opts.card.input.bands as readonly string[];
  const semiOn = opts.semiTransparent !== false && opts.card.output.kind === 'sigmoid';
  const fusion = opts.fusion !== false ? opts.card.fusion : undefined;
  const rule = opts.card.semiTransparent ?? DEFAULT_SEMI_TRANSPARENT_RULE;
  const hasB10 = product.bands.some((b) => b.name === 'B10');
  const shadowRes: Resolution = resolution === 10 ? 20 : resolution;
  const k = shadowRes / resolution;
  const capture = opts.shadows !== false ? new ShadowBands(bands, win.width, win.height, k) : null;
  let semiSeconds = 0;

  opts.onStage?.('cnn');
  // B10 (60 m) is read once for the whole window: read per strip, its decode queued behind the
  // next strip's (read ahead) and held every strip up.
  const cirrus = semiOn && hasB10 ? await readCirrus(product, opts, win, resolution) : null;
  const cnn = await predictProduct(product, {
    ...opts,
    classesOut: undefined,
    probabilitiesOut: undefined,
    // The classes are needed whole (shadows); the probabilities only for their own output, since
    // the semi-transparent rule reads them strip by strip.
    keepClasses: true,
    keepInMemory: opts.keepInMemory === true || opts.probabilitiesOut !== undefined,
    // Each strip's bands are reused here rather than decoded again.
    onStrip: async (strip) => {
      capture?.add(strip);
      const t1 = now();
      if (fusion) fuseStrip(strip, bands, fusion);
      if (!semiOn) {
        semiSeconds += now() - t1;
        return;
      }
      await semiTransparentStrip(product, opts, strip, win, resolution, bands, cirrus, rule);
      semiSeconds += now() - t1;
    },
  });
  const classes = cnn.classes!;
  const { grid } = cnn;

  let shadowSeconds = 0;
  let shadow: FourClassResult['shadow'] = null;
  if (capture) {
    opts.onStage?.('shadows');
    const t2 = now();
    shadow = await applyShadows(product, opts, grid, win, shadowRes, k, classes, capture, signal);
    shadowSeconds = now() - t2;
  }

  throwIfAborted(signal);
  opts.onStage?.('write');
  const t3 = now();
  const metadata = {
    MODEL_ID: opts.card.id,
    MODEL_VERSION: opts.card.version,
    PRODUCT_ID: product.metadata.productName,
    RESOLUTION: String(resolution),
    CLASSES: fusion
      ? 'four (CNN cloud fused with spectral evidence + semi-transparent rule + geometric shadows)'
      : 'four (CNN cloud + semi-transparent rule + geometric shadows)',
  };
  if (opts.classesOut) {
    await writeCog(opts.classesOut, {
      grid,
      dataType: 'Uint8',
      bands: [{ data: classes, description: `${opts.card.id} classes`, metadata: classNameItems() }],
      nodata: 0,
      palette: KAPPAMASK_PALETTE,
      overviewResampling: 'mode',
      metadata,
      signal,
    });
  }
  if (opts.probabilitiesOut && cnn.probabilities) {
    await writeCog(opts.probabilitiesOut, {
      grid,
      dataType: 'Float32',
      bands: cnn.probabilities.map((data, k) => ({ data, description: `${opts.card.id} probability ${k}` })),
      nodata: NaN,
      overviewResampling: 'average',
      metadata,
      signal,
    });
  }
  const writeSeconds = cnn.timings.writeSeconds + (now() - t3);
  const classCounts = [0, 0, 0, 0, 0];
  for (const v of classes) classCounts[v] = (classCounts[v] ?? 0) + 1;
  const result: FourClassResult = {
    ...cnn,
    classCounts,
    timings: { ...cnn.timings, writeSeconds, semiSeconds, shadowSeconds, totalSeconds: now() - t0 },
    shadow,
  };
  if (!opts.keepInMemory && !opts.keepClasses) delete result.classes;
  if (!opts.keepInMemory) delete result.probabilities;
  return result;
}

/**
 * The fused cloud decision on one strip, from the bands the CNN read. The 5 x 5 context of the
 * probability is clamped at the strip's first and last rows (strips are 1 000+ rows: a few
 * pixels of context lost along a row every ~20 km).
 */
function fuseStrip(strip: StripData, bands: readonly string[], model: FusionModel): void {
  const n = strip.rows * strip.width;
  const off = (strip.y0 - strip.stackY0) * strip.width;
  const band = (name: string): Float32Array => strip.stack[bands.indexOf(name)]!.subarray(off, off + n);
  fuseClouds(
    strip.classes,
    {
      width: strip.width,
      height: strip.rows,
      probability: strip.probabilities[0]!,
      blue: band('B02'),
      green: band('B03'),
      red: band('B04'),
      nir: band('B08'),
      swir2: band('B12'),
    },
    model,
  );
}

/** B10 over the window, at 60 m with the margin bilinear interpolation needs. */
interface Cirrus {
  data: Float32Array;
  window: PixelWindow;
}

async function readCirrus(
  product: Product,
  opts: FourClassOptions,
  win: PixelWindow,
  resolution: Resolution,
): Promise<Cirrus> {
  const window = sourceWindowFor(win, resolution, 60, productGrid(product, 60), 'bilinear');
  const read = await readReflectance(product, {
    bands: ['B10'],
    resolution: 60,
    window,
    decoder: opts.decoder,
    signal: opts.signal,
  });
  return { data: read.data[0]!, window };
}

/** The semi-transparent rule on one strip, from the bands the CNN read (plus B10 on L1C). */
async function semiTransparentStrip(
  product: Product,
  opts: FourClassOptions,
  strip: StripData,
  win: PixelWindow,
  resolution: Resolution,
  bands: readonly string[],
  cirrus: Cirrus | null,
  rule: SemiTransparentRule,
): Promise<void> {
  const n = strip.rows * strip.width;
  const off = (strip.y0 - strip.stackY0) * strip.width;
  const window = { x: win.x, y: win.y + strip.y0, width: strip.width, height: strip.rows };
  const wanted = ['B02', 'B03', 'B04', 'B08'] as const;
  const extra = wanted.filter((b) => !bands.includes(b));
  const read =
    extra.length > 0
      ? await readReflectance(product, {
          bands: extra,
          resolution,
          window,
          coarsening: opts.coarsening ?? 'average',
          decoder: opts.decoder,
          signal: opts.signal,
        })
      : null;
  // Interpolated exactly as readReflectance would (the same source pixels and weights).
  const b10 = cirrus
    ? resample(
        { data: cirrus.data, window: cirrus.window, resolution: 60 },
        window,
        resolution,
        resolution === 60 ? 'nearest' : 'bilinear',
      )
    : undefined;
  const band = (name: string): Float32Array | undefined => {
    const i = bands.indexOf(name);
    if (i >= 0) return strip.stack[i]!.subarray(off, off + n);
    const j = extra.indexOf(name as (typeof extra)[number]);
    return j >= 0 ? read!.data[j] : undefined;
  };
  splitSemiTransparent(
    {
      classes: strip.classes,
      probability: strip.probabilities[0],
      b10,
      blue: band('B02')!,
      green: band('B03')!,
      red: band('B04')!,
      nir: band('B08'),
    },
    rule,
  );
}

/**
 * NIR, SWIR and red at the shadow resolution, gathered from the CNN's strips as they pass (the
 * mean of each k x k block when the CNN runs finer). Bands the model does not read are fetched
 * after the CNN run instead.
 */
class ShadowBands {
  readonly width: number;
  readonly height: number;
  private readonly sums: Map<string, Float32Array> = new Map();
  private readonly counts: Map<string, Uint8Array> = new Map();

  constructor(
    private readonly bands: readonly string[],
    winWidth: number,
    winHeight: number,
    private readonly k: number,
  ) {
    this.width = Math.ceil(winWidth / k);
    this.height = Math.ceil(winHeight / k);
    for (const b of ['B08', 'B11', 'B04', 'B03']) {
      if (!bands.includes(b)) continue;
      this.sums.set(b, new Float32Array(this.width * this.height).fill(k > 1 ? 0 : NaN));
      // Same grid (k = 1): the strips' pixels are copied as they are, no counts needed.
      if (k > 1) this.counts.set(b, new Uint8Array(this.width * this.height));
    }
  }

  add(strip: StripData): void {
    if (this.k === 1) {
      const off = (strip.y0 - strip.stackY0) * strip.width;
      const n = strip.rows * strip.width;
      for (const [name, sum] of this.sums) {
        sum.set(strip.stack[this.bands.indexOf(name)]!.subarray(off, off + n), strip.y0 * this.width);
      }
      return;
    }
    // The block column of every pixel column, once per strip rather than per pixel and band.
    const col = new Int32Array(strip.width);
    for (let x = 0; x < strip.width; x++) col[x] = Math.floor(x / this.k);
    for (const [name, sum] of this.sums) {
      const src = strip.stack[this.bands.indexOf(name)]!;
      const count = this.counts.get(name)!;
      const off = (strip.y0 - strip.stackY0) * strip.width;
      for (let r = 0; r < strip.rows; r++) {
        const row = Math.floor((strip.y0 + r) / this.k) * this.width;
        const s0 = off + r * strip.width;
        for (let x = 0; x < strip.width; x++) {
          const v = src[s0 + x]!;
          if (v !== v) continue; // NaN: no data
          const j = row + col[x]!;
          sum[j] = sum[j]! + v;
          count[j] = count[j]! + 1;
        }
      }
    }
  }

  /** The gathered band (NaN where no valid pixel), or undefined when the model does not read it. */
  take(name: string): Float32Array | undefined {
    const sum = this.sums.get(name);
    if (!sum) return undefined;
    this.sums.delete(name);
    const count = this.counts.get(name);
    if (!count) return sum; // k = 1: the pixels themselves, NaN where no data
    this.counts.delete(name);
    for (let i = 0; i < sum.length; i++) sum[i] = count[i] ? sum[i]! / count[i]! : NaN;
    return sum;
  }
}

async function applyShadows(
  product: Product,
  opts: FourClassOptions,
  grid: Grid,
  win: PixelWindow,
  shadowRes: Resolution,
  k: number,
  classes: Uint8Array,
  capture: ShadowBands,
  signal: AbortSignal | undefined,
): Promise<FourClassResult['shadow']> {
  const sun = product.metadata.sun;
  if (!sun) {
    throw new S2Error(
      'BAD_METADATA',
      `${product.rootName}: the tile metadata has no sun angles; shadows cannot be placed.`,
    );
  }
  const { width: W, height: H } = capture;
  // Cloud (opaque or thin) and valid at the shadow resolution: any cloud in a k x k block.
  const cloud = new Uint8Array(W * H);
  const valid = new Uint8Array(W * H);
  for (let y = 0; y < grid.height; y++)
    for (let x = 0; x < grid.width; x++) {
      const c = classes[y * grid.width + x]!;
      const j = Math.floor(y / k) * W + Math.floor(x / k);
      if (c !== 0) valid[j] = 1;
      if (c === 2 || c === 3) cloud[j] = 1;
    }
  const sWin = { x: Math.floor(win.x / k), y: Math.floor(win.y / k), width: W, height: H };
  let nir = capture.take('B08');
  let swir = capture.take('B11');
  let red = capture.take('B04');
  // Green (the shadow step's water index) only when the model read it: not worth a decode.
  const green = capture.take('B03');
  const missing = [
    ...(nir ? [] : ['B08']),
    ...(swir ? [] : ['B11']),
    ...(red ? [] : ['B04']),
  ] as SpectralBand[];
  if (missing.length > 0) {
    const read = await readReflectance(product, {
      bands: missing,
      resolution: shadowRes,
      window: sWin,
      coarsening: opts.coarsening ?? 'average',
      decoder: opts.decoder,
      signal,
    });
    const got = (b: SpectralBand): Float32Array | undefined => read.data[missing.indexOf(b)];
    nir ??= got('B08');
    swir ??= got('B11');
    red ??= got('B04');
  }
  const view = product.metadata.viewing.length
    ? {
        zenith: mean(product.metadata.viewing.map((v) => v.zenithMean)),
        azimuth: mean(product.metadata.viewing.map((v) => v.azimuthMean)),
      }
    : undefined;
  const sGrid = windowGrid(productGrid(product, shadowRes), sWin);
  const res = await detectShadowsAsync(
    {
      grid: sGrid,
      cloud,
      valid,
      nir: nir!,
      swir: swir!,
      ...(red ? { red } : {}),
      ...(green ? { green } : {}),
      sun: { zenith: sun.zenithMean, azimuth: sun.azimuthMean },
      ...(view && Number.isFinite(view.zenith) ? { view } : {}),
    },
    { signal },
  );
  // Shadow only where the CNN saw clear ground: a cloud above a shadow stays a cloud.
  for (let y = 0; y < grid.height; y++)
    for (let x = 0; x < grid.width; x++) {
      const i = y * grid.width + x;
      if (classes[i] === 1 && res.shadow[Math.floor(y / k) * W + Math.floor(x / k)]) classes[i] = 4;
    }
  return {
    resolution: shadowRes,
    matched: res.objects.filter((o) => o.height !== null).length,
    objects: res.objects.length,
  };
}

function mean(xs: number[]): number {
  const f = xs.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}
