/**
 * The band files of one open scene as resolution pyramids, opened on first use and kept until the
 * scene closes; the reflectance scaling of each band, the default stretch and the DN -> byte
 * lookup tables image tiles are coloured with.
 */
import { S2Error } from '../errors.js';
import type { RasterDecoder } from '../raster/band-decoder.js';
import type { SampleArray } from '../raster/jp2/index.js';
import { bandScaling, checkSize } from '../scene/band-reader.js';
import { pickBandFile, productGrid, type ReflectanceBand } from '../scene/reflectance.js';
import { SPECTRAL_BANDS, type Product, type Resolution } from '../scene/types.js';
import { Jp2Pyramid } from './jp2-pyramid.js';
import type { ByteLru } from './lru.js';
import { dnLut, dnPercentiles } from './style.js';

/** Bands the map can show: the spectral bands, plus AOT and WVP on L2A. */
export const REFLECTANCE_BANDS: readonly ReflectanceBand[] = [...SPECTRAL_BANDS, 'AOT', 'WVP'];

export interface BandState {
  name: ReflectanceBand;
  resolution: Resolution;
  offset: number;
  quantification: number;
  noData: number;
  pyramid: Jp2Pyramid;
}

/** What a band source shares with every other scene's. */
export interface BandSourceDeps {
  /** JPEG 2000 or GeoTIFF, per file (band-decoder.ts). */
  decoder: RasterDecoder;
  /** Decoded source blocks of every band of every scene. */
  blocks: ByteLru<SampleArray>;
  /** Levels at most this many pixels on a side are decoded whole and kept. */
  overviewMax: number;
}

export class BandSource {
  private readonly bands = new Map<ReflectanceBand, Promise<BandState>>();
  private readonly opened = new Set<Jp2Pyramid>();
  private readonly luts = new Map<string, Uint8Array>();

  constructor(
    /** Prefix of this scene's blocks in the shared cache. */
    private readonly key: string,
    private readonly product: Product,
    private readonly deps: BandSourceDeps,
  ) {}

  /** The band's pyramid and scaling; the file is opened once, concurrent callers share it. */
  band(name: ReflectanceBand): Promise<BandState> {
    let p = this.bands.get(name);
    if (!p) {
      p = this.openBand(name);
      // A failed open is tried again by the next tile (the file may have been a transient error).
      p.catch(() => this.bands.delete(name));
      this.bands.set(name, p);
    }
    return p;
  }

  /**
   * Per band, the 2nd and 98th percentiles of the valid reflectances (DN 0 left out), taken on a
   * reduced JPEG2000 level of at most 1024 px a side (the wavelet's low-pass image, decoded whole
   * once and kept for the low-zoom tiles too).
   */
  async stretch(
    bands: readonly [string, string, string],
  ): Promise<{ min: [number, number, number]; max: [number, number, number] }> {
    const results = await Promise.all(
      bands.map(async (name) => {
        const b = await this.band(name as ReflectanceBand);
        const data = await b.pyramid.overview(b.pyramid.statsLevel);
        const p = dnPercentiles(data, b.noData);
        if (!p) return [0, 0.3] as const;
        const lo = (p[0] + b.offset) / b.quantification;
        let hi = (p[1] + b.offset) / b.quantification;
        if (!(hi > lo)) hi = lo + 1 / b.quantification;
        return [lo, hi] as const;
      }),
    );
    const pick = (k: 0 | 1): [number, number, number] => [results[0]![k], results[1]![k], results[2]![k]];
    return { min: pick(0), max: pick(1) };
  }

  /** DN -> byte for one band of a style (a few kept: a style change builds three). */
  lut(b: BandState, min: number, max: number, gamma: number): Uint8Array {
    const key = `${b.offset}|${b.quantification}|${min}|${max}|${gamma}`;
    let lut = this.luts.get(key);
    if (!lut) {
      lut = dnLut(b.offset, b.quantification, min, max, gamma);
      if (this.luts.size >= 64) this.luts.delete(this.luts.keys().next().value as string);
      this.luts.set(key, lut);
    }
    return lut;
  }

  /** Bytes held by the whole levels kept by this scene's bands. */
  get pinnedBytes(): number {
    let n = 0;
    for (const p of this.opened) n += p.pinnedBytes;
    return n;
  }

  /** Closes every band file (decodes in flight are cancelled) and drops their blocks. */
  async close(): Promise<void> {
    const bands = await Promise.allSettled(this.bands.values());
    this.bands.clear();
    this.luts.clear();
    for (const b of bands) {
      if (b.status !== 'fulfilled') continue;
      this.opened.delete(b.value.pyramid);
      await b.value.pyramid.close();
    }
  }

  private async openBand(name: ReflectanceBand): Promise<BandState> {
    const entry = pickBandFile(this.product, name, 10);
    const src = await this.product.open(entry.path);
    let pyramid: Jp2Pyramid;
    try {
      pyramid = await Jp2Pyramid.open(
        `${this.key}:${name}`,
        src,
        this.deps.decoder,
        this.deps.blocks,
        this.deps.overviewMax,
      );
    } catch (err) {
      await src.close();
      throw err;
    }
    try {
      checkSize(src.name, pyramid.info, productGrid(this.product, entry.resolution));
    } catch (err) {
      await pyramid.close();
      throw err;
    }
    this.opened.add(pyramid);
    const { offset, quantification, noData } = bandScaling(this.product, name);
    return {
      name,
      resolution: entry.resolution,
      offset,
      quantification,
      noData,
      pyramid,
    };
  }
}

/** Throws INVALID_ARGUMENT for an unknown band, MISSING_FILE for a band this product lacks. */
export function checkBands(
  bands: readonly string[],
  available: readonly string[],
  productName: string,
): void {
  if (!Array.isArray(bands) || bands.length !== 3) {
    throw new S2Error('INVALID_ARGUMENT', 'Give three bands (red, green, blue).', { details: { bands } });
  }
  const have = new Set<string>(available);
  const missing = bands.filter((b) => !have.has(b));
  if (missing.length > 0) {
    const unknown = missing.filter((b) => !(REFLECTANCE_BANDS as readonly string[]).includes(b));
    throw new S2Error(
      unknown.length > 0 ? 'INVALID_ARGUMENT' : 'MISSING_FILE',
      unknown.length > 0
        ? `Unknown band ${unknown.join(', ')} (bands: ${REFLECTANCE_BANDS.join(' ')}).`
        : `${productName} has no ${missing.join(', ')} band file.`,
      { details: { missing, available: [...have] } },
    );
  }
}
