/**
 * One scene of a batch: the model run (runModel: class COG, probabilities, quicklook), then the
 * extras asked for: the product's own mask as a schema COG, the agreement of the model with it
 * (and with a reference mask), and the built-in Fmask. Every file is written atomically.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { throwIfAborted } from '../errors.js';
import { resampleMask } from '../masks/align.js';
import { loadMask } from '../masks/adapters/index.js';
import { fmaskResolution, runFmask, writeFmaskCog } from '../masks/fmask/index.js';
import { classNameItems, type SchemaMask } from '../masks/schema.js';
import { binaryScores } from '../metrics/binary.js';
import { confusionMatrix } from '../metrics/confusion.js';
import { agreement } from '../metrics/scores.js';
import type { ModelSession } from '../models/session.js';
import { confineOutput } from '../outputs/index.js';
import { runModel, type RunProgress } from '../pipeline/run-model.js';
import { KAPPAMASK_PALETTE, writeCog } from '../raster/cog/index.js';
import type { Grid } from '../raster/grid.js';
import type { Jp2Decoder } from '../raster/jp2/index.js';
import { openProduct } from '../scene/index.js';
import type { Product } from '../scene/types.js';
import type { WorkOptions } from './journal.js';
import { productMaskAdapter } from './plan.js';
import type { AgreementSummary, BatchSceneState, SceneSummary } from './types.js';

/** Longest side of the batch's quicklooks (they are embedded in the HTML report). */
export const BATCH_QUICKLOOK_SIZE = 800;

export interface SceneContext {
  work: WorkOptions;
  /** The batch's output folder: every output must lie inside it. */
  outDir: string;
  /** The job's ONNX session; absent for a LightGBM model (s2cloudless). */
  session?: ModelSession;
  decoder?: Jp2Decoder;
  signal: AbortSignal;
  /** Scene progress 0..1 with the stage name. */
  onProgress: (fraction: number, stage: string, etaSeconds?: number) => void;
}

/** Share of the scene the model run takes; the extras share the rest. */
const MODEL_SHARE = 0.85;

export async function processScene(
  scene: BatchSceneState,
  ctx: SceneContext,
): Promise<{ summary: SceneSummary; outputs: Record<string, string> }> {
  const { work, signal } = ctx;
  const outputs = scene.outputs ?? {};
  const extras = work.outputs.metrics || work.outputs.productMasks || work.outputs.fmask || !!work.reference;
  const modelShare = extras ? MODEL_SHARE : 1;
  // Names come from product metadata: refuse any that would land outside the output folder.
  for (const file of Object.values(outputs)) await confineOutput(ctx.outDir, file);
  const result = await runModel({
    outputRoot: ctx.outDir,
    product: scene.path,
    modelId: work.modelId,
    resolution: work.resolution,
    classesOut: outputs.classes,
    probabilitiesOut: outputs.probabilities,
    quicklookOut: outputs.quicklook,
    quicklookMaxSize: BATCH_QUICKLOOK_SIZE,
    cloudOnly: work.cloudOnly,
    ...(ctx.session ? { session: ctx.session } : {}),
    decoder: ctx.decoder,
    keepClasses: work.outputs.metrics || !!work.reference,
    signal,
    onProgress: (p: RunProgress) =>
      ctx.onProgress(
        p.fraction * modelShare,
        p.stage,
        p.etaSeconds === undefined ? undefined : p.etaSeconds / modelShare,
      ),
  });
  const summary: SceneSummary = { ...result.shares };
  const notes: string[] = [];
  if (!extras) return { summary, outputs };

  const product = await openProduct(scene.path);
  try {
    // The product's own mask: written as a schema COG and/or compared with the model.
    const adapter = productMaskAdapter(product.metadata.level, product.bands, product.masks);
    if (work.outputs.productMasks || work.outputs.metrics) {
      if (!adapter) {
        notes.push('the product has no SCL, MSK_CLASSI, MSK_CLOUDS or MAJA CLM mask');
      } else {
        ctx.onProgress(modelShare, 'product mask');
        const mask = await loadMask(scene.path, {
          adapter,
          product,
          resolution: work.resolution,
          signal,
        });
        throwIfAborted(signal);
        if (work.outputs.productMasks && outputs.productMask) {
          await writeSchemaCog(outputs.productMask, mask, product.metadata.productName, signal);
        }
        if (work.outputs.metrics && result.classes) {
          summary.agreement = compare(result.classes, result.grid, mask, mask.source);
        }
      }
    }
    if (work.reference && result.classes) {
      ctx.onProgress(modelShare + 0.04, 'reference');
      const ref = await findReference(work.reference, product, signal);
      if (!ref) notes.push(`no reference mask for this product under ${work.reference}`);
      else {
        const mask = await loadMask(ref, { signal });
        summary.reference = compare(result.classes, result.grid, mask, basename(ref));
      }
    }
    if (work.outputs.fmask) {
      if (product.metadata.level !== 'L1C' || !outputs.fmask) {
        notes.push(`Fmask runs on L1C products; this one is ${product.metadata.level}`);
      } else {
        ctx.onProgress(modelShare + 0.05, 'fmask');
        const fm = await runFmask(product, {
          resolution: fmaskResolution(work.resolution),
          signal,
          onProgress: (f) => ctx.onProgress(modelShare + 0.05 + 0.09 * f, 'fmask'),
        });
        await writeFmaskCog(outputs.fmask, fm, { productId: product.metadata.productName, signal });
      }
    }
  } finally {
    await product.close();
  }
  if (notes.length > 0) summary.notes = notes;
  return { summary, outputs };
}

