/**
 * Steps at the end of the strip pipeline that need no bands: they count, keep or write the
 * strip's classes and probabilities as they pass.
 */
import { classNameItems } from '../masks/schema.js';
import { CogWriter, KAPPAMASK_PALETTE, type CogOptions, type CogTypedArray } from '../raster/cog/index.js';
import type { Strip, StripContext, StripStep } from './strips.js';

/** Pixels per class value 0..4 (0 = no data), counted as strips pass. */
export class ClassCounter implements StripStep {
  readonly counts = [0, 0, 0, 0, 0];

  strip(s: Strip): void {
    addClassCounts(s.classes, this.counts);
  }
}

/**
 * Adds the pixels of each value of `classes` to `into` (a value past its end extends it). An
 * indexed loop into a histogram: `for...of` over a whole 10 m raster took 1.3 s, this 0.2 s.
 */
export function addClassCounts(classes: Uint8Array, into: number[]): void {
  const h = new Float64Array(256);
  for (let i = 0; i < classes.length; i++) h[classes[i]!]!++;
  for (let v = 0; v < 256; v++) if (h[v]) into[v] = (into[v] ?? 0) + h[v]!;
}

/** The classes (and, optionally, the probabilities) of the whole window, kept in memory. */
export class KeepRasters implements StripStep {
  classes: Uint8Array = new Uint8Array(0);
  probabilities: Float32Array[] | undefined;
  private width = 0;

  constructor(private readonly withProbabilities = false) {}

  memoryBytes({ width, height, channels }: { width: number; height: number; channels: number }): number {
    return width * height * (1 + (this.withProbabilities ? 4 * channels : 0));
  }

  start(ctx: StripContext): void {
    const { width, height } = ctx.window;
    this.width = width;
    this.classes = new Uint8Array(width * height);
    if (this.withProbabilities) {
      this.probabilities = Array.from({ length: ctx.channels }, () => new Float32Array(width * height));
    }
  }

  strip(s: Strip): void {
    this.classes.set(s.classes, s.y0 * this.width);
    this.probabilities?.forEach((p, k) => p.set(s.probabilities[k]!, s.y0 * this.width));
  }
}

/** Identity of the model and product, written into every output's metadata. */
export interface OutputIdentity {
  modelId: string;
  modelVersion: string;
  productId: string;
}

/** A COG written row by row as strips pass, atomically: nothing is left on failure. */
class CogRowSink implements StripStep {
  readonly stage = 'write';
  private writer: CogWriter | undefined;

  constructor(
    private readonly path: string,
    private readonly options: (ctx: StripContext) => CogOptions,
    private readonly rows: (s: Strip) => readonly CogTypedArray[],
  ) {}

  async start(ctx: StripContext): Promise<void> {
    this.writer = await CogWriter.open(this.path, { ...this.options(ctx), signal: ctx.signal });
  }

  async strip(s: Strip): Promise<void> {
    await this.writer!.writeRows(s.y0, this.rows(s));
  }

  async finish(): Promise<void> {
    await this.writer?.finish();
  }

  async abort(): Promise<void> {
    await this.writer?.abort();
  }
}

/** The class COG (the schema's values and palette). */
export class ClassCogSink extends CogRowSink {
  constructor(path: string, id: OutputIdentity) {
    super(
      path,
      (ctx) => ({
        grid: ctx.grid,
        dataType: 'Uint8',
        bands: [{ description: `${id.modelId} classes`, metadata: classNameItems() }],
        nodata: 0,
        palette: KAPPAMASK_PALETTE,
        overviewResampling: 'mode',
        metadata: outputMetadata(id, ctx),
      }),
      (s) => [s.classes],
    );
  }
}

/** The probability COG (float32, one band per output channel). */
export class ProbabilityCogSink extends CogRowSink {
  constructor(path: string, id: OutputIdentity) {
    super(
      path,
      (ctx) => ({
        grid: ctx.grid,
        dataType: 'Float32',
        bands: Array.from({ length: ctx.channels }, (_, k) => ({
          description: `${id.modelId} probability ${k}`,
        })),
        nodata: NaN,
        overviewResampling: 'average',
        metadata: outputMetadata(id, ctx),
      }),
      (s) => s.probabilities,
    );
  }
}

function outputMetadata(id: OutputIdentity, ctx: StripContext): Record<string, string> {
  return {
    MODEL_ID: id.modelId,
    MODEL_VERSION: id.modelVersion,
    PRODUCT_ID: id.productId,
    RESOLUTION: String(ctx.resolution),
  };
}
