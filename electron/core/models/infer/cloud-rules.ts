/**
 * The cloud rules that follow the network on every strip: the fused cloud decision and the
 * semi-transparent rule. On a large window they run in a worker thread of their own
 * (`cloud-rules-worker.ts`): the network's pass holds the main thread (ONNX Runtime runs
 * synchronously there), so rules run on the main thread leave one core idle while they work; in
 * the worker, the rules of one strip run while the network works on the next. Small windows
 * (tests, the embedded sample) run them in place: starting a worker would cost more than it saves.
 * Both ways run `applyCloudRules`, so the classes are the same bit for bit.
 */
import { Worker } from 'node:worker_threads';
import { S2Error } from '../../errors.js';
import { fuseClouds } from '../../masks/fusion/model.js';
import { splitSemiTransparent } from '../../masks/semi-transparent.js';
import type { Strip, StripContext, StripNeed, StripStep } from '../../pipeline/strips.js';
import type { PixelWindow } from '../../raster/grid.js';
import { resample } from '../../raster/resample.js';
import type { ReflectanceBand } from '../../scene/band-reader.js';
import type { Resolution } from '../../scene/types.js';
import { workerEntry } from '../../worker-entry.js';
import type { FusionModel, SemiTransparentRule } from '../card.js';

/** B10 over the window, at 60 m with the margin bilinear interpolation needs. */
export interface Cirrus {
  data: Float32Array;
  window: PixelWindow;
}

/** What the rules know for the whole run. */
export interface CloudRulesConfig {
  resolution: Resolution;
  /** The run's window on the working grid. */
  window: PixelWindow;
  fusion?: FusionModel;
  semi?: SemiTransparentRule;
  cirrus: Cirrus | null;
}

/** One strip's inputs: its core rows, row-major, `width` wide. */
export interface CloudRulesStrip {
  y0: number;
  rows: number;
  width: number;
  /** Changed in place. */
  classes: Uint8Array;
  probability: Float32Array;
  blue: Float32Array;
  green: Float32Array;
  red: Float32Array;
  nir: Float32Array;
  /** B12, for the fused decision. */
  swir2?: Float32Array;
}

/** Seconds spent per rule (the stage names of the CLI's timings). */
export type RuleSeconds = { fusion: number; semi: number };

const now = (): number => performance.now() / 1000;

/**
 * The fused decision, then the semi-transparent rule, on one strip. The fused decision's 5 x 5
 * context of the probability is clamped at the strip's first and last rows (a few pixels of
 * context lost along a row every strip).
 */
export function applyCloudRules(cfg: CloudRulesConfig, s: CloudRulesStrip): RuleSeconds {
  const t0 = now();
  if (cfg.fusion) {
    if (!s.swir2) throw new S2Error('INTERNAL', 'The fused cloud decision needs B12.');
    const { classes, width, rows: height, probability, blue, green, red, nir, swir2 } = s;
    fuseClouds(classes, { width, height, probability, blue, green, red, nir, swir2 }, cfg.fusion);
  }
  const t1 = now();
  if (cfg.semi) {
    const { cirrus, resolution } = cfg;
    const window = { x: cfg.window.x, y: cfg.window.y + s.y0, width: s.width, height: s.rows };
    // Interpolated exactly as readReflectance would (the same source pixels and weights); at 10
    // and 20 m a row at a time, only the rows where the cirrus test reaches B10.
    const b10 = cirrus
      ? resolution === 60
        ? resample({ data: cirrus.data, window: cirrus.window, resolution: 60 }, window, 60, 'nearest')
        : cirrusRows(cirrus, window, resolution)
      : undefined;
    splitSemiTransparent(
      { classes: s.classes, probability: s.probability, b10, blue: s.blue, green: s.green, red: s.red },
      cfg.semi,
    );
  }
  return { fusion: t1 - t0, semi: now() - t1 };
}

/**
 * B10 at index i of `window` (row-major), bilinear from 60 m, interpolated one row of the window
 * at a time when a pixel of that row first asks: the same numbers as resampling the whole window
 * (a row's weights depend only on its own row and column), without interpolating the many rows
 * no pixel reads.
 */
export function cirrusRows(
  cirrus: Cirrus,
  window: PixelWindow,
  resolution: Resolution,
): (i: number) => number {
  const src = { data: cirrus.data, window: cirrus.window, resolution: 60 };
  const rows: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(window.height);
  const { x, y: y0, width } = window;
  return (i) => {
    const y = (i / width) | 0;
    let row = rows[y];
    if (!row) {
      row = resample(src, { x, y: y0 + y, width, height: 1 }, resolution, 'bilinear');
      rows[y] = row;
    }
    return row[i - y * width]!;
  };
}

/** Worker start-up data and messages (`cloud-rules-worker.ts`). */
export type CloudRulesJob = CloudRulesStrip & { id: number };
export type CloudRulesReply =
  | { id: number; ok: true; classes: Uint8Array; seconds: RuleSeconds }
  | { id: number; ok: false; error: string };

/** Window area from which the rules run in a worker (about one 20 m tile quarter). */
export const WORKER_MIN_PIXELS = 8_000_000;

/**
 * The rules as one strip step. `thread`: 'worker' or 'main'; 'auto' (default) picks the worker
 * from WORKER_MIN_PIXELS up. Its time is reported per rule as the rules' own work (`ownSeconds`),
 * not the wall time the strip waited, which overlaps the network's.
 */
