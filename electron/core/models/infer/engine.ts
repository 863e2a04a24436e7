/**
 * Whole-product sliding-window inference on the strip pipeline (pipeline/strips.ts). The
 * product is processed in strips of one tile row: the StripReader reads what the network and
 * every step declare (the network's bands with the margins its tiles need), the strip's tiles
 * are run in batches, the kept cores become class and probability rows, and the strip goes
 * through the steps in order (fused decision, semi-transparent rule, shadow inputs, class
 * counter, COG rows, ...). Memory is bounded by two strips (one read ahead), never the tile.
 */
import { S2Error, throwIfAborted } from '../../errors.js';
import { usableMemoryBytes } from '../../memory.js';
import { ClassCounter } from '../../pipeline/sinks.js';
import {
  StripReader,
  unionOfNeeds,
  type Strip,
  type DecodedStrip,
  type StripBands,
  type StripContext,
  type StripNeed,
  type StripStep,
} from '../../pipeline/strips.js';
import { fullWindow, windowGrid, type Grid, type PixelWindow } from '../../raster/grid.js';
import type { Jp2Decoder } from '../../raster/jp2/index.js';
import { productGrid, type ReflectanceBand } from '../../scene/reflectance.js';
import type { Product, Resolution } from '../../scene/types.js';
import type { ModelCard } from '../card.js';
import { classifier, softmaxInPlace } from './classify.js';
import type { TileRunner } from './runner.js';
import { planTiles, reflectIndex, spanSourceRange, type TilePlan, type TileSpan } from './tiling.js';

export interface PredictProgress {
  tilesDone: number;
  tilesTotal: number;
  elapsedSeconds: number;
  /** Estimated seconds left, null before the first strip is done. */
  etaSeconds: number | null;
}

export interface PredictOptions {
  card: ModelCard;
  runner: TileRunner;
  /** Working resolution; default the card's. */
  resolution?: Resolution;
  /** Area to process, on the grid of `resolution`; default the whole product. */
  window?: PixelWindow;
  /** Overrides of the card's tiling (tests, memory settings). */
  tileSize?: number;
  margin?: number;
  /** Tiles per network run. Default 1 (CPU gains nothing from batching; GPUs do). */
  batch?: number;
  decoder?: Jp2Decoder;
  signal?: AbortSignal;
  onProgress?: (p: PredictProgress) => void;
  /**
   * How 10 m bands reach a coarser working resolution (see ReflectanceRequest.coarsening).
   * Default 'average' (exact block means). 'jp2-level' reads ~2.7x faster but, on the real
   * labelled cases at 20 m, cost the DL-L8S2-UV CNN 0.10-0.23 of cloud F1 (its 99.7 % agreement
   * on the generated product did not carry over to real texture): opt-in only.
   */
  coarsening?: 'average' | 'jp2-level';
  /** Refuse to start when the estimated peak memory is above this. Default 80 % of the machine's memory. */
  maxMemoryBytes?: number;
  /**
   * What happens to each strip once the network has classified it, in order: steps may read
   * the bands they declare and change the classes; sinks (pipeline/sinks.ts) keep or write them.
   */
  steps?: readonly StripStep[];
  /**
   * Strips decoded ahead of the one the network works on; each waits as stored numbers and is
   * converted to bands when the network takes it. Default 2 at 10 m, 1 at coarser resolutions.
   */
  readAhead?: number;
}

/**
 * Strips decoded ahead by default. At 10 m the decoders finished the next strip while the network
 * was still on this one and then sat idle (about 1.6 cores busy in those spells). A second strip
 * ahead fills them; it waits as stored numbers (2 bytes a pixel, about 55 MB on the full tile,
 * against 170 MB as floats). Full tile, two runs each, interleaved: 128.5 and 125.8 s against
 * 132.1 and 130.4 s with one, peak RSS 1.91-1.93 GiB against 1.81-2.09. At 20 m the run waits for
 * the decoders anyway, and a 10 m band's stored numbers take 8 bytes per 20 m pixel: one.
 */
