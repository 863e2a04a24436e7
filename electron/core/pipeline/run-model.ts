/**
 * One function that runs a cloud model over one product and writes its outputs: used by
 * `s2cloud predict`, the batch and the GUI's run panel, so all three give the same files.
 * It finds the model card by id, checks the ONNX file is installed, opens the product, creates
 * (or reuses) an ONNX Runtime session, runs the four-class pipeline (or the model's classes alone
 * with `cloudOnly`), writes the class COG (and the probabilities, and a quicklook PNG) atomically,
 * and reports progress as one 0..1 fraction with an ETA.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { S2Error } from '../errors.js';
import type { ModelCard } from '../models/card.js';
import { loadCard } from '../models/card-load.js';
import {
  predictProduct,
  type PredictOptions,
  type PredictProgress,
  type PredictResult,
} from '../models/infer/engine.js';
import { predictFourClasses } from '../models/infer/four-class.js';
import { onnxRunner } from '../models/infer/runner.js';
import { predictS2cloudless } from '../models/s2cloudless/run.js';
import { modelFilePath, modelIds, modelsDir } from '../models/paths.js';
import { createSession, type ModelSession, type ProviderName } from '../models/session.js';
import { defaultNetworkWorkers, openPool, type PoolRunner } from '../models/infer/pool.js';
import type { Grid } from '../raster/grid.js';
import type { Jp2Decoder } from '../raster/jp2/index.js';
import { confineOutput, outputPathIn, safeFileStem } from '../outputs/index.js';
import { ClassCogSink, KeepRasters, ProbabilityCogSink } from './sinks.js';
import { renderQuicklook } from '../render/quicklook.js';
import { openProduct } from '../scene/index.js';
import type { Product, Resolution } from '../scene/types.js';

/** The model `predict` and the batch use when none is named. */
export const DEFAULT_MODEL = 'dl-l8s2-uv-6b';

export type RunStage = 'open' | 'cnn' | 'semi-transparent' | 'shadows' | 'write' | 'done';

export interface RunProgress {
  /**
   * What runs now. 'semi-transparent' is part of the type for the GUI's sake but is not reported
   * on its own today: the rule runs strip by strip inside the CNN pass ('cnn').
   */
  stage: RunStage;
  /** Tiles done / total during 'cnn'; 0/1 or 1/1 for the other stages. */
  done: number;
  total: number;
  /** Whole run, 0..1 (never goes back). */
  fraction: number;
  /** Seconds left for the whole run, once there is a basis for a guess. */
  etaSeconds?: number;
}

export interface RunModelOptions {
  /** A .SAFE folder, a .zip or an MTD_MSIL*.xml. */
  product: string;
  /** Multi-granule products: the granule (folder id or tile id). */
  granule?: string;
  /** Model card id (a folder of native-models/). Default DEFAULT_MODEL. */
  modelId?: string;
  /** Working resolution; default the card's. */
  resolution?: Resolution;
  /** Class COG. Default `<outDir>/<product>_<model>_<res>m.tif`. */
  classesOut?: string;
  /** Folder for the default class COG name. Default the current folder. */
  outDir?: string;
  /**
   * The folder the user chose, when the output paths were built by a caller (the batch): every
   * output must lie inside it (symbolic links followed) or the run stops with UNSAFE_PATH.
   */
  outputRoot?: string;
  /** Probability COG (float32). */
  probabilitiesOut?: string;
  /** Write the probabilities next to the classes (`<classes>_probabilities.tif`) when no path is given. */
  probabilities?: boolean;
  /** Quicklook PNG (true colour with the classes tinted over it). */
  quicklookOut?: string;
  /** Longest side of the quicklook in pixels (default 1400). */
  quicklookMaxSize?: number;
  /** The model's classes alone (no fused decision, no semi-transparent rule, no shadows). */
  cloudOnly?: boolean;
  /** Apply the card's fused cloud decision when it has one (default true; four classes only). */
  fusion?: boolean;
  /** ONNX Runtime intra-op threads (default all cores). Ignored with `session`. */
  threads?: number;
  /**
   * CPU sessions the network runs on at once, each in a worker thread with its share of
   * `threads` (models/infer/pool.ts). Default: `defaultNetworkWorkers`. Ignored with `session`
   * and on a GPU.
   */
  networkWorkers?: number;
  /** Execution providers to try, in order. Ignored with `session`. */
  providers?: readonly ProviderName[];
  /** A session already opened on this model's ONNX file (the batch reuses one per job); not released here. */
  session?: ModelSession;
  /** The provider line ONNX Runtime's session creation prints (default: dropped). */
  log?: (line: string) => void;
  /** Engine settings (see PredictOptions). */
  tileSize?: number;
  batch?: number;
  maxMemoryBytes?: number;
  coarsening?: 'average' | 'jp2-level';
  decoder?: Jp2Decoder;
  /** Also return the class raster in memory (1 byte a pixel). */
  keepClasses?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** The four-class pipeline's stage changes, as `predict` prints them. */
  onStage?: (stage: 'cnn' | 'shadows' | 'write') => void;
}

