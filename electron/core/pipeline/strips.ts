/**
 * The strip pipeline. A run goes down the product one strip of tile rows at a time; every step
 * that needs band pixels (the CNN, the fused decision, the semi-transparent rule, the shadow
 * inputs) declares what it needs as {band, resolution}, and the StripReader reads the union once
 * per strip: each band file is opened once per run, and each file's pixels are decoded once per
 * strip however many steps, at however many resolutions, use them. Steps receive the strip
 * (classes, probabilities and bands) in order and may change its classes; sinks (the class
 * counter, COG rows, rasters kept in memory) are steps that need no bands.
 */
import type { Grid, PixelWindow } from '../raster/grid.js';
import type { Jp2Decoder } from '../raster/jp2/index.js';
import type { SampleArray } from '../raster/jp2/types.js';
import { BandReader, BandSources, decodeBandWindow, type ReflectanceBand } from '../scene/band-reader.js';
import type { Product, Resolution } from '../scene/types.js';

export interface StripNeed {
  band: ReflectanceBand;
  resolution: Resolution;
}

/** What every step learns before the first strip. */
export interface StripContext {
  product: Product;
  /** Working resolution, the window on its grid, and the window's grid. */
  resolution: Resolution;
  window: PixelWindow;
  grid: Grid;
  /** Output channels of the network (probability planes per strip). */
  channels: number;
  signal?: AbortSignal;
}

/** A band's pixels for one strip: `data` covers `window` (pixels of the product grid at its resolution). */
export interface StripBand {
  data: Float32Array;
  window: PixelWindow;
}

export interface Strip {
  /** First core row (window coordinates at the working resolution), rows, width. */
  y0: number;
  rows: number;
  width: number;
  /** The strip's classes (rows x width) and probabilities, row-major; steps may change classes. */
  classes: Uint8Array;
  probabilities: Float32Array[];
  /**
   * A band a step declared. At the working resolution it spans the rows the network read (its
   * margins included); at another resolution, the rows covering the strip's core.
   */
  band(band: ReflectanceBand, resolution: Resolution): StripBand;
  /** The working-resolution band cut to the core rows (a view, not a copy). */
  core(band: ReflectanceBand): Float32Array;
}

export interface StripStep {
  readonly needs?: readonly StripNeed[];
  /** Name its time is counted under ('write' for outputs). */
  readonly stage?: string;
  /** Bytes the step keeps beyond one strip (for the memory estimate); `stripRows`: rows of a strip. */
  memoryBytes?(ctx: { width: number; height: number; channels: number; stripRows: number }): number;
  /**
   * Seconds per stage name, for a step that times its own work (work done in a worker, which
   * the wall time of `strip` would overstate); otherwise the pipeline times `strip`.
   */
  readonly ownSeconds?: Readonly<Record<string, number>>;
  start?(ctx: StripContext): void | Promise<void>;
  strip(strip: Strip): void | Promise<void>;
  /** After the last strip (write the file's end, ...). */
  finish?(): void | Promise<void>;
  /** The run failed or was cancelled: leave nothing behind. */
  abort?(): void | Promise<void>;
}

/** Rows of one strip: all the rows read at the working resolution, and the core rows kept. */
export interface StripRows {
  /** Rows read, [lo, hi], inclusive, window coordinates. */
  lo: number;
  hi: number;
  /** Core rows, [core0, core1), window coordinates. */
  core0: number;
  core1: number;
}

export interface StripBands {
  rows: StripRows;
  get(band: ReflectanceBand, resolution: Resolution): StripBand;
}

/** A strip decoded but not yet converted (see StripReader.decode). */
export interface DecodedStrip {
  rows: StripRows;
  /** The strip's bands, converted on the first call; the decoded samples are dropped then. */
  convert(): StripBands;
}

/** How many times each file was decoded, and how many strips (for the closing counts). */
export interface StripReadStats {
  strips: number;
  decodes: Map<string, number>;
}

/**
 * Reads the declared bands strip by strip. One BandReader per {band, resolution}; needs that
 * share a file (and JPEG 2000 level) are served from one decode of the union of their windows.
 */
export class StripReader {
  readonly sources: BandSources;
  readonly stats: StripReadStats = { strips: 0, decodes: new Map() };
  private readonly groups: Array<{
    path: string;
    level: number;
    readers: Array<{ key: string; reader: BandReader }>;
  }> = [];

