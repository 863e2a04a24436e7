/**
 * s2cloudless over a whole product: the bands are read as reflectance strip by strip by the same
 * engine the CNNs use (a LightGBM TileRunner in place of ONNX Runtime, tiles without margins),
 * every pixel is scored on the LightGBM worker pool, then the whole probability raster is
 * averaged, thresholded and dilated as s2cloudless does, and both COGs are written atomically.
 */
import { S2Error, throwIfAborted } from '../../errors.js';
import { classNameItems } from '../../masks/schema.js';
import { CogWriter, KAPPAMASK_PALETTE } from '../../raster/cog/index.js';
import type { PixelWindow } from '../../raster/grid.js';
import type { Jp2Decoder } from '../../raster/jp2/index.js';
import type { Product, Resolution } from '../../scene/types.js';
import type { ModelCard } from '../card.js';
import { addClassCounts, KeepRasters } from '../../pipeline/sinks.js';
import { predictProduct, type PredictProgress, type PredictResult } from '../infer/engine.js';
import type { TileRunner } from '../infer/runner.js';
import { LightgbmPool, readLightgbmModel } from '../lightgbm/index.js';
import { checkPixelModel } from './check.js';
import { cloudClasses } from './postprocess.js';

export interface S2cloudlessOptions {
  card: ModelCard;
  /** The installed LightGBM text model. */
  modelFile: string;
  /** Working resolution; default the card's. */
  resolution?: Resolution;
  window?: PixelWindow;
  classesOut?: string;
  probabilitiesOut?: string;
  /** Scoring threads (default: the cores, at most 8; 0 = the calling thread). */
  workers?: number;
  coarsening?: 'average' | 'jp2-level';
  maxMemoryBytes?: number;
  decoder?: Jp2Decoder;
  signal?: AbortSignal;
  /** Tiles scored so far. */
  onProgress?: (p: PredictProgress) => void;
  /** 'write' once scoring is done: post-processing and the COGs. */
  onStage?: (stage: 'write') => void;
}

export interface S2cloudlessResult extends PredictResult {
  /** The classes and the cloud probability on `grid` (post-processing needs them whole anyway). */
  classes: Uint8Array;
  probabilities: Float32Array[];
  /** Post-processing used (pixels at the working resolution). */
  averageOver: number;
  dilationSize: number;
  /** Features the model takes (10, or 13 for an all-bands model). */
  features: number;
  /** What scored the pixels, e.g. "LightGBM (2 threads)". */
  provider: string;
  timings: PredictResult['timings'] & { postSeconds: number };
}

const now = (): number => performance.now() / 1000;