/** Class shares: clear, cloud, semi-transparent and shadow over valid pixels; noData over all pixels. */
export interface ClassShares {
  clear: number;
  cloud: number;
  semiTransparent: number;
  shadow: number;
  noData: number;
}

export interface RunModelResult {
  /** The path given. */
  product: string;
  productName: string;
  level: string;
  modelId: string;
  resolution: Resolution;
  classesOut: string;
  probabilitiesOut?: string;
  quicklookOut?: string;
  /** Pixels per class 0..4. */
  classCounts: number[];
  shares: ClassShares;
  provider: string;
  /** Wall time of the whole call. */
  seconds: number;
  grid: Grid;
  tiles: number;
  timings: {
    readSeconds: number;
    inferSeconds: number;
    writeSeconds: number;
    totalSeconds: number;
    semiSeconds?: number;
    shadowSeconds?: number;
    /** A pixel classifier's whole-raster smoothing, threshold and dilation (s2cloudless). */
    postSeconds?: number;
  };
  /** With keepClasses: the class raster on `grid`. */
  classes?: Uint8Array;
}

/** The card of an installed model, or a NOT_FOUND error saying how to install it. */
export async function installedModel(modelId: string): Promise<{ card: ModelCard; onnx: string }> {
  const cardFile = join(modelsDir(), modelId, 'model.json');
  if (!existsSync(cardFile)) {
    throw new S2Error(
      'NOT_FOUND',
      `No model "${modelId}": ${cardFile} does not exist (the models are ${modelIds().join(', ') || 'none'}).`,
      { file: cardFile },
    );
  }
  const card = await loadCard(cardFile);
  // The shipped file beside the card first, then one the user built or installed.
  const onnx = modelFilePath(card);
  if (!existsSync(onnx)) {
    throw new S2Error(
      'NOT_FOUND',
      card.runtime === 'lightgbm'
        ? `Model "${card.id}" is not installed (${onnx} is missing): install its LightGBM model file from the model manager, or run \`npm run models -- install ${card.id} <file>\` (\`npm run models -- find ${card.id}\` lists the copies a Python package of it has).`
        : `Model "${card.id}" is not installed (${onnx} is missing): import its ONNX file in the model` +
            ` manager, or run \`npm run models -- install <file> --card ${card.id}\`` +
            (card.file.origin === 'built' ? ' or `npm run models -- build --weights DIR`.' : '.'),
      { file: onnx },
    );
  }
  return { card, onnx };
}

/**
 * `<product>_<model>_<res>m.tif`: the one naming rule for class COGs. The product name comes from
 * the product's metadata, so it is reduced to a safe basename first (no folders, no '..').
 */
export function classesFileName(productName: string, modelId: string, resolution: number): string {
  return `${safeFileStem(productName)}_${safeFileStem(modelId, 'model')}_${resolution}m.tif`;
}

/** The probability COG next to a class COG. */
export function probabilitiesPathFor(classesOut: string): string {
  return classesOut.replace(/(\.tiff?)?$/i, '_probabilities.tif');
}

