/**
 * Model runs started from the GUI: one at a time per product path, progress pushed as events,
 * cancellable. The work is the same pipeline the CLI uses (core/pipeline, core/masks/fmask).
 */
import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { S2Error, toS2Error } from '../core/errors.js';
import { fmaskFileName, fmaskResolution, runFmask, writeFmaskCog } from '../core/masks/fmask/index.js';
import { outputPathIn } from '../core/outputs/index.js';
import { CLASS_NAMES } from '../core/masks/schema.js';
import { runModel } from '../core/pipeline/run-model.js';
import { openProduct } from '../core/scene/index.js';
import type { RunRequest, RunSummaryDto } from './contract.js';
import type { EventHub } from './events.js';

/** Our shares by the schema's class names (what the panel shows). */
const SHARE_CLASSES = [
  ['clear', 1],
  ['cloud', 2],
  ['semiTransparent', 3],
  ['shadow', 4],
] as const;

export class RunRegistry {
  private readonly runs = new Map<string, AbortController>();

  constructor(private readonly events: EventHub) {}

  start(req: RunRequest): { runId: string } {
    if (typeof req.product !== 'string' || !req.product) {
      throw new S2Error('INVALID_ARGUMENT', 'Choose a product to run the model on.');
    }
    const runId = randomUUID();
    const ac = new AbortController();
    this.runs.set(runId, ac);
    const outDir = resolve(req.outDir ?? defaultOutDir(req.product));
    const started = Date.now();
    const work =
      req.modelId === 'fmask'
        ? this.fmask(runId, req, outDir, ac.signal)
        : this.model(runId, req, outDir, ac.signal);
    work
      .then(
        (result) =>
          this.events.emit('run.finished', {
            runId,
            ok: true,
            result: { ...result, seconds: (Date.now() - started) / 1000 },
          }),
        (err: unknown) => {
          const e = toS2Error(err);
          this.events.emit('run.finished', {
            runId,
            ok: false,
            ...(e.code === 'CANCELLED' ? { cancelled: true } : {}),
            error: e.toJSON(),
          });
        },
      )
      .finally(() => this.runs.delete(runId));
    return { runId };
  }

  cancel(runId: string): void {
    this.runs.get(runId)?.abort();
  }

  cancelAll(): void {
    for (const ac of this.runs.values()) ac.abort();
  }

  private async model(
    runId: string,
    req: RunRequest,
    outDir: string,
    signal: AbortSignal,
  ): Promise<RunSummaryDto> {
    const r = await runModel({
      product: req.product,
      ...(req.granule ? { granule: req.granule } : {}),
      ...(req.modelId ? { modelId: req.modelId } : {}),
      ...(req.resolution ? { resolution: req.resolution } : {}),
      outDir,
      probabilities: req.probabilities === true,
      cloudOnly: req.cloudOnly === true,
      signal,
      onProgress: (p) =>
        this.events.emit('run.progress', {
          runId,
          stage: p.stage,
          fraction: p.fraction,
          ...(p.etaSeconds !== undefined ? { etaSeconds: p.etaSeconds } : {}),
        }),
    });
    const shares: Record<string, number> = {};
    for (const [key, c] of SHARE_CLASSES) shares[CLASS_NAMES[c]] = 100 * r.shares[key];
    return {
      modelId: r.modelId,
      resolution: r.resolution,
      classesOut: r.classesOut,
      ...(r.probabilitiesOut ? { probabilitiesOut: r.probabilitiesOut } : {}),
      seconds: r.seconds,
      provider: r.provider,
      shares,
    };
  }

  private async fmask(
    runId: string,
    req: RunRequest,
    outDir: string,
    signal: AbortSignal,
  ): Promise<RunSummaryDto> {
    const res = fmaskResolution(req.resolution ?? 20);
    const product = await openProduct(req.product, req.granule ? { granule: req.granule } : {});
    try {
      if (product.metadata.level !== 'L1C') {
        throw new S2Error(
          'INVALID_ARGUMENT',
          `${product.metadata.productName} is ${product.metadata.level}; Fmask runs on top-of-atmosphere (L1C) products.`,
          { file: req.product },
        );
      }
      const result = await runFmask(product, {
        resolution: res,
        signal,
        onProgress: (fraction, stage) =>
          this.events.emit('run.progress', { runId, stage, fraction: fraction * 0.95 }),
      });
      const out = await outputPathIn(outDir, fmaskFileName(product.metadata.productName, res));
      this.events.emit('run.progress', { runId, stage: 'write', fraction: 0.97 });
      await writeFmaskCog(out, result, { productId: product.metadata.productName, signal });
      const shares: Record<string, number> = {};
      for (const [k, v] of Object.entries(result.shares)) shares[k] = 100 * v;
      return {
        modelId: 'fmask-builtin',
        resolution: res,
        classesOut: out,
        seconds: 0,
        provider: 'cpu',
        shares,
      };
    } finally {
      await product.close();
    }
  }
}

/** Outputs go next to the product (its parent folder for a .SAFE, zip or MTD xml). */
function defaultOutDir(product: string): string {
  const p = resolve(product);
  return /MTD_MSIL\w+\.xml$|_MTD_ALL\.xml$/i.test(p) ? dirname(dirname(p)) : dirname(p);
}