export class CloudRulesStep implements StripStep {
  readonly needs: StripNeed[];
  readonly ownSeconds: Record<string, number> = { fusion: 0, semi: 0 };
  private cfg: CloudRulesConfig | undefined;
  private worker: Worker | undefined;
  private readonly waiting = new Map<
    number,
    { resolve: (r: CloudRulesReply) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private failure: Error | undefined;

  constructor(
    private readonly rules: { fusion?: FusionModel; semi?: SemiTransparentRule; cirrus: Cirrus | null },
    private readonly resolution: Resolution,
    private readonly thread: 'auto' | 'main' | 'worker' = 'auto',
    /** Move the strip's band buffers to the worker: only when no later step reads bands. */
    private readonly handOver = false,
  ) {
    const bands: ReflectanceBand[] = ['B02', 'B03', 'B04', 'B08'];
    if (rules.fusion) bands.push('B12');
    this.needs = bands.map((band) => ({ band, resolution }));
  }

  /** Bytes of one strip's copies held by the worker while the main thread goes on. */
  memoryBytes({ width, height, stripRows }: { width: number; height: number; stripRows: number }): number {
    if (!this.useWorker(width * height)) return 0;
    return ((this.needs.length + 1) * 4 + 1) * width * stripRows;
  }

  start(ctx: StripContext): void {
    this.cfg = { resolution: this.resolution, window: ctx.window, ...this.rules };
    if (!this.useWorker(ctx.window.width * ctx.window.height)) return;
    const ts = import.meta.url.endsWith('.ts');
    const url = new URL(ts ? './cloud-rules-worker.ts' : './cloud-rules-worker.js', import.meta.url);
    const worker = new Worker(workerEntry(url), { workerData: this.cfg });
    worker.on('message', (reply: CloudRulesReply) => {
      const w = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (!w) return;
      if (reply.ok) w.resolve(reply);
      else w.reject(new S2Error('INTERNAL', `The cloud rules failed: ${reply.error}`));
    });
    const fail = (err: Error): void => {
      this.failure = err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', (err) =>
      fail(new S2Error('INTERNAL', `The cloud rules worker failed: ${err.message}`)),
    );
    worker.on('exit', (code) => {
      if (this.worker === worker)
        fail(new S2Error('INTERNAL', `The cloud rules worker stopped (exit code ${code}).`));
    });
    this.worker = worker;
  }

  strip(s: Strip): void | Promise<void> {
    const cfg = this.cfg;
    if (!cfg) throw new S2Error('INTERNAL', 'CloudRulesStep.strip before start.');
    const probability = s.probabilities[0]!;
    if (!this.worker) {
      const t = applyCloudRules(cfg, { ...this.views(s), classes: s.classes, probability });
      this.add(t);
      return;
    }
    if (this.failure) throw this.failure;
    // The bands are handed over (their buffers move to the worker, no copy) when this step is
    // the strip's last reader; otherwise copied. Classes and probability are copied: the sinks
    // after this step use them.
    const v = this.views(s);
    const band = (a: Float32Array): Float32Array => (this.handOver ? a : a.slice());
    const job: CloudRulesJob = {
      id: this.nextId++,
      y0: s.y0,
      rows: s.rows,
      width: s.width,
      classes: s.classes.slice(),
      probability: probability.slice(),
      blue: band(v.blue),
      green: band(v.green),
      red: band(v.red),
      nir: band(v.nir),
      ...(v.swir2 ? { swir2: band(v.swir2) } : {}),
    };
    const transfer = [job.classes, job.probability, job.blue, job.green, job.red, job.nir, job.swir2]
      .filter((a): a is Float32Array | Uint8Array => a !== undefined)
      .map((a) => a.buffer as ArrayBuffer);
    const reply = new Promise<CloudRulesReply>((resolve, reject) =>
      this.waiting.set(job.id, { resolve, reject }),
    );
    this.worker.postMessage(job, transfer);
    return reply.then((r) => {
      if (!r.ok) return;
      s.classes.set(r.classes);
      this.add(r.seconds);
    });
  }

  async finish(): Promise<void> {
    await this.stop();
  }

  async abort(): Promise<void> {
    await this.stop();
  }

  private async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
    for (const p of this.waiting.values()) p.reject(new S2Error('CANCELLED', 'The run was stopped.'));
    this.waiting.clear();
  }

  private useWorker(pixels: number): boolean {
    return this.thread === 'worker' || (this.thread === 'auto' && pixels >= WORKER_MIN_PIXELS);
  }

  private views(s: Strip): Omit<CloudRulesStrip, 'classes' | 'probability'> {
    return {
      y0: s.y0,
      rows: s.rows,
      width: s.width,
      blue: s.core('B02'),
      green: s.core('B03'),
      red: s.core('B04'),
      nir: s.core('B08'),
      ...(this.rules.fusion ? { swir2: s.core('B12') } : {}),
    };
  }

  private add(t: RuleSeconds): void {
    this.ownSeconds.fusion = (this.ownSeconds.fusion ?? 0) + t.fusion;
    this.ownSeconds.semi = (this.ownSeconds.semi ?? 0) + t.semi;
  }
}