  constructor(
    private readonly product: Product,
    private readonly resolution: Resolution,
    private readonly window: PixelWindow,
    needs: readonly StripNeed[],
    private readonly io: { decoder?: Jp2Decoder; coarsening?: 'average' | 'jp2-level' } = {},
  ) {
    this.sources = new BandSources(product);
    const seen = new Set<string>();
    for (const need of needs) {
      const key = needKey(need.band, need.resolution);
      if (seen.has(key)) continue;
      seen.add(key);
      const reader = new BandReader(product, need.band, need.resolution, { coarsening: io.coarsening });
      let group = this.groups.find((g) => g.path === reader.entry.path && g.level === reader.level);
      if (!group) {
        group = { path: reader.entry.path, level: reader.level, readers: [] };
        this.groups.push(group);
      }
      group.readers.push({ key, reader });
    }
  }

  /** The bands of one strip; resolves when every file's pixels are decoded and converted. */
  async read(rows: StripRows, signal?: AbortSignal): Promise<StripBands> {
    return (await this.decode(rows, signal)).convert();
  }

  /**
   * One strip's decoded samples, each file's once, converted to bands only on `convert`: a
   * strip read ahead waits as stored numbers, which at 10 m take half the memory of its float
   * bands (2 bytes a pixel or less against 4).
   */
  async decode(rows: StripRows, signal?: AbortSignal): Promise<DecodedStrip> {
    const decoded = await Promise.all(
      this.groups.map(async (group) => {
        const wanted = group.readers.map(({ key, reader }) => {
          const window = this.bandWindow(reader.resolution, rows);
          return { key, reader, window, source: reader.sourceWindow(window) };
        });
        const union = unionOf(wanted.map((w) => w.source));
        const first = wanted[0]!.reader;
        const dn: SampleArray = await decodeBandWindow(
          this.product,
          group.path,
          first.fileGrid,
          union,
          group.level,
          {
            decoder: this.io.decoder,
            sources: this.sources,
            signal,
            downward: true, // strips go down the window
          },
        );
        this.stats.decodes.set(group.path, (this.stats.decodes.get(group.path) ?? 0) + 1);
        return { wanted, union, dn };
      }),
    );
    this.stats.strips++;
    let bands: StripBands | null = null;
    return {
      rows,
      convert: (): StripBands => {
        if (bands) return bands;
        const out = new Map<string, StripBand>();
        for (const { wanted, union, dn } of decoded)
          for (const w of wanted)
            out.set(w.key, { data: w.reader.fromDn(dn, union, w.window), window: w.window });
        decoded.length = 0; // converted: the stored numbers go (kept after a failure, which recurs)
        bands = {
          rows,
          get: (band, resolution): StripBand => {
            const got = out.get(needKey(band, resolution));
            if (!got)
              throw new Error(`strip pipeline: ${band} at ${resolution} m was not declared by any step`);
            return got;
          },
        };
        return bands;
      },
    };
  }

  /**
   * The product-grid window a band is read on for a strip: at the working resolution the rows
   * read (margins included); at another one, the rows covering the core, whole pixels.
   */
  bandWindow(resolution: Resolution, rows: StripRows): PixelWindow {
    const win = this.window;
    if (resolution === this.resolution) {
      return { x: win.x, y: win.y + rows.lo, width: win.width, height: rows.hi - rows.lo + 1 };
    }
    const k = this.resolution / resolution; // > 1: finer; < 1: coarser
    const x0 = Math.floor(win.x * k);
    const x1 = Math.ceil((win.x + win.width) * k);
    const y0 = Math.floor((win.y + rows.core0) * k);
    const y1 = Math.ceil((win.y + rows.core1) * k);
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  }

  close(): Promise<void> {
    return this.sources.close();
  }
}

const needKey = (band: string, resolution: number): string => `${band}@${resolution}`;

function unionOf(ws: PixelWindow[]): PixelWindow {
  const x0 = Math.min(...ws.map((w) => w.x));
  const y0 = Math.min(...ws.map((w) => w.y));
  const x1 = Math.max(...ws.map((w) => w.x + w.width));
  const y1 = Math.max(...ws.map((w) => w.y + w.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Every {band, resolution} the steps declare, each once, in the order first declared. */
export function unionOfNeeds(steps: readonly StripStep[], first: readonly StripNeed[] = []): StripNeed[] {
  const seen = new Set<string>();
  const out: StripNeed[] = [];
  for (const n of [...first, ...steps.flatMap((s) => s.needs ?? [])]) {
    const key = needKey(n.band, n.resolution);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(n);
    }
  }
  return out;
}