const defaultReadAhead = (resolution: Resolution): number => (resolution === 10 ? 2 : 1);

export interface PredictResult {
  grid: Grid;
  resolution: Resolution;
  tiles: number;
  /** Pixels per class value 0..4 (0 = no data). */
  classCounts: number[];
  timings: {
    readSeconds: number;
    inferSeconds: number;
    /** Time in the steps named 'write' (COG rows, their end). */
    writeSeconds: number;
    totalSeconds: number;
    /** Seconds in the steps, by their `stage` name (unnamed ones under 'other'). */
    steps: Record<string, number>;
  };
  /** Strips read, and how many times each band file was decoded (once per strip when shared). */
  reads: { strips: number; decodes: Record<string, number> };
}

const now = (): number => performance.now() / 1000;

export async function predictProduct(product: Product, opts: PredictOptions): Promise<PredictResult> {
  const { card, runner, signal } = opts;
  const t0 = now();
  const bands = checkProduct(product, card);
  const resolution = opts.resolution ?? (card.input.resolution as Resolution);
  if (![10, 20, 60].includes(resolution)) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `Resolution ${resolution} m is not a Sentinel-2 grid (10, 20 or 60 m).`,
    );
  }
  // Planning: the window, its tiles, the steps and what they read, the memory it all takes.
  const tileGrid = productGrid(product, resolution);
  const win = opts.window ?? fullWindow(tileGrid);
  const { width: W, height: H } = win;
  const plan = planTiles(
    W,
    H,
    opts.tileSize ?? card.tiling.size,
    opts.margin ?? card.tiling.margin,
    card.tiling.multiple,
  );
  const K = runner.channels;
  const concurrency = Math.max(1, runner.concurrency ?? 1);
  const counter = new ClassCounter();
  const steps: StripStep[] = [...(opts.steps ?? []), counter];
  const network: StripNeed[] = bands.map((band) => ({ band, resolution }));
  const needs = unionOfNeeds(steps, network);
  const ahead = Math.max(1, opts.readAhead ?? defaultReadAhead(resolution));
  checkMemory(product, opts, plan, steps, needs.length, K, ahead, resolution, concurrency);
  const grid = windowGrid(tileGrid, win);
  const ctx: StripContext = { product, resolution, window: win, grid, channels: K, signal };

  let readSeconds = 0;
  const stepSeconds: Record<string, number> = {};
  const net: NetworkPass = {
    card,
    runner,
    resolution,
    bands,
    plan,
    width: W,
    height: H,
    batch: Math.max(1, opts.batch ?? 1),
    classify: classifier(card.output),
    scaling: {
      mean: card.input.scaling.mean,
      std: card.input.scaling.std,
      zeroPad: card.tiling.padding === 'zero',
    },
    signal,
    tilesDone: 0,
    inferSeconds: 0,
    running: 0,
    runningSince: 0,
    onTiles: (done) => {
      const elapsed = now() - t0;
      opts.onProgress?.({
        tilesDone: done,
        tilesTotal: plan.count,
        elapsedSeconds: elapsed,
        etaSeconds: done > 0 ? (elapsed / done) * (plan.count - done) : null,
      });
    },
  };
  const reader = new StripReader(product, resolution, win, needs, {
    decoder: opts.decoder,
    coarsening: opts.coarsening ?? 'average',
  });
  // Every row a strip's tiles need (mirrored rows included), full window width. The next strips
  // are decoded while the network and the steps work on this one: decoding runs in the worker
  // pool, so the main thread's own work does not leave the decoders idle.
  const readStrip = (rowSpan: TileSpan): Promise<DecodedStrip> => {
    const { lo, hi } = spanSourceRange(rowSpan, H);
    const read = reader.decode({ lo, hi, core0: rowSpan.core0, core1: rowSpan.core1 }, signal);
    read.catch(() => undefined); // awaited below; a strip never awaited (after an error) must not crash the process
    return read;
  };
  const timed = async (step: StripStep, run: () => void | Promise<void>): Promise<void> => {
    const t = now();
    await run();
    const name = step.stage ?? 'other';
    stepSeconds[name] = (stepSeconds[name] ?? 0) + now() - t;
  };
  // The last step that reads bands: once it has taken them, the strip's bands can go.
  const lastReader = steps.reduce((last, s, i) => (s.needs?.length ? i : last), -1);
  // One strip's steps, in order. A step may return before its work is done (a worker's): the
  // loop then goes on with the next strip's network pass, and awaits these steps before that
  // strip's own, so strips still reach the steps, and the sinks, in order.
  const runSteps = async (strip: Strip, release: () => void): Promise<void> => {
    if (lastReader < 0) release();
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      const t = now();
      const done = step.strip(strip);
      if (i === lastReader) release();
      await done;
      if (step.ownSeconds) continue; // counts its own time (work done off the main thread)
      const name = step.stage ?? 'other';
      stepSeconds[name] = (stepSeconds[name] ?? 0) + now() - t;
    }
  };
  const pending: Promise<DecodedStrip>[] = [];
  let queued = 0; // strips whose read has started
  let inFlight: Promise<void> = Promise.resolve(); // the previous strip's steps
  try {
    for (const step of steps) if (step.start) await timed(step, () => step.start!(ctx));
    const fill = (): void => {
      while (queued < plan.rows.length && pending.length < ahead)
        pending.push(readStrip(plan.rows[queued++]!));
      // With the network on the main thread, the next strip is converted as soon as it is
      // decoded: that runs while the main thread waits (for the rules' worker, between tiles),
      // not in front of the strip's network pass. Those after it wait as stored numbers. With the
      // network in workers (pool.ts) the main thread is free anyway, and a strip converted early
      // would be one more strip of floats (about 130 MB at 10 m) beside the second arena.
      // A failure here is thrown again when the strip is taken, and reported there.
      if (concurrency === 1) pending[0]?.then((d) => d.convert()).catch(() => undefined);
    };
    fill();
    for (let r = 0; r < plan.rows.length; r++) {
      const rowSpan = plan.rows[r]!;
      throwIfAborted(signal);
      // readSeconds: how long the network waited for its input, its conversion included (reads
      // overlapped with work are free).
      const t1 = now();
      const decoded = await pending.shift()!;
      fill();
      const read = decoded.convert();
      readSeconds += now() - t1;

      const { classes, probabilities } = await classifyStrip(net, read, rowSpan);
      const stripH = rowSpan.core1 - rowSpan.core0;
      const view = stripView(read, rowSpan.core0, stripH, W, resolution, classes, probabilities);
      await inFlight;
      inFlight = runSteps(view.strip, view.release);
      inFlight.catch(() => undefined); // awaited above or below
    }
    await inFlight;
    for (const step of steps) if (step.finish) await timed(step, () => step.finish!());
    for (const step of steps) {
      for (const [name, s] of Object.entries(step.ownSeconds ?? {}))
        stepSeconds[name] = (stepSeconds[name] ?? 0) + s;
    }
  } catch (err) {
    await Promise.allSettled([inFlight]);
    await Promise.allSettled(pending); // let reads in flight end before the product closes
    await Promise.allSettled(steps.map(async (s) => s.abort?.()));
    throw err;
  } finally {
    await reader.close();
  }
  return {
    grid,
    resolution,
    tiles: plan.count,
    classCounts: counter.counts,
    timings: {
      readSeconds,
      inferSeconds: net.inferSeconds,
      writeSeconds: stepSeconds.write ?? 0,
      totalSeconds: now() - t0,
      steps: stepSeconds,
    },
    reads: { strips: reader.stats.strips, decodes: Object.fromEntries(reader.stats.decodes) },
  };
}