/** Agreement of the model (prediction) with another mask (taken as the reference), on the model's grid. */
function compare(classes: Uint8Array, grid: Grid, other: SchemaMask, source: string): AgreementSummary {
  const ref = resampleMask(other, grid);
  const m = confusionMatrix(ref, classes, grid.width, grid.height);
  const a = agreement(m);
  // Shadow counts as clear in the binary view (the KappaMask paper's convention).
  const b = binaryScores(m, 'clear');
  return {
    source,
    scored: m.scored,
    overallAccuracy: a.overallAccuracy,
    kappa: a.kappa,
    cloudAgreement: b.accuracy,
    cloudF1: b.f1,
  };
}

async function writeSchemaCog(
  path: string,
  mask: SchemaMask,
  productId: string,
  signal: AbortSignal,
): Promise<void> {
  await writeCog(path, {
    grid: mask.grid,
    dataType: 'Uint8',
    bands: [{ data: mask.data, description: mask.source, metadata: classNameItems() }],
    nodata: 0,
    palette: KAPPAMASK_PALETTE,
    overviewResampling: 'mode',
    metadata: { SOURCE: mask.source, PRODUCT_ID: productId },
    signal,
  });
}

const REFERENCE_EXT = new Set(['.tif', '.tiff', '.png', '.jp2', '.img']);

/**
 * The reference mask of a product: the file itself when `reference` is a file; under a folder,
 * the first raster (by path) whose name holds the product name, else the tile and the sensing date.
 */
export async function findReference(
  reference: string,
  product: Product,
  signal?: AbortSignal,
): Promise<string | null> {
  if (!(await stat(reference)).isDirectory()) return reference;
  const files: string[] = [];
  // Links to folders are not followed (no cycles); an unreadable subfolder is skipped.
  const walk = async (dir: string): Promise<void> => {
    throwIfAborted(signal);
    const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
      if (dir === reference) throw err;
      return [];
    });
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (REFERENCE_EXT.has(extname(e.name).toLowerCase())) files.push(p);
    }
  };
  await walk(reference);
  files.sort();
  const m = product.metadata;
  const date = m.sensingTime.slice(0, 10).replace(/-/g, '');
  const byName = files.find((f) => basename(f).includes(m.productName));
  if (byName) return byName;
  return files.find((f) => basename(f).includes(m.tileId) && basename(f).includes(date)) ?? null;
}
