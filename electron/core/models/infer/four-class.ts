/**
 * The four KappaMask classes on any product: the CNN's cloud mask and probability, a rule that
 * splits semi-transparent from opaque cloud (thresholds in the model card), and geometric cloud
 * shadows matched to every cloud object along the sun direction. Shadows are found at 20 m (or
 * at the working resolution when coarser): the physics is at cloud scale, and a 20 m tile of
 * NIR and SWIR fits in memory where a 10 m one would not.
 */
import { S2Error, throwIfAborted } from '../../errors.js';
import { DEFAULT_SEMI_TRANSPARENT_RULE, splitSemiTransparent } from '../../masks/semi-transparent.js';
import { detectShadowsAsync } from '../../masks/shadow/index.js';
import { KAPPAMASK_CLASS_NAMES, KAPPAMASK_PALETTE, writeCog } from '../../raster/cog/index.js';
import { windowGrid, type Grid } from '../../raster/grid.js';
import { readReflectance } from '../../scene/reflectance.js';
import type { Product, Resolution } from '../../scene/types.js';
import type { SemiTransparentRule } from '../card.js';
import { predictProduct, type PredictOptions, type PredictResult } from './engine.js';

export interface FourClassOptions extends PredictOptions {
  /** Split semi-transparent cloud from opaque (default true). */
  semiTransparent?: boolean;
  /** Find cloud shadows (default true). */
  shadows?: boolean;
  /** Called when a stage starts (for progress lines). */
  onStage?: (stage: 'cnn' | 'semi-transparent' | 'shadows' | 'write') => void;
}

export interface FourClassResult extends PredictResult {
  timings: PredictResult['timings'] & { semiSeconds: number; shadowSeconds: number };
  /** Shadows: resolution they were found at, and cloud objects matched / total. */
  shadow: { resolution: number; matched: number; objects: number } | null;
}

const now = (): number => performance.now() / 1000;
const STRIP_ROWS = 1024;

export async function predictFourClasses(product: Product, opts: FourClassOptions): Promise<FourClassResult> {
  const t0 = now();
  opts.onStage?.('cnn');
  const cnn = await predictProduct(product, {
    ...opts,
    classesOut: undefined,
    probabilitiesOut: undefined,
    keepInMemory: true,
  });
  const classes = cnn.classes!;
  const probability = cnn.probabilities?.[0];
  const { grid, resolution } = cnn;
  const signal = opts.signal;

  let semiSeconds = 0;
  const rule = opts.card.semiTransparent ?? DEFAULT_SEMI_TRANSPARENT_RULE;
  // Softmax models (KappaMask) give semi-transparent cloud themselves.
  if (opts.semiTransparent !== false && opts.card.output.kind === 'sigmoid') {
    opts.onStage?.('semi-transparent');
    const t1 = now();
    await applySemiTransparent(product, opts, grid, resolution, classes, probability, rule);
    semiSeconds = now() - t1;
  }

  let shadowSeconds = 0;
  let shadow: FourClassResult['shadow'] = null;
  if (opts.shadows !== false) {
    opts.onStage?.('shadows');
    const t2 = now();
    shadow = await applyShadows(product, opts, grid, resolution, classes, signal);
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
    CLASSES: 'four (CNN cloud + semi-transparent rule + geometric shadows)',
  };
  if (opts.classesOut) {
    const items: Record<string, string> = {};
    KAPPAMASK_CLASS_NAMES.forEach((name, i) => (items[`CLASS_${i}`] = name));
    await writeCog(opts.classesOut, {
      grid,
      dataType: 'Uint8',
      bands: [{ data: classes, description: `${opts.card.id} classes`, metadata: items }],
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

/** The semi-transparent rule, strip by strip (the visible bands of a 10 m tile do not fit at once). */
async function applySemiTransparent(
  product: Product,
  opts: FourClassOptions,
  grid: Grid,
  resolution: Resolution,
  classes: Uint8Array,
  probability: Float32Array | undefined,
  rule: SemiTransparentRule,
): Promise<void> {
  const hasB10 = product.bands.some((b) => b.name === 'B10');
  const bands = ['B02', 'B03', 'B04', 'B08', ...(hasB10 ? (['B10'] as const) : [])] as const;
  const win0 = opts.window ?? { x: 0, y: 0, width: grid.width, height: grid.height };
  for (let y = 0; y < grid.height; y += STRIP_ROWS) {
    throwIfAborted(opts.signal);
    const rows = Math.min(STRIP_ROWS, grid.height - y);
    const stack = await readReflectance(product, {
      bands,
      resolution,
      window: { x: win0.x, y: win0.y + y, width: grid.width, height: rows },
      coarsening: opts.coarsening ?? 'jp2-level',
      decoder: opts.decoder,
      signal: opts.signal,
    });
    const from = y * grid.width;
    const to = from + rows * grid.width;
    const [blue, green, red, nir, b10] = stack.data;
    const part = classes.subarray(from, to);
    splitSemiTransparent(
      {
        classes: part,
        probability: probability?.subarray(from, to),
        b10,
        blue: blue!,
        green: green!,
        red: red!,
        nir,
      },
      rule,
    );
  }
}

async function applyShadows(
  product: Product,
  opts: FourClassOptions,
  grid: Grid,
  resolution: Resolution,
  classes: Uint8Array,
  signal: AbortSignal | undefined,
): Promise<FourClassResult['shadow']> {
  const sun = product.metadata.sun;
  if (!sun) {
    throw new S2Error(
      'BAD_METADATA',
      `${product.rootName}: the tile metadata has no sun angles; shadows cannot be placed.`,
    );
  }
  const shadowRes: Resolution = resolution === 10 ? 20 : resolution;
  const k = shadowRes / resolution; // 1 or 2
  const W = Math.ceil(grid.width / k);
  const H = Math.ceil(grid.height / k);
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
  const win0 = opts.window ?? { x: 0, y: 0, width: grid.width, height: grid.height };
  const sWin = { x: Math.floor(win0.x / k), y: Math.floor(win0.y / k), width: W, height: H };
  const stack = await readReflectance(product, {
    bands: ['B08', 'B11', 'B04'],
    resolution: shadowRes,
    window: sWin,
    coarsening: opts.coarsening ?? 'jp2-level',
    decoder: opts.decoder,
    signal,
  });
  const view = product.metadata.viewing.length
    ? {
        zenith: mean(product.metadata.viewing.map((v) => v.zenithMean)),
        azimuth: mean(product.metadata.viewing.map((v) => v.azimuthMean)),
      }
    : undefined;
  const sGrid = windowGrid({ ...stack.grid, width: W, height: H }, { x: 0, y: 0, width: W, height: H });
  const res = await detectShadowsAsync(
    {
      grid: sGrid,
      cloud,
      valid,
      nir: stack.data[0]!,
      swir: stack.data[1]!,
      red: stack.data[2]!,
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
