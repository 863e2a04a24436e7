/**
 * What teaching needs from a product: the CNN's cloud probability (the card's network, run by
 * the same runModel as `predict`, so the taught decision sees exactly what a run will) and the
 * bands of the fused decision's features, on one working grid. The probability can be kept in a
 * cache folder: refitting again on the same product then skips the network.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { S2Error } from '../errors.js';
import { FUSION_BANDS, type FusionInputs } from '../masks/fusion/features.js';
import { readRasterBand } from '../masks/raster-io.js';
import type { ModelCard } from '../models/card.js';
import { runModel } from '../pipeline/run-model.js';
import type { Grid } from '../raster/grid.js';
import { openProduct } from '../scene/index.js';
import { readReflectance } from '../scene/reflectance.js';
import type { Resolution } from '../scene/types.js';

export interface TeachInputs {
  productName: string;
  resolution: Resolution;
  grid: Grid;
  /** The fusion's inputs; probability NaN where the product has no data. */
  inputs: FusionInputs;
  /** Whether the CNN probability came from the cache. */
  cached: boolean;
  seconds: { cnn: number; bands: number };
}

export interface TeachInputsOptions {
  product: string;
  card: ModelCard;
  resolution: Resolution;
  granule?: string;
  /** Folder for cached CNN probabilities (created when missing); none: no cache. */
  cacheDir?: string;
  threads?: number;
  signal?: AbortSignal;
}

const now = (): number => performance.now() / 1000;

interface CachedProbability {
  grid: Grid;
  probability: Float32Array;
}

/** The cache key: the product (path and change time), the network file, the resolution. */
async function cacheKey(o: TeachInputsOptions): Promise<string> {
  const path = resolve(o.product);
  const mtime = (await stat(path)).mtimeMs;
  const parts = [
    path,
    mtime,
    o.card.id,
    o.card.file.sha256 ?? o.card.file.name,
    o.resolution,
    o.granule ?? '',
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24);
}

async function readCache(dir: string, key: string): Promise<CachedProbability | null> {
  try {
    const grid = JSON.parse(await readFile(join(dir, `${key}.json`), 'utf8')) as Grid;
    const bytes = await readFile(join(dir, `${key}.f32`));
    if (bytes.byteLength !== grid.width * grid.height * 4) return null;
    const probability = new Float32Array(grid.width * grid.height);
    new Uint8Array(probability.buffer).set(bytes);
    return { grid, probability };
  } catch {
    return null;
  }
}

/** The CNN probability of the whole product (runModel, the card's network alone). */
async function runCnn(o: TeachInputsOptions): Promise<CachedProbability> {
  const dir = await mkdtemp(join(tmpdir(), 's2teach-'));
  try {
    const r = await runModel({
      product: o.product,
      modelId: o.card.id,
      resolution: o.resolution,
      cloudOnly: true,
      classesOut: join(dir, 'classes.tif'),
      probabilitiesOut: join(dir, 'probability.tif'),
      keepClasses: true,
      ...(o.granule !== undefined ? { granule: o.granule } : {}),
      ...(o.threads !== undefined ? { threads: o.threads } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const band = await readRasterBand(join(dir, 'probability.tif'));
    const probability = Float32Array.from(band.values as ArrayLike<number>);
    const classes = r.classes;
    if (classes) for (let i = 0; i < classes.length; i++) if (classes[i] === 0) probability[i] = NaN;
    return { grid: r.grid, probability };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs (or reads from the cache) the CNN and reads the fusion's bands on the working grid. */
export async function loadTeachInputs(o: TeachInputsOptions): Promise<TeachInputs> {
  const t0 = now();
  const key = o.cacheDir !== undefined ? await cacheKey(o) : '';
  let cnn = o.cacheDir !== undefined ? await readCache(o.cacheDir, key) : null;
  const cached = cnn !== null;
  if (!cnn) {
    cnn = await runCnn(o);
    if (o.cacheDir !== undefined) {
      const p = cnn.probability;
      await writeFileAtomic(
        join(o.cacheDir, `${key}.f32`),
        new Uint8Array(p.buffer, p.byteOffset, p.byteLength),
      );
      await writeFileAtomic(join(o.cacheDir, `${key}.json`), JSON.stringify(cnn.grid));
    }
  }
  const t1 = now();
  const product = await openProduct(o.product, o.granule !== undefined ? { granule: o.granule } : {});
  try {
    const bands = await readReflectance(product, {
      bands: FUSION_BANDS,
      resolution: o.resolution,
      coarsening: 'average',
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const g = bands.grid;
    if (g.width !== cnn.grid.width || g.height !== cnn.grid.height || g.epsg !== cnn.grid.epsg)
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${o.product}: the CNN grid (${cnn.grid.width} x ${cnn.grid.height}) and the band grid (${g.width} x ${g.height}) differ.`,
        { file: o.product },
      );
    const [blue, green, red, nir, swir2] = bands.data as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    return {
      productName: product.metadata.productName,
      resolution: o.resolution,
      grid: cnn.grid,
      inputs: {
        width: g.width,
        height: g.height,
        probability: cnn.probability,
        blue,
        green,
        red,
        nir,
        swir2,
      },
      cached,
      seconds: { cnn: t1 - t0, bands: now() - t1 },
    };
  } finally {
    await product.close();
  }
}
