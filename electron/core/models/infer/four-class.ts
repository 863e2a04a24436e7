/**
 * The four KappaMask classes on any product: the CNN's cloud mask and probability, a rule that
 * splits semi-transparent from opaque cloud (thresholds in the model card), and geometric cloud
 * shadows matched to every cloud object along the sun direction. Shadows are found at 20 m (or
 * at the working resolution when coarser): the physics is at cloud scale, and a 20 m tile of
 * NIR and SWIR fits in memory where a 10 m one would not.
 */
import { S2Error, throwIfAborted } from '../../errors.js';
import { DEFAULT_SEMI_TRANSPARENT_RULE } from '../../masks/semi-transparent.js';
import { detectShadowsAsync } from '../../masks/shadow/index.js';
import { waterMask } from '../../masks/shadow/water.js';
import { classNameItems } from '../../masks/schema.js';
import { addClassCounts, KeepRasters } from '../../pipeline/sinks.js';
import type { Strip, StripContext, StripNeed, StripStep } from '../../pipeline/strips.js';
import { KAPPAMASK_PALETTE, writeCog } from '../../raster/cog/index.js';
import { windowGrid, type Grid, type PixelWindow } from '../../raster/grid.js';
import { sourceWindowFor } from '../../raster/resample.js';
import { productGrid, readReflectance } from '../../scene/reflectance.js';
import type { Product, Resolution, SpectralBand } from '../../scene/types.js';
import { CloudRulesStep, type Cirrus } from './cloud-rules.js';
import { predictProduct, type PredictOptions, type PredictResult } from './engine.js';

export interface FourClassOptions extends PredictOptions {
  /** Split semi-transparent cloud from opaque (default true). */
  semiTransparent?: boolean;
  /** Find cloud shadows (default true). */
  shadows?: boolean;
  /** Apply the card's fused cloud decision when it has one (default true). */
  fusion?: boolean;
  /** Called when a stage starts (for progress lines). */
  onStage?: (stage: 'cnn' | 'shadows' | 'write') => void;
  /** Class COG to write (atomically), once the shadows are in. */
  classesOut?: string;
  /** Probability COG to write (float32), likewise; the probabilities are then returned too. */
  probabilitiesOut?: string;
  /** Where the fused decision and the semi-transparent rule run (cloud-rules.ts; default auto). */
  rulesThread?: 'auto' | 'main' | 'worker';
}

export interface FourClassResult extends PredictResult {
  /** The four-class raster on `grid` (the shadows need it whole, so it is always at hand). */
  classes: Uint8Array;
  /** The network's probabilities on `grid`, when `probabilitiesOut` was asked for. */
  probabilities?: Float32Array[];
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
  const shadowInputs = opts.shadows !== false ? new ShadowInputs(bands, shadowRes, resolution) : null;

  opts.onStage?.('cnn');
  // B10 (60 m) is read once for the whole window: read per strip, its decode queued behind the
  // next strip's (read ahead) and held every strip up.
  const cirrus = semiOn && hasB10 ? await readCirrus(product, opts, win, resolution) : null;
  const keep = new KeepRasters(opts.probabilitiesOut !== undefined);
  // The shadow inputs first: they only read bands, so the strip's bands can go once the rules
  // (possibly in a worker) have their copies.
  const rules =
    fusion || semiOn
      ? new CloudRulesStep(
          { ...(fusion ? { fusion } : {}), ...(semiOn ? { semi: rule } : {}), cirrus },
          resolution,
          opts.rulesThread,
          // The last step that reads bands (shadow inputs come first; the rest are sinks).
          true,
        )
      : null;
  const steps: StripStep[] = [...(shadowInputs ? [shadowInputs] : []), ...(rules ? [rules] : []), keep];
  const cnn = await predictProduct(product, { ...opts, steps: [...(opts.steps ?? []), ...steps] });
  const classes = keep.classes;
  const { grid } = cnn;
  const semiSeconds = (cnn.timings.steps.fusion ?? 0) + (cnn.timings.steps.semi ?? 0);

  let shadowSeconds = 0;
  let shadow: FourClassResult['shadow'] = null;
  if (shadowInputs) {
    opts.onStage?.('shadows');
    const t2 = now();
    shadow = await applyShadows(product, grid, win, shadowRes, k, classes, shadowInputs, signal);
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
  if (opts.probabilitiesOut && keep.probabilities) {
    await writeCog(opts.probabilitiesOut, {
      grid,
      dataType: 'Float32',
      bands: keep.probabilities.map((data, k) => ({ data, description: `${opts.card.id} probability ${k}` })),
      nodata: NaN,
      overviewResampling: 'average',
      metadata,
      signal,
    });
  }
  const writeSeconds = cnn.timings.writeSeconds + (now() - t3);
  const classCounts = [0, 0, 0, 0, 0];
  addClassCounts(classes, classCounts);
  const result: FourClassResult = {
    ...cnn,
    classCounts,
    classes,
    timings: { ...cnn.timings, writeSeconds, semiSeconds, shadowSeconds, totalSeconds: now() - t0 },
    shadow,
  };
  if (keep.probabilities) result.probabilities = keep.probabilities;
  return result;
}

/** B10 over the window, at 60 m with the margin bilinear interpolation needs. */
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

/**
 * The shadow step's inputs at the shadow resolution, gathered strip by strip: NIR and SWIR whole
 * (the local darkness test looks 2 km around each pixel), and the water flag, worked out per
 * strip from NIR, SWIR, red and green (when the network reads green) so that red and green are
 * never held for the whole window (240 MB at 20 m). At 10 m they are read at 20 m: the 10 m bands
 * block-averaged and B11 as stored, from the same decodes the network's inputs come from.
 */
class ShadowInputs implements StripStep {
  readonly needs: StripNeed[];
  private readonly bands: SpectralBand[] = ['B08', 'B11', 'B04'];
  /** The shadow grid's window (product pixels at the shadow resolution) and its size. */
  window: PixelWindow = { x: 0, y: 0, width: 0, height: 0 };
  nir = new Float32Array(0);
  swir = new Float32Array(0);
  /** 1 where water, before the no-data test (waterMask without a validity mask). */
  water = new Uint8Array(0);