/** The strip the steps see: its core rows, and the bands read for it. */
function stripView(
  read: StripBands,
  y0: number,
  rows: number,
  width: number,
  resolution: Resolution,
  classes: Uint8Array,
  probabilities: Float32Array[],
): { strip: Strip; release: () => void } {
  const off = (y0 - read.rows.lo) * width;
  // Released once the last step that reads bands has them, so that a strip whose steps are
  // still at work (in a worker) does not hold its bands while the next strip is read.
  let src: StripBands | null = read;
  const bands = (): StripBands => {
    if (!src) throw new S2Error('INTERNAL', 'A strip step read bands it did not declare.');
    return src;
  };
  return {
    strip: {
      y0,
      rows,
      width,
      classes,
      probabilities,
      band: (band, res) => bands().get(band, res),
      core: (band: ReflectanceBand) =>
        bands()
          .get(band, resolution)
          .data.subarray(off, off + rows * width),
    },
    release: () => (src = null),
  };
}

/** What the network's pass over the strips needs, and its running totals. */
interface NetworkPass {
  card: ModelCard;
  runner: TileRunner;
  resolution: Resolution;
  bands: readonly ReflectanceBand[];
  plan: TilePlan;
  width: number;
  height: number;
  batch: number;
  classify: (v: Float32Array, o: number, stride: number) => number;
  scaling: GatherScaling;
  signal: AbortSignal | undefined;
  tilesDone: number;
  inferSeconds: number;
  /** Runs in flight, and since when at least one has been. */
  running: number;
  runningSince: number;
  onTiles: (tilesDone: number) => void;
}