/** The post-processing radii the card gives for a working resolution. */
export function postprocessFor(
  card: ModelCard,
  resolution: Resolution,
): { averageOver: number; dilationSize: number } {
  const pp = card.postprocess;
  const averageOver = pp?.averageOver[String(resolution)];
  const dilationSize = pp?.dilationSize[String(resolution)];
  if (averageOver === undefined || dilationSize === undefined) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${card.name} has no post-processing for ${resolution} m in its card (postprocess.averageOver / dilationSize have ${Object.keys(pp?.averageOver ?? {}).join(', ') || 'none'} m).`,
    );
  }
  return { averageOver, dilationSize };
}

/** A TileRunner that scores every pixel of an [n, c, h, w] batch: output [n, 1, h, w] probabilities. */
export function lightgbmRunner(pool: LightgbmPool, features: number): TileRunner {
  return {
    channels: 1,
    async run(input, shape, signal): Promise<Float32Array> {
      const [n, c, h, w] = shape;
      if (c !== features)
        throw new S2Error('INTERNAL', `LightGBM runner: ${c} channels for ${features} features.`);
      const plane = h * w;
      const out = new Float32Array(n * plane);
      await Promise.all(
        Array.from({ length: n }, async (_, k) => {
          const p = await pool.score(
            { data: input, count: plane, stride: plane, offset: k * c * plane, features },
            signal,
          );
          out.set(p, k * plane);
        }),
      );
      return out;
    },
  };
}

export async function predictS2cloudless(
  product: Product,
  opts: S2cloudlessOptions,
): Promise<S2cloudlessResult> {
  const t0 = now();
  const model = await readLightgbmModel(opts.modelFile);
  const card: ModelCard = {
    ...opts.card,
    input: { ...opts.card.input, bands: checkPixelModel(opts.card, model) },
  };
  const resolution = opts.resolution ?? (card.input.resolution as Resolution);
  const post = postprocessFor(card, resolution);
  const output = card.output;
  if (output.kind !== 'sigmoid')
    throw new S2Error('BAD_MODEL_CARD', `${card.id}: output.kind must be sigmoid.`);
  const pool = new LightgbmPool(model, opts.workers === undefined ? {} : { workers: opts.workers });
  try {
    // Probabilities of the whole window are kept: the averaging needs neighbours in every direction.
    const keep = new KeepRasters(true);
    const scored = await predictProduct(product, {
      card,
      runner: lightgbmRunner(pool, model.numFeatures),
      resolution,
      ...(opts.window ? { window: opts.window } : {}),
      batch: Math.max(1, pool.workers),
      steps: [keep],
      ...(opts.coarsening ? { coarsening: opts.coarsening } : {}),
      ...(opts.maxMemoryBytes !== undefined ? { maxMemoryBytes: opts.maxMemoryBytes } : {}),
      ...(opts.decoder ? { decoder: opts.decoder } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    throwIfAborted(opts.signal);
    opts.onStage?.('write');
    const t1 = now();
    const { width: W, height: H } = scored.grid;
    const prob = keep.probabilities![0]!;
    const classes = cloudClasses(prob, W, H, { threshold: output.threshold, ...post });
    const postSeconds = now() - t1;
    const classCounts = [0, 0, 0, 0, 0];
    addClassCounts(classes, classCounts);

    const t2 = now();
    const metadata = {
      MODEL_ID: card.id,
      MODEL_VERSION: card.version,
      MODEL_FILE_FEATURES: String(model.numFeatures),
      PRODUCT_ID: product.metadata.productName,
      RESOLUTION: String(resolution),
      S2CLOUDLESS_THRESHOLD: String(output.threshold),
      S2CLOUDLESS_AVERAGE_OVER: String(post.averageOver),
      S2CLOUDLESS_DILATION_SIZE: String(post.dilationSize),
    };
    await writeCogs(opts, scored.grid, card.id, classes, prob, metadata);
    const writeSeconds = now() - t2;

    const result: S2cloudlessResult = {
      grid: scored.grid,
      resolution,
      tiles: scored.tiles,
      classCounts,
      averageOver: post.averageOver,
      dilationSize: post.dilationSize,
      features: model.numFeatures,
      provider: pool.workers > 0 ? `LightGBM (${pool.workers} threads)` : 'LightGBM (main thread)',
      timings: {
        readSeconds: scored.timings.readSeconds,
        inferSeconds: scored.timings.inferSeconds,
        postSeconds,
        writeSeconds,
        totalSeconds: now() - t0,
        steps: scored.timings.steps,
      },
      reads: scored.reads,
      classes,
      probabilities: [prob],
    };
    return result;
  } finally {
    await pool.destroy();
  }
}

async function writeCogs(
  opts: S2cloudlessOptions,
  grid: PredictResult['grid'],
  id: string,
  classes: Uint8Array,
  prob: Float32Array,
  metadata: Record<string, string>,
): Promise<void> {
  const signal = opts.signal;
  const classWriter = opts.classesOut
    ? await CogWriter.open(opts.classesOut, {
        grid,
        dataType: 'Uint8',
        bands: [{ description: `${id} classes`, metadata: classNameItems() }],
        nodata: 0,
        palette: KAPPAMASK_PALETTE,
        overviewResampling: 'mode',
        metadata,
        ...(signal ? { signal } : {}),
      })
    : undefined;
  try {
    const probWriter = opts.probabilitiesOut
      ? await CogWriter.open(opts.probabilitiesOut, {
          grid,
          dataType: 'Float32',
          bands: [{ description: `${id} cloud probability` }],
          nodata: NaN,
          overviewResampling: 'average',
          metadata,
          ...(signal ? { signal } : {}),
        })
      : undefined;
    try {
      await classWriter?.writeRows(0, [classes]);
      await probWriter?.writeRows(0, [prob]);
      await probWriter?.finish();
    } catch (err) {
      await probWriter?.abort();
      throw err;
    }
    await classWriter?.finish();
  } catch (err) {
    await classWriter?.abort();
    throw err;
  }
}