  constructor(
    networkBands: readonly string[],
    readonly resolution: Resolution,
    private readonly working: Resolution,
  ) {
    // Green (the water index) only when the network reads it: not worth a decode of its own.
    if (networkBands.includes('B03')) this.bands.push('B03');
    this.needs = this.bands.map((band) => ({ band, resolution }));
  }

  memoryBytes({ width, height }: { width: number; height: number }): number {
    const k = this.resolution / this.working;
    return 9 * Math.ceil(width / k + 1) * Math.ceil(height / k + 1);
  }

  start(ctx: StripContext): void {
    const k = this.resolution / this.working;
    const w = ctx.window;
    const x0 = Math.floor(w.x / k);
    const y0 = Math.floor(w.y / k);
    this.window = {
      x: x0,
      y: y0,
      width: Math.ceil((w.x + w.width) / k) - x0,
      height: Math.ceil((w.y + w.height) / k) - y0,
    };
    const n = this.window.width * this.window.height;
    this.nir = new Float32Array(n).fill(NaN);
    this.swir = new Float32Array(n).fill(NaN);
    this.water = new Uint8Array(n);
  }

  strip(s: Strip): void {
    const sw = this.window;
    // Rows covering the strip's core; whole rows of the shadow window (same x range).
    const rows = (band: SpectralBand): { data: Float32Array; at: number } => {
      if (this.resolution === this.working) return { data: s.core(band), at: s.y0 * sw.width };
      const got = s.band(band, this.resolution);
      return { data: got.data, at: (got.window.y - sw.y) * sw.width };
    };
    const nir = rows('B08');
    const swir = rows('B11');
    this.nir.set(nir.data, nir.at);
    this.swir.set(swir.data, swir.at);
    const red = rows('B04').data;
    const green = this.bands.includes('B03') ? rows('B03').data : undefined;
    this.water.set(waterMask(nir.data, swir.data, undefined, red, green), nir.at);
  }
}

async function applyShadows(
  product: Product,
  grid: Grid,
  win: PixelWindow,
  shadowRes: Resolution,
  k: number,
  classes: Uint8Array,
  inputs: ShadowInputs,
  signal: AbortSignal | undefined,
): Promise<FourClassResult['shadow']> {
  const sun = product.metadata.sun;
  if (!sun) {
    throw new S2Error(
      'BAD_METADATA',
      `${product.rootName}: the tile metadata has no sun angles; shadows cannot be placed.`,
    );
  }
  const sWin = inputs.window;
  const { width: W, height: H } = sWin;
  // The shadow pixel of every class pixel, on the product's shadow grid (blocks line up with it).
  const colOf = new Int32Array(grid.width);
  for (let x = 0; x < grid.width; x++) colOf[x] = Math.floor((win.x + x) / k) - sWin.x;
  const rowOf = (y: number): number => (Math.floor((win.y + y) / k) - sWin.y) * W;
  // Cloud (opaque or thin) and valid at the shadow resolution: any cloud in a k x k block.
  const cloud = new Uint8Array(W * H);
  const valid = new Uint8Array(W * H);
  for (let y = 0; y < grid.height; y++) {
    const row = rowOf(y);
    for (let x = 0; x < grid.width; x++) {
      const c = classes[y * grid.width + x]!;
      const j = row + colOf[x]!;
      if (c !== 0) valid[j] = 1;
      if (c === 2 || c === 3) cloud[j] = 1;
    }
  }
  // waterMask's flag holds only where the pixel has data.
  const water = inputs.water;
  for (let i = 0; i < water.length; i++) water[i]! &= valid[i]!;
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
      nir: inputs.nir,
      swir: inputs.swir,
      water,
      sun: { zenith: sun.zenithMean, azimuth: sun.azimuthMean },
      ...(view && Number.isFinite(view.zenith) ? { view } : {}),
    },
    { signal },
  );
  // Shadow only where the CNN saw clear ground: a cloud above a shadow stays a cloud.
  paintShadows(classes, { ...win, width: grid.width, height: grid.height }, res.shadow, sWin, k);
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

/**
 * Turns clear (1) class pixels to shadow (4) under the shadow pixels. `classes` covers `win` of
 * the working grid; `shadow` covers `sWin` of the grid k times coarser (a shadow pixel over k x k
 * class pixels). Walks the shadow pixels (a few % of the grid), not every class pixel.
 */
export function paintShadows(
  classes: Uint8Array,
  win: PixelWindow,
  shadow: Uint8Array,
  sWin: PixelWindow,
  k: number,
): void {
  for (let sy = 0; sy < sWin.height; sy++) {
    const y0 = Math.max(0, (sWin.y + sy) * k - win.y);
    const y1 = Math.min(win.height, (sWin.y + sy + 1) * k - win.y);
    for (let sx = 0; sx < sWin.width; sx++) {
      if (!shadow[sy * sWin.width + sx]) continue;
      const x0 = Math.max(0, (sWin.x + sx) * k - win.x);
      const x1 = Math.min(win.width, (sWin.x + sx + 1) * k - win.x);
      for (let y = y0; y < y1; y++) {
        for (let i = y * win.width + x0, e = y * win.width + x1; i < e; i++) {
          if (classes[i] === 1) classes[i] = 4;
        }
      }
    }
  }
}