/** The network over one strip's tiles, in batches: the strip's classes and probabilities (core rows). */
async function classifyStrip(
  net: NetworkPass,
  read: StripBands,
  rowSpan: TileSpan,
): Promise<{ classes: Uint8Array; probabilities: Float32Array[] }> {
  const { plan, width: W, height: H, runner, card } = net;
  const C = net.bands.length;
  const K = runner.channels;
  const input = net.bands.map((b) => read.get(b, net.resolution).data);
  const stripH = rowSpan.core1 - rowSpan.core0;
  const classes = new Uint8Array(W * stripH);
  const probabilities = Array.from({ length: K }, () => new Float32Array(W * stripH).fill(NaN));
  // Several runs in flight when the runner has several sessions (pool.ts); the tiles' cores do
  // not overlap, so their outputs land in any order.
  const inFlight = new Set<Promise<void>>();
  const limit = Math.max(1, runner.concurrency ?? 1);
  for (let b = 0; b < plan.cols.length; b += net.batch) {
    const cols = plan.cols.slice(b, b + net.batch);
    // Tiles of one run must share a shape: the last column may be narrower, so group by width.
    for (const group of groupByLength(cols)) {
      const h = rowSpan.inLength;
      const w = group[0]!.inLength;
      const tensor = new Float32Array(group.length * C * h * w);
      const noData = new Uint8Array(group.length * h * w);
      group.forEach((colSpan, n) =>
        gather(input, W, read.rows.lo, rowSpan, colSpan, H, tensor, noData, n, h, w, net.scaling),
      );
      // inferSeconds: the time at least one run was in flight (runs in parallel count once).
      if (net.running++ === 0) net.runningSince = now();
      const job = runner.run(tensor, [group.length, C, h, w], net.signal).finally(() => {
        if (--net.running === 0) net.inferSeconds += now() - net.runningSince;
      });
      const stitched = job.then((output) => {
        group.forEach((colSpan, n) =>
          scatter(
            output,
            noData,
            n,
            K,
            h,
            w,
            rowSpan,
            colSpan,
            plan.margin,
            W,
            classes,
            probabilities,
            net.classify,
            card,
          ),
        );
        net.tilesDone += group.length;
        net.onTiles(net.tilesDone);
      });
      inFlight.add(stitched);
      void stitched.then(
        () => inFlight.delete(stitched),
        () => undefined,
      );
      if (inFlight.size >= limit) await Promise.race(inFlight);
    }
  }
  await Promise.all(inFlight);
  return { classes, probabilities };
}