/** Shares of the classes: over valid pixels, except no data (over all pixels). */
export function classShares(counts: readonly number[]): ClassShares {
  const total = counts.reduce((a, b) => a + b, 0);
  const valid = Math.max(1, total - (counts[0] ?? 0));
  return {
    clear: (counts[1] ?? 0) / valid,
    cloud: (counts[2] ?? 0) / valid,
    semiTransparent: (counts[3] ?? 0) / valid,
    shadow: (counts[4] ?? 0) / valid,
    noData: total > 0 ? (counts[0] ?? 0) / total : 0,
  };
}

const now = (): number => performance.now() / 1000;

/**
 * Share of the run each stage ends at. The CNN pass (reading, inference, the semi-transparent
 * rule) is most of the time; shadows and the COG write follow in the four-class pipeline.
 */
const STAGE_END = {
  fourClass: { open: 0.02, cnn: 0.8, shadows: 0.92, write: 0.99 },
  cloudOnly: { open: 0.02, cnn: 0.99, shadows: 0.99, write: 0.99 },
  /** A pixel classifier: scoring, then the whole-raster post-processing and both COGs. */
  pixel: { open: 0.02, cnn: 0.9, shadows: 0.9, write: 0.99 },
} as const;

export async function runModel(opts: RunModelOptions): Promise<RunModelResult> {
  const t0 = now();
  const modelId = opts.modelId ?? DEFAULT_MODEL;
  const { card, onnx } = await installedModel(modelId);
  const ends =
    card.runtime === 'lightgbm'
      ? STAGE_END.pixel
      : opts.cloudOnly
        ? STAGE_END.cloudOnly
        : STAGE_END.fourClass;
  let lastFraction = 0;
  const report = (stage: RunStage, done: number, total: number, fraction: number): void => {
    if (!opts.onProgress) return;
    lastFraction = Math.max(lastFraction, Math.min(1, fraction));
    const elapsed = now() - t0;
    const p: RunProgress = { stage, done, total, fraction: lastFraction };
    if (stage === 'done') p.etaSeconds = 0;
    else if (lastFraction >= 0.05) p.etaSeconds = (elapsed * (1 - lastFraction)) / lastFraction;
    opts.onProgress(p);
  };
  report('open', 0, 1, 0);
  const product: Product = await openProduct(
    opts.product,
    opts.granule === undefined ? {} : { granule: opts.granule },
  );
  try {
    const res = (opts.resolution ?? card.input.resolution) as Resolution;
    const productName = product.metadata.productName;
    // A name derived from metadata must stay in the output folder; paths the caller built are
    // checked against the folder it names (outputRoot).
    const classesOut =
      opts.classesOut === undefined
        ? await outputPathIn(opts.outDir ?? '.', classesFileName(productName, card.id, res))
        : resolve(opts.classesOut);
    const probabilitiesOut =
      opts.probabilitiesOut !== undefined
        ? resolve(opts.probabilitiesOut)
        : opts.probabilities
          ? probabilitiesPathFor(classesOut)
          : undefined;
    const quicklookOut = opts.quicklookOut === undefined ? undefined : resolve(opts.quicklookOut);
    for (const f of [classesOut, probabilitiesOut, quicklookOut]) {
      if (!f) continue;
      if (opts.outputRoot !== undefined) await confineOutput(opts.outputRoot, f);
      else await mkdir(dirname(f), { recursive: true });
    }

    let provider: string;
    let result: PredictResult & { classes?: Uint8Array };
    if (card.runtime === 'lightgbm') {
      // A pixel classifier (s2cloudless): no ONNX session, two classes, no shadows.
      report('open', 1, 1, ends.open);
      const r = await predictS2cloudless(product, {
        card,
        modelFile: onnx,
        resolution: res,
        classesOut,
        probabilitiesOut,
        coarsening: opts.coarsening,
        maxMemoryBytes: opts.maxMemoryBytes,
        decoder: opts.decoder,
        signal: opts.signal,
        onProgress: (p) => {
          const f = ends.open + ((STAGE_END.pixel.cnn - ends.open) * p.tilesDone) / Math.max(1, p.tilesTotal);
          report('cnn', p.tilesDone, p.tilesTotal, f);
        },
        onStage: (s) => {
          opts.onStage?.(s);
          report('write', 0, 1, STAGE_END.pixel.cnn);
        },
      });
      provider = r.provider;
      result = r;
    } else {
      const model =
        opts.session ??
        (await createSession(onnx, {
          providers: opts.providers,
          threads: opts.threads,
          log: opts.log ?? ((): void => {}),
        }));
      // A session opened here is released as soon as the CNN is done: ONNX Runtime's arena holds
      // about 1.2 GB for a 1024 px tile, which the shadow step would otherwise sit on top of.
      let released: Promise<void> | undefined;
      let pool: PoolRunner | undefined; // the network's workers, when it has them
      const releaseOwn = (): Promise<void> =>
        (released ??= Promise.all([
          pool?.close(),
          opts.session ? Promise.resolve() : model.session.release(),
        ]).then(() => undefined));
      try {
        report('open', 1, 1, ends.open);
        let stage: 'cnn' | 'shadows' | 'write' = 'cnn';
        // The model's classes alone go to their COGs strip by strip; four classes are written
        // once the shadows are in (they need the whole raster).
        const wantClasses = opts.keepClasses === true || quicklookOut !== undefined;
        const keep = opts.cloudOnly && wantClasses ? new KeepRasters() : undefined;
        const id = { modelId: card.id, modelVersion: card.version, productId: product.metadata.productName };
        const sinks = opts.cloudOnly
          ? [
              new ClassCogSink(classesOut, id),
              ...(probabilitiesOut ? [new ProbabilityCogSink(probabilitiesOut, id)] : []),
              ...(keep ? [keep] : []),
            ]
          : [];
        const workers =
          opts.session || model.provider !== 'cpu'
            ? 1
            : (opts.networkWorkers ?? defaultNetworkWorkers(model.threads));
        pool = workers > 1 ? await openPool(onnx, card, workers, model.threads, opts.log) : undefined;
        const options: PredictOptions = {
          card,
          runner: pool ?? onnxRunner(model, card),
          resolution: res,
          tileSize: opts.tileSize,
          coarsening: opts.coarsening,
          maxMemoryBytes: opts.maxMemoryBytes,
          batch: opts.batch,
          steps: sinks,
          decoder: opts.decoder,
          signal: opts.signal,
          onProgress: (p: PredictProgress): void => {
            if (stage !== 'cnn') return;
            const f = ends.open + ((ends.cnn - ends.open) * p.tilesDone) / Math.max(1, p.tilesTotal);
            report('cnn', p.tilesDone, p.tilesTotal, f);
          },
        };
        result = opts.cloudOnly
          ? { ...(await predictProduct(product, options)), ...(keep ? { classes: keep.classes } : {}) }
          : await predictFourClasses(product, {
              ...options,
              classesOut,
              ...(probabilitiesOut ? { probabilitiesOut } : {}),
              ...(opts.fusion === false ? { fusion: false } : {}),
              onStage: (s) => {
                stage = s;
                opts.onStage?.(s);
                if (s === 'shadows') {
                  void releaseOwn().catch(() => undefined); // awaited, and its error thrown, below
                  report('shadows', 0, 1, ends.cnn);
                }
                if (s === 'write') report('write', 0, 1, ends.shadows);
              },
            });
        provider = model.provider;
      } finally {
        await releaseOwn();
      }
    }
    let classes = result.classes;
    if (quicklookOut !== undefined && classes) {
      const ql = await renderQuicklook(product, {
        mask: classes,
        maskGrid: result.grid,
        ...(opts.quicklookMaxSize ? { maxSize: opts.quicklookMaxSize } : {}),
        decoder: opts.decoder,
        signal: opts.signal,
      });
      await writeFileAtomic(quicklookOut, ql.png);
    }
    if (!opts.keepClasses) classes = undefined;
    const out: RunModelResult = {
      product: opts.product,
      productName,
      level: product.metadata.level,
      modelId: card.id,
      resolution: res,
      classesOut,
      classCounts: result.classCounts,
      shares: classShares(result.classCounts),
      provider,
      seconds: now() - t0,
      grid: result.grid,
      tiles: result.tiles,
      timings: result.timings,
    };
    if (probabilitiesOut) out.probabilitiesOut = probabilitiesOut;
    if (quicklookOut) out.quicklookOut = quicklookOut;
    if (classes) out.classes = classes;
    report('done', 1, 1, 1);
    return out;
  } finally {
    await product.close();
  }
}