/** Refuses, in words, a run whose estimated peak memory is above the limit. */
function checkMemory(
  product: Product,
  opts: PredictOptions,
  plan: TilePlan,
  steps: readonly StripStep[],
  bandsRead: number,
  K: number,
  ahead: number,
  resolution: Resolution,
  concurrency: number,
): void {
  const W = plan.cols.at(-1)?.core1 ?? 0;
  const H = plan.rows.at(-1)?.core1 ?? 0;
  const kept = steps.reduce(
    (sum, s) =>
      sum +
      (s.memoryBytes?.({ width: W, height: H, channels: K, stripRows: plan.rows[0]?.inLength ?? H }) ?? 0),
    0,
  );
  const estimate = estimateMemory(plan, W, bandsRead, K, opts.batch, kept, ahead, resolution, concurrency);
  const limit = opts.maxMemoryBytes ?? 0.8 * usableMemoryBytes(); // the cgroup's cap, if any
  if (estimate > limit) {
    const gb = (b: number): string => (b / 2 ** 30).toFixed(1);
    const resolution = opts.resolution ?? opts.card.input.resolution;
    throw new S2Error(
      'INVALID_ARGUMENT',
      `Masking ${product.metadata.productName} at ${resolution} m with ${opts.tileSize ?? opts.card.tiling.size} px tiles needs about ${gb(estimate)} GB, above the ${gb(limit)} GB allowed: use smaller tiles, a coarser resolution or a higher memory limit.`,
      { details: { estimateBytes: estimate, limitBytes: limit } },
    );
  }
}

/**
 * Rough peak memory: three strips of float32 bands (the one in the steps, the one at work and
 * the next, converted), the stored numbers of `ahead` strips (those waiting, and the next one's
 * while it is converted; 2 bytes a 10 m pixel: 2 per pixel at 10 m, 8 at 20 m), the strip's
 * outputs, one batch of tiles in and out, and the network's activations
 * (measured for DL-L8S2-UV: ONNX Runtime's arena holds about 1.1 GB for a 1024 px tile, scaled
 * by area), once per session at work (pool.ts), plus what the steps keep.
 */
function estimateMemory(
  plan: TilePlan,
  W: number,
  bandsRead: number,
  K: number,
  batchSize: number | undefined,
  kept: number,
  ahead: number,
  resolution: Resolution,
  concurrency: number,
): number {
  const stripRows = (plan.rows[0]?.inLength ?? 0) + plan.multiple;
  const stored = 2 * (resolution / 10) ** 2; // bytes of 10 m samples per working pixel
  const strip = bandsRead * W * stripRows * (3 * 4 + ahead * stored);
  const outputs = W * stripRows * (1 + 4 * K) * 2;
  const tile = (plan.rows[0]?.inLength ?? 0) * (plan.cols[0]?.inLength ?? 0);
  const batch = Math.max(1, batchSize ?? 1);
  const network = concurrency * batch * tile * (4 * (bandsRead + K) + (1.1 * 2 ** 30) / (1024 * 1024));
  return strip + outputs + network + kept + 300 * 2 ** 20; // + runtime and decoder baseline
}

/** The model must accept the product's level and find every band it needs; returns those bands. */
function checkProduct(product: Product, card: ModelCard): ReflectanceBand[] {
  const level = product.metadata.level;
  if (!card.input.levels.includes(level)) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${card.name} accepts ${card.input.levels.join('/')} products; ${product.metadata.productName} is ${level}.`,
    );
  }
  const present = new Set(product.bands.map((b) => b.name));
  const missing = card.input.bands.filter((b) => !present.has(b));
  if (missing.length > 0) {
    throw new S2Error(
      'MISSING_FILE',
      `${card.name} needs band${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which ${product.metadata.productName} does not have${level === 'L2A' && missing.includes('B10') ? ' (L2A products have no B10)' : ''}.`,
      { details: { missing } },
    );
  }
  return card.input.bands;
}

function groupByLength(spans: TileSpan[]): TileSpan[][] {
  const groups = new Map<number, TileSpan[]>();
  for (const s of spans) groups.set(s.inLength, [...(groups.get(s.inLength) ?? []), s]);
  return [...groups.values()];
}

/** The card's per-band standardisation, and zero padding instead of mirroring at the window edge. */
interface GatherScaling {
  mean: number[] | undefined;
  std: number[] | undefined;
  zeroPad: boolean;
}

/** Copies one tile's input (mirrored or zero-padded at the window edges) into the batch tensor. */
function gather(
  bands: Float32Array[],
  W: number,
  stripY0: number,
  rowSpan: TileSpan,
  colSpan: TileSpan,
  H: number,
  input: Float32Array,
  noData: Uint8Array,
  n: number,
  h: number,
  w: number,
  s: GatherScaling,
): void {
  const C = bands.length;
  const colIndex = new Int32Array(w);
  for (let x = 0; x < w; x++) {
    const gx = colSpan.in0 + x;
    colIndex[x] = s.zeroPad && (gx < 0 || gx >= W) ? -1 : reflectIndex(gx, W);
  }
  // A tile whose columns all lie inside the window reads each row straight (most tiles).
  const inside = colSpan.in0 >= 0 && colSpan.in0 + w <= W;
  for (let y = 0; y < h; y++) {
    const gy = rowSpan.in0 + y;
    const outside = s.zeroPad && (gy < 0 || gy >= H);
    const srow = (reflectIndex(gy, H) - stripY0) * W;
    for (let c = 0; c < C; c++) {
      const band = bands[c]!;
      const m = s.mean?.[c] ?? 0;
      const sd = s.std?.[c] ?? 1;
      const base = ((n * C + c) * h + y) * w;
      if (inside && !outside) {
        const s0 = srow + colSpan.in0;
        const nd = (n * h + y) * w;
        for (let x = 0; x < w; x++) {
          const v = band[s0 + x] as number;
          if (v !== v) {
            input[base + x] = 0;
            noData[nd + x] = 1;
          } else {
            input[base + x] = (v - m) / sd;
          }
        }
        continue;
      }
      for (let x = 0; x < w; x++) {
        const sx = colIndex[x]!;
        const v = outside || sx < 0 ? 0 : (band[srow + sx] as number);
        if (Number.isNaN(v)) {
          input[base + x] = 0;
          noData[(n * h + y) * w + x] = 1;
        } else {
          input[base + x] = (v - m) / sd;
        }
      }
    }
  }
}

/** Keeps the core of one tile's output: classes (0 where any band had no data) and probabilities. */
function scatter(
  output: Float32Array,
  noData: Uint8Array,
  n: number,
  K: number,
  h: number,
  w: number,
  rowSpan: TileSpan,
  colSpan: TileSpan,
  margin: number,
  W: number,
  classes: Uint8Array,
  probs: Float32Array[],
  classify: (v: Float32Array, o: number, stride: number) => number,
  card: ModelCard,
): void {
  const plane = h * w;
  const logits = card.output.kind === 'logits';
  for (let y = rowSpan.core0; y < rowSpan.core1; y++) {
    const ty = y - rowSpan.core0 + margin;
    for (let x = colSpan.core0; x < colSpan.core1; x++) {
      const tx = x - colSpan.core0 + margin;
      const o = n * K * plane + ty * w + tx;
      const dst = (y - rowSpan.core0) * W + x;
      if (noData[(n * h + ty) * w + tx]) {
        classes[dst] = 0;
        continue;
      }
      if (logits) softmaxInPlace(output, o, plane, K);
      classes[dst] = classify(output, o, plane);
      for (let k = 0; k < K; k++) probs[k]![dst] = output[o + k * plane] as number;
    }
  }
}
