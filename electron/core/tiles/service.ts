/**
 * Map tiles and the pixel inspector for the GUI: XYZ Web Mercator tiles (256 x 256 PNG) of a
 * product's bands, of cloud masks and of the difference of two masks, and every value under one
 * point. Plain Node; the Electron tile protocol and the web host call it.
 *
 * Image tiles are reprojected from the scene's UTM grid by inverse mapping (warp.ts: control grid
 * + bilinear, nearest sampling, as `gdalwarp -r near`) and read from the JPEG2000 resolution level
 * just finer than the tile's pixels (jp2-pyramid.ts). Two byte-bounded LRU caches share
 * `cacheBytes`: decoded source blocks (3/4) and rendered PNGs (1/4).
 */
import { basename } from 'node:path';
import { fromFile } from 'geotiff';
import { S2Error, throwIfAborted } from '../errors.js';
import { loadMask, type AdapterId } from '../masks/adapters/index.js';
import { transformer } from '../masks/adapters/crs.js';
import { guessScale } from '../masks/adapters/s2cloudless.js';
import { binaryClass, type ShadowMode } from '../metrics/binary.js';
import { readRasterBand } from '../masks/raster-io.js';
import { CLASS_NAMES, type MaskClassValue, type SchemaMask } from '../masks/schema.js';
import type { Grid } from '../raster/grid.js';
import { bandDecoder } from '../raster/band-decoder.js';
import { getSharedDecoder, type Jp2Decoder, type SampleArray } from '../raster/jp2/index.js';
import { encodePng } from '../render/png.js';
import { openProduct } from '../scene/index.js';
import { pickBandFile, productGrid, readClassRaster, type ReflectanceBand } from '../scene/reflectance.js';
import { SPECTRAL_BANDS, type Product, type Resolution } from '../scene/types.js';
import { bandTileDn } from './band-tile.js';
import { Jp2Pyramid, OVERVIEW_MAX } from './jp2-pyramid.js';
import { ByteLru } from './lru.js';
import { buildClassPyramid, buildProbabilityPyramid, type PyramidLevel } from './mask-pyramid.js';
import { checkTile, mercatorPixelSize, tileBoundsLonLat, TILE_SIZE } from './mercator.js';
import {
  DEFAULT_VISIBLE_CLASSES,
  DIFFERENCE_LEGEND,
  MAP_CLASS_COLOURS,
  PROBABILITY_RAMP,
  type Rgb,
} from './palette.js';
import { dnLut, dnPercentiles, PRESETS, styleKey, type ImageStyle, type PresetId } from './style.js';
import type {
  DifferenceStyle,
  InspectBand,
  InspectMask,
  InspectResult,
  LonLatPolygon,
  MaskLayerInfo,
  MaskSource,
  MaskStyle,
  ProductMaskId,
  SceneInfo,
  TileRequestOptions,
} from './types.js';
import { chooseLevel, invertTransform, levelScale, levelWindow, mapTile, type TileMapping } from './warp.js';

export interface TileServiceOptions {
  /** Bytes of decoded source blocks and rendered PNGs kept (default 512 MiB; 3/4 blocks, 1/4 PNGs). */
  cacheBytes?: number;
  /** JP2 decoder (default: the process-wide shared one). */
  decoder?: Jp2Decoder;
  /** Control-point spacing of the reprojection, in output pixels (default 16; 1 = proj4 per pixel). */
  controlStep?: number;
  /** Levels at most this many pixels on a side are decoded whole and kept (default OVERVIEW_MAX, 2048). */
  overviewMax?: number;
}

interface BandState {
  name: ReflectanceBand;
  resolution: Resolution;
  offset: number;
  quantification: number;
  noData: number;
  pyramid: Jp2Pyramid;
}

interface SceneState {
  id: string;
  product: Product;
  info: SceneInfo;
  grid10: Grid;
  bands: Map<ReflectanceBand, Promise<BandState>>;
  layers: Set<string>;
}

interface LayerState {
  id: string;
  sceneId: string;
  info: MaskLayerInfo;
  grid: Grid;
  classes?: PyramidLevel<Uint8Array>[];
  probability?: PyramidLevel<Float32Array>[];
  /** The stored source value at a level-0 pixel (null when it cannot be read). */
  raw: (col: number, row: number) => Promise<number | null>;
}

/** Marks a tile known to be empty in the PNG cache. */
const EMPTY = Buffer.alloc(0);
const N = TILE_SIZE * TILE_SIZE;

const cancelled = (): S2Error => new S2Error('CANCELLED', 'The tile was cancelled.');

export class TileService {
  private readonly decoder: Jp2Decoder;
  private readonly blocks: ByteLru<SampleArray>;
  private readonly pngs: ByteLru<Buffer>;
  private readonly luts = new Map<string, Uint8Array>();
  private readonly scenes = new Map<string, SceneState>();
  private readonly layers = new Map<string, LayerState>();
  private readonly step: number;
  private readonly overviewMax: number;
  private nextScene = 1;
  private nextLayer = 1;
  private readonly failureListeners = new Set<(f: { layer: string; message: string }) => void>();
  /** 'layer|reason' already reported: a broken band file fails every tile the same way. */
  private readonly failuresSeen = new Set<string>();

  constructor(opts: TileServiceOptions = {}) {
    const bytes = opts.cacheBytes ?? 512 * 2 ** 20;
    this.decoder = opts.decoder ?? getSharedDecoder();
    this.blocks = new ByteLru<SampleArray>(Math.floor(bytes * 0.75), (v) => v.byteLength);
    this.pngs = new ByteLru<Buffer>(Math.floor(bytes * 0.25), (v) => v.length + 64);
    this.step = opts.controlStep ?? 16;
    this.overviewMax = opts.overviewMax ?? OVERVIEW_MAX;
  }

  // ---------------------------------------------------------------- scenes

  async openScene(path: string, granule?: string): Promise<SceneInfo> {
    const product = await openProduct(path, granule === undefined ? {} : { granule });
    try {
      const id = `scene-${this.nextScene++}`;
      const meta = product.metadata;
      const grid10 = productGrid(product, 10);
      const bounds = gridBounds(grid10);
      const centreLat = (bounds[1] + bounds[3]) / 2;
      const cos = Math.cos((centreLat * Math.PI) / 180);
      const nativeZoom = Math.round(Math.log2((mercatorPixelSize(0) * cos) / 10));
      const widthM = grid10.width * 10;
      const z256 = Math.floor(Math.log2((TILE_SIZE * mercatorPixelSize(0) * cos) / widthM));
      const names = new Set(product.bands.map((b) => b.name));
      const bandList: ReflectanceBand[] = [];
      const bandResolutions: SceneInfo['bandResolutions'] = {};
      for (const name of REFLECTANCE_BANDS) {
        if (!names.has(name)) continue;
        bandList.push(name);
        bandResolutions[name] = pickBandFile(product, name, 10).resolution;
      }
      const kinds = new Set(product.masks.map((m) => m.kind));
      const productMasks: ProductMaskId[] = [];
      if (names.has('SCL')) productMasks.push('scl');
      if (kinds.has('MSK_CLASSI')) productMasks.push('msk-classi');
      if (kinds.has('MSK_CLDPRB')) productMasks.push('msk-cldprb');
      if (kinds.has('MAJA_CLM')) productMasks.push('maja');
      if (kinds.has('MAJA_MG2')) productMasks.push('maja-mg2');
      const info: SceneInfo = {
        sceneId: id,
        path,
        productName: meta.productName,
        level: meta.level,
        quantity: meta.level === 'L2A' ? 'BOA' : 'TOA',
        tileId: meta.tileId,
        sensingTime: meta.sensingTime,
        processingBaseline: meta.processingBaseline,
        epsg: grid10.epsg,
        crsName: meta.crsName,
        bounds,
        footprint: footprintPolygon(meta.footprint, bounds),
        bands: bandList,
        bandResolutions,
        stretches: {},
        minZoom: Math.max(0, z256 - 1),
        maxZoom: nativeZoom + 2,
        nativeZoom,
        productMasks,
        warnings: [...product.warnings],
      };
      const scene: SceneState = { id, product, info, grid10, bands: new Map(), layers: new Set() };
      this.scenes.set(id, scene);
      const presetIds = Object.keys(PRESETS) as PresetId[];
      const stretches = await Promise.all(
        presetIds.map(async (p) => {
          const bands = PRESETS[p].bands;
          if (!bands.every((b) => names.has(b))) {
            info.warnings.push(
              `The ${PRESETS[p].label} preset needs ${bands.join(', ')}: a band file is missing.`,
            );
            return null;
          }
          // A broken band file (cut, or not this product's) leaves the scene open without the preset.
          return this.stretch(id, bands).catch((err: unknown) => {
            if (!(err instanceof S2Error) || err.code === 'CANCELLED') throw err;
            info.warnings.push(`${PRESETS[p].label} is not available: ${err.message}`);
            return null;
          });
        }),
      );
      presetIds.forEach((p, i) => {
        const s = stretches[i];
        if (s) {
          info.stretches[p] = { bands: [...PRESETS[p].bands], min: s.min, max: s.max, gamma: 1 };
        }
      });
      return structuredClone(info);
    } catch (err) {
      for (const [id, s] of this.scenes) if (s.product === product) await this.closeScene(id);
      if (![...this.scenes.values()].some((s) => s.product === product))
        await product.close().catch(() => {});
      throw err;
    }
  }

  /** The info of an open scene. */
  sceneInfo(sceneId: string): SceneInfo {
    return structuredClone(this.scene(sceneId).info);
  }

  /** What the open product's XML says (metadata, band and mask catalogue, warnings): no second open. */
  sceneProduct(sceneId: string): Pick<Product, 'metadata' | 'bands' | 'masks' | 'warnings'> {
    const { metadata, bands, masks, warnings } = this.scene(sceneId).product;
    return { metadata, bands, masks, warnings: [...warnings] };
  }

  /** Listens for tiles that could not be drawn: called once per layer and reason, not per tile. */
  onTileFailure(listener: (f: { layer: string; message: string }) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Records why a tile of `layer` (a scene or mask layer id) was served empty. */
  reportTileFailure(layer: string, message: string): void {
    const key = `${layer}|${message}`;
    if (this.failuresSeen.has(key)) return;
    if (this.failuresSeen.size >= 1000) this.failuresSeen.clear();
    this.failuresSeen.add(key);
    for (const l of this.failureListeners) l({ layer, message });
  }

  async closeScene(sceneId: string): Promise<void> {
    const scene = this.scenes.get(sceneId);
    if (!scene) return;
    this.scenes.delete(sceneId);
    for (const k of this.failuresSeen) {
      if (k.startsWith(`${sceneId}|`) || k.startsWith(`${sceneId}/`)) this.failuresSeen.delete(k);
    }
    for (const l of scene.layers) this.removeLayerState(l);
    const bands = await Promise.allSettled(scene.bands.values());
    for (const b of bands) {
      if (b.status !== 'fulfilled') continue;
      this.openPyramids.delete(b.value.pyramid);
      await b.value.pyramid.close();
    }
    this.pngs.deletePrefix(`${sceneId}|`);
    this.luts.clear();
    await scene.product.close();
  }

  /** Closes every scene and empties the caches. The shared decoder is left running. */
  async close(): Promise<void> {
    for (const id of [...this.scenes.keys()]) await this.closeScene(id);
    this.blocks.clear();
    this.pngs.clear();
  }

  /** Cache occupancy, for diagnostics and benchmarks. */
  cacheStats(): {
    blockBytes: number;
    pngBytes: number;
    pinnedBytes: number;
    pngHits: number;
    pngMisses: number;
  } {
    let pinned = 0;
    for (const p of this.openPyramids) pinned += p.pinnedBytes;
    return {
      blockBytes: this.blocks.bytes,
      pngBytes: this.pngs.bytes,
      pinnedBytes: pinned,
      pngHits: this.pngs.hits,
      pngMisses: this.pngs.misses,
    };
  }

  private readonly openPyramids = new Set<Jp2Pyramid>();

  // ---------------------------------------------------------------- stretch and image tiles

  /**
   * Per band, the 2nd and 98th percentiles of the valid reflectances (DN 0 left out), taken on a
   * reduced JPEG2000 level of at most 1024 px a side (the wavelet's low-pass image, decoded whole
   * once and kept for the low-zoom tiles too).
   */
  async stretch(
    sceneId: string,
    bands: readonly [string, string, string],
  ): Promise<{ min: [number, number, number]; max: [number, number, number] }> {
    const scene = this.scene(sceneId);
    checkBands(bands, scene);
    const results = await Promise.all(
      bands.map(async (name) => {
        const b = await this.band(scene, name as ReflectanceBand);
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

  /**
   * A 256 x 256 RGBA PNG of three bands, or null when the tile has no pixel of the scene.
   * Pixels where any of the three bands has no data (DN 0) are transparent.
   */
  async imageTile(
    sceneId: string,
    z: number,
    x: number,
    y: number,
    style: ImageStyle,
    opts: TileRequestOptions = {},
  ): Promise<Buffer | null> {
    checkTile(z, x, y);
    const scene = this.scene(sceneId);
    checkStyle(style, scene);
    if (!boxesIntersect(tileBoundsLonLat(z, x, y), scene.info.bounds)) return null;
    const key = `${sceneId}|img|${z}/${x}/${y}|${styleKey(style)}`;
    const hit = this.pngs.get(key);
    if (hit) return hit === EMPTY ? null : hit;
    const rgba = await this.renderImage(scene, z, x, y, style, opts.signal);
    const png = rgba ? encodePng(TILE_SIZE, TILE_SIZE, rgba, 4) : EMPTY;
    this.pngs.set(key, png);
    return png === EMPTY ? null : png;
  }

  /** The RGBA pixels of an image tile (null when empty); imageTile encodes them. */
  private async renderImage(
    scene: SceneState,
    z: number,
    x: number,
    y: number,
    style: ImageStyle,
    signal?: AbortSignal,
  ): Promise<Uint8Array | null> {
    const map = mapTile(z, x, y, scene.grid10, this.step);
    if (!map) return null;
    const states = await Promise.all(style.bands.map((b) => this.band(scene, b as ReflectanceBand)));
    const reads = await Promise.all(
      states.map(async (b) => {
        // Positions are on the 10 m grid; this band's grid shares its origin.
        const k = 10 / b.resolution;
        const level = chooseLevel(map.scale * k, b.pyramid.levels);
        const s = levelScale(b.pyramid.levelSize(0), b.pyramid.levelSize(level));
        const fx = s.fx * k;
        const fy = s.fy * k;
        return { fx, fy, win: await b.pyramid.read(level, levelWindow(map, fx, fy), signal) };
      }),
    );
    if (signal?.aborted) throw cancelled();
    const rgba = new Uint8Array(N * 4);
    for (let i = 0; i < N; i++) rgba[i * 4 + 3] = 255;
    states.forEach((b, c) => {
      const { fx, fy, win } = reads[c]!;
      const lut = this.lut(b, style.min[c]!, style.max[c]!, style.gamma);
      if (!win) {
        for (let i = 0; i < N; i++) rgba[i * 4 + 3] = 0;
        return;
      }
      const { data, width, height } = win;
      const { sx, sy } = map;
      const noData = b.noData;
      for (let i = 0; i < N; i++) {
        const px = Math.floor((sx[i] as number) * fx) - win.x;
        const py = Math.floor((sy[i] as number) * fy) - win.y;
        if (!(px >= 0 && py >= 0 && px < width && py < height)) {
          rgba[i * 4 + 3] = 0;
          continue;
        }
        const dn = data[py * width + px] as number;
        if (dn === noData) rgba[i * 4 + 3] = 0;
        else rgba[i * 4 + c] = lut[dn] as number;
      }
    });
    for (let i = 0; i < N; i++) if (rgba[i * 4 + 3] !== 0) return rgba;
    return null;
  }

  /**
   * Raw DN of one band on a tile, nearest neighbour, from the level imageTile would read (or
   * `level`): for tests against gdalwarp. 0 where the tile is outside the band.
   */
  async bandTileDn(
    sceneId: string,
    band: string,
    z: number,
    x: number,
    y: number,
    level?: number,
  ): Promise<{ level: number; data: Uint16Array } | null> {
    checkTile(z, x, y);
    const scene = this.scene(sceneId);
    if (!scene.info.bands.includes(band as ReflectanceBand)) checkBands([band, band, band], scene);
    const b = await this.band(scene, band as ReflectanceBand);
    const grid = productGrid(scene.product, b.resolution);
    return bandTileDn(b.pyramid, grid, z, x, y, {
      ...(level === undefined ? {} : { level }),
      step: this.step,
    });
  }

  // ---------------------------------------------------------------- masks

  async addMaskLayer(sceneId: string, src: MaskSource): Promise<MaskLayerInfo> {
    const scene = this.scene(sceneId);
    const id = `${sceneId}/mask-${this.nextLayer++}`;
    let layer: LayerState;
    if (src.kind === 'probability') {
      const band = await readRasterBand(src.path, src.crs === undefined ? {} : { crs: src.crs });
      const scale = guessScale(band);
      const max = scale === 'binary' || scale === 'unit' ? 1 : scale === 'percent' ? 100 : 255;
      const values = new Float32Array(band.values.length);
      let lo = Infinity;
      let hi = -Infinity;
      let sum = 0;
      let n = 0;
      for (let i = 0; i < values.length; i++) {
        const v = band.values[i] as number;
        if (v !== v || v === band.noData || v < 0 || v > max) {
          values[i] = NaN;
          continue;
        }
        const p = v / max;
        values[i] = p;
        lo = Math.min(lo, p);
        hi = Math.max(hi, p);
        sum += p;
        n++;
      }
      layer = {
        id,
        sceneId,
        grid: band.grid,
        probability: buildProbabilityPyramid(values, band.grid),
        info: this.layerInfo(id, scene, {
          name: src.name ?? basename(src.path),
          kind: 'probability',
          source: `probability (0..${max})`,
          file: src.path,
          path: src.path,
          grid: band.grid,
          classes: [],
          unmapped: {},
        }),
        raw: (c, r) => readTiffValue(src.path, c, r),
      };
      layer.info.probability = {
        scale: scale === 'binary' ? 'binary 0/1' : `0..${max}`,
        min: n ? lo : NaN,
        max: n ? hi : NaN,
        mean: n ? sum / n : NaN,
      };
    } else {
      let mask: SchemaMask;
      let raw: LayerState['raw'];
      if (src.kind === 'file') {
        mask = await loadMask(src.path, {
          ...(src.adapter === undefined ? {} : { adapter: src.adapter as AdapterId }),
          ...(src.crs === undefined ? {} : { crs: src.crs }),
        });
        const path = src.path;
        raw = /\.tiff?$/i.test(path) ? (c, r) => readTiffValue(path, c, r) : () => Promise.resolve(null);
      } else {
        if (!scene.info.productMasks.includes(src.mask)) {
          throw new S2Error(
            'MISSING_FILE',
            `${scene.info.productName} has no ${src.mask.toUpperCase()} mask (it has: ${scene.info.productMasks.join(', ') || 'none'}).`,
            { file: scene.product.sourcePath },
          );
        }
        mask = await loadMask(scene.product.sourcePath, { adapter: src.mask, product: scene.product });
        raw = productRawReader(scene.product, src.mask, mask.grid);
      }
      const counts = new Float64Array(256);
      for (let i = 0; i < mask.data.length; i++) counts[mask.data[i] as number]!++;
      const classes = [];
      for (let c = 0; c < 256; c++) {
        if (!counts[c]) continue;
        classes.push({
          id: c,
          name: CLASS_NAMES[c as MaskClassValue] ?? `class ${c}`,
          count: counts[c] as number,
          colour: [...(MAP_CLASS_COLOURS[c as MaskClassValue] ?? [128, 128, 128])] as Rgb,
        });
      }
      layer = {
        id,
        sceneId,
        grid: mask.grid,
        classes: buildClassPyramid(mask.data, mask.grid),
        info: this.layerInfo(id, scene, {
          name: src.name ?? (src.kind === 'file' ? basename(src.path) : mask.source),
          kind: 'classes',
          source: mask.source,
          file: mask.file,
          ...(src.kind === 'file' ? { path: src.path } : {}),
          grid: mask.grid,
          classes,
          unmapped: mask.unmapped,
        }),
        raw,
      };
    }
    if (!this.scenes.has(sceneId)) throw new S2Error('INVALID_ARGUMENT', `Scene ${sceneId} was closed.`);
    this.layers.set(id, layer);
    scene.layers.add(id);
    return structuredClone(layer.info);
  }

  async removeMaskLayer(layerId: string): Promise<void> {
    const layer = this.layers.get(layerId);
    if (!layer) return;
    this.scenes.get(layer.sceneId)?.layers.delete(layerId);
    this.removeLayerState(layerId);
    await Promise.resolve();
  }

  maskLayers(sceneId: string): MaskLayerInfo[] {
    return [...this.scene(sceneId).layers].map((l) => structuredClone(this.layer(l).info));
  }

  /**
   * A 256 x 256 RGBA PNG of a mask layer (nearest neighbour; the pyramid level just finer than
   * the tile's pixels), or null when nothing is drawn on the tile. Class layers draw the visible
   * classes in their colours, opaque (opacity is the map's); probability layers the ramp.
   */
  async maskTile(
    layerId: string,
    z: number,
    x: number,
    y: number,
    style: MaskStyle = {},
    opts: TileRequestOptions = {},
  ): Promise<Buffer | null> {
    checkTile(z, x, y);
    const layer = this.layer(layerId);
    if (!boxesIntersect(tileBoundsLonLat(z, x, y), layer.info.bounds)) return null;
    const key = `${layerId}|${z}/${x}/${y}|${styleKey(style)}`;
    const hit = this.pngs.get(key);
    if (hit) return hit === EMPTY ? null : hit;
    throwIfAborted(opts.signal);
    const map = mapTile(z, x, y, layer.grid, this.step);
    let rgba: Uint8Array | null = null;
    if (map) {
      rgba = new Uint8Array(N * 4);
      let any = false;
      if (layer.classes) {
        const palette = classPalette(style);
        const cls = sampleLevels(layer.classes, map);
        for (let i = 0; i < N; i++) {
          const c = cls[i] as number;
          if (c < 0 || palette[c * 4 + 3] === 0) continue;
          rgba.set(palette.subarray(c * 4, c * 4 + 4), i * 4);
          any = true;
        }
      } else if (layer.probability) {
        const floor = style.minProbability ?? 0;
        const levels = layer.probability;
        const level = chooseLevel(map.scale, levels.length - 1);
        const lv = levels[level]!;
        const { fx, fy } = levelScale(levels[0]!, lv);
        for (let i = 0; i < N; i++) {
          const px = Math.floor((map.sx[i] as number) * fx);
          const py = Math.floor((map.sy[i] as number) * fy);
          if (!(px >= 0 && py >= 0 && px < lv.width && py < lv.height)) continue;
          const p = lv.data[py * lv.width + px] as number;
          if (!(p >= floor)) continue;
          const k = Math.round(p * 255) * 3;
          rgba[i * 4] = PROBABILITY_RAMP[k] as number;
          rgba[i * 4 + 1] = PROBABILITY_RAMP[k + 1] as number;
          rgba[i * 4 + 2] = PROBABILITY_RAMP[k + 2] as number;
          rgba[i * 4 + 3] = 255;
          any = true;
        }
      }
      if (!any) rgba = null;
    }
    const png = rgba ? encodePng(TILE_SIZE, TILE_SIZE, rgba, 4) : EMPTY;
    this.pngs.set(key, png);
    return png === EMPTY ? null : png;
  }

  /**
   * Where two class layers agree and disagree on cloud, A against B (B is the reference), in the
   * binary view of the accuracy tables: cloud = cloud + semi-transparent; shadow as `style.shadow`
   * (default clear). Colours: DIFFERENCE_LEGEND (cloud in both light grey, omission orange,
   * commission magenta, clear in both and no data transparent). Null when nothing is drawn.
   */
  async differenceTile(
    layerA: string,
    layerB: string,
    z: number,
    x: number,
    y: number,
    style: DifferenceStyle = {},
    opts: TileRequestOptions = {},
  ): Promise<Buffer | null> {
    checkTile(z, x, y);
    const a = this.layer(layerA);
    const b = this.layer(layerB);
    if (!a.classes || !b.classes) {
      throw new S2Error('INVALID_ARGUMENT', 'A difference needs two class layers, not probability layers.', {
        details: { layerA, layerB },
      });
    }
    const tb = tileBoundsLonLat(z, x, y);
    if (!boxesIntersect(tb, a.info.bounds) || !boxesIntersect(tb, b.info.bounds)) return null;
    const key = `diff|${layerA}|${layerB}|${z}/${x}/${y}|${styleKey(style)}`;
    const hit = this.pngs.get(key);
    if (hit) return hit === EMPTY ? null : hit;
    throwIfAborted(opts.signal);
    const ma = mapTile(z, x, y, a.grid, this.step);
    const mb = mapTile(z, x, y, b.grid, this.step);
    let rgba: Uint8Array | null = null;
    if (ma && mb) {
      const ca = sampleLevels(a.classes, ma);
      const cb = sampleLevels(b.classes, mb);
      const cat = differenceCategories(ca, cb, style.shadow ?? 'clear');
      const colours = differenceColours(style);
      rgba = new Uint8Array(N * 4);
      let any = false;
      for (let i = 0; i < N; i++) {
        const col = colours[cat[i] as number];
        if (!col) continue;
        rgba[i * 4] = col[0];
        rgba[i * 4 + 1] = col[1];
        rgba[i * 4 + 2] = col[2];
        rgba[i * 4 + 3] = 255;
        any = true;
      }
      if (!any) rgba = null;
    }
    const png = rgba ? encodePng(TILE_SIZE, TILE_SIZE, rgba, 4) : EMPTY;
    this.pngs.set(key, png);
    return png === EMPTY ? null : png;
  }

  // ---------------------------------------------------------------- inspector

  /**
   * Everything under a point: its UTM coordinates and 10 m pixel, every band's DN and
   * reflectance at the band's native resolution (offsets applied; no data -> null), and every
   * mask layer's stored value, class id and class name.
   */
  async inspect(sceneId: string, lon: number, lat: number): Promise<InspectResult> {
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 90) {
      throw new S2Error('INVALID_ARGUMENT', `Not a point: lon ${lon}, lat ${lat}.`);
    }
    const scene = this.scene(sceneId);
    const g = scene.grid10;
    const [easting, northing] = transformer(4326, g.epsg)(lon, lat);
    const inv = invertTransform(g.transform);
    const colF = inv[0] + easting * inv[1] + northing * inv[2];
    const rowF = inv[3] + easting * inv[4] + northing * inv[5];
    const col = Math.floor(colF);
    const row = Math.floor(rowF);
    const inside = col >= 0 && row >= 0 && col < g.width && row < g.height;
    const reflectances: InspectBand[] = await Promise.all(
      scene.info.bands.map(async (name) => {
        const b = await this.band(scene, name);
        const resolution = b.resolution;
        const k = 10 / resolution;
        const bc = Math.floor(colF * k);
        const br = Math.floor(rowF * k);
        const size = b.pyramid.levelSize(0);
        let dn: number | null = null;
        if (bc >= 0 && br >= 0 && bc < size.width && br < size.height) {
          const w = await b.pyramid.read(0, { x: bc, y: br, width: 1, height: 1 });
          if (w) dn = w.data[(br - w.y) * w.width + (bc - w.x)] as number;
        }
        const value = dn === null || dn === b.noData ? null : (dn + b.offset) / b.quantification;
        return { band: name, value, dn, resolution, row: br, col: bc };
      }),
    );
    const masks: InspectMask[] = await Promise.all(
      [...scene.layers].map(async (id) => {
        const l = this.layer(id);
        const [X, Y] = transformer(4326, l.grid.epsg)(lon, lat);
        const li = invertTransform(l.grid.transform);
        const mc = Math.floor(li[0] + X * li[1] + Y * li[2]);
        const mr = Math.floor(li[3] + X * li[4] + Y * li[5]);
        const on = mc >= 0 && mr >= 0 && mc < l.grid.width && mr < l.grid.height;
        const base = { layerId: id, name: l.info.name, kind: l.info.kind, row: mr, col: mc };
        if (!on) return { ...base, value: null, classId: null, className: '' };
        const value = await l.raw(mc, mr).catch(() => null);
        if (l.classes) {
          const c = l.classes[0]!.data[mr * l.grid.width + mc] as number;
          return {
            ...base,
            value: value ?? c,
            classId: c,
            className: CLASS_NAMES[c as MaskClassValue] ?? `class ${c}`,
          };
        }
        const p = l.probability![0]!.data[mr * l.grid.width + mc] as number;
        return { ...base, value, classId: null, className: '', probability: p === p ? p : null };
      }),
    );
    return {
      lon,
      lat,
      epsg: g.epsg,
      easting,
      northing,
      row,
      col,
      inside,
      quantity: scene.info.quantity,
      reflectances,
      masks,
    };
  }

  // ---------------------------------------------------------------- internals

  private scene(id: string): SceneState {
    const s = this.scenes.get(id);
    if (!s) throw new S2Error('INVALID_ARGUMENT', `No open scene ${id}.`, { details: { sceneId: id } });
    return s;
  }

  private layer(id: string): LayerState {
    const l = this.layers.get(id);
    if (!l) throw new S2Error('INVALID_ARGUMENT', `No mask layer ${id}.`, { details: { layerId: id } });
    return l;
  }

  private removeLayerState(id: string): void {
    this.layers.delete(id);
    this.pngs.deletePrefix(`${id}|`);
    this.pngs.deletePrefix('diff|');
  }

  private layerInfo(
    id: string,
    scene: SceneState,
    p: Pick<MaskLayerInfo, 'name' | 'kind' | 'source' | 'file' | 'path' | 'classes' | 'unmapped'> & {
      grid: Grid;
    },
  ): MaskLayerInfo {
    const bounds = gridBounds(p.grid);
    return {
      layerId: id,
      sceneId: scene.id,
      name: p.name,
      kind: p.kind,
      source: p.source,
      file: p.file,
      ...(p.path === undefined ? {} : { path: p.path }),
      epsg: p.grid.epsg,
      resolution: Math.abs(p.grid.transform[1]),
      width: p.grid.width,
      height: p.grid.height,
      bounds,
      classes: p.classes,
      unmapped: p.unmapped,
      overlapsScene: boxesIntersect(bounds, scene.info.bounds),
    };
  }

  private band(scene: SceneState, name: ReflectanceBand): Promise<BandState> {
    let p = scene.bands.get(name);
    if (!p) {
      p = (async (): Promise<BandState> => {
        const entry = pickBandFile(scene.product, name, 10);
        const src = await scene.product.open(entry.path);
        const meta = scene.product.metadata;
        let pyramid: Jp2Pyramid;
        try {
          pyramid = await Jp2Pyramid.open(
            `${scene.id}:${name}`,
            src,
            bandDecoder(this.decoder), // JPEG 2000, or GeoTIFF for THEIA products
            this.blocks,
            this.overviewMax,
          );
        } catch (err) {
          await src.close();
          throw err;
        }
        const want = productGrid(scene.product, entry.resolution);
        if (pyramid.info.width !== want.width || pyramid.info.height !== want.height) {
          await pyramid.close();
          throw new S2Error(
            'BAD_METADATA',
            `${src.name} is ${pyramid.info.width} x ${pyramid.info.height} px but the tile metadata gives ${want.width} x ${want.height} px at ${entry.resolution} m.`,
            { file: src.name },
          );
        }
        this.openPyramids.add(pyramid);
        const aux = name === 'AOT' || name === 'WVP';
        return {
          name,
          resolution: entry.resolution,
          offset: aux ? 0 : (meta.offsets[name] ?? 0),
          quantification:
            name === 'AOT'
              ? (meta.aotQuantificationValue ?? 1000)
              : name === 'WVP'
                ? (meta.wvpQuantificationValue ?? 1000)
                : meta.quantificationValue,
          noData: meta.noDataValue,
          pyramid,
        };
      })();
      p.catch(() => scene.bands.delete(name));
      scene.bands.set(name, p);
    }
    return p;
  }

  private lut(b: BandState, min: number, max: number, gamma: number): Uint8Array {
    const key = `${b.offset}|${b.quantification}|${min}|${max}|${gamma}`;
    let lut = this.luts.get(key);
    if (!lut) {
      lut = dnLut(b.offset, b.quantification, min, max, gamma);
      if (this.luts.size >= 64) this.luts.delete(this.luts.keys().next().value as string);
      this.luts.set(key, lut);
    }
    return lut;
  }
}

// ------------------------------------------------------------------ helpers

function checkStyle(style: ImageStyle, scene: SceneState): void {
  const ok =
    Array.isArray(style.bands) &&
    style.bands.length === 3 &&
    [style.min, style.max].every((a) => Array.isArray(a) && a.length === 3 && a.every(Number.isFinite)) &&
    Number.isFinite(style.gamma) &&
    style.gamma > 0;
  if (!ok) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      'An image style needs 3 bands, 3 minima, 3 maxima and a gamma > 0.',
      {
        details: { style },
      },
    );
  }
  checkBands(style.bands, scene);
}

const REFLECTANCE_BANDS: readonly ReflectanceBand[] = [...SPECTRAL_BANDS, 'AOT', 'WVP'];

function checkBands(bands: readonly string[], scene: SceneState): void {
  if (!Array.isArray(bands) || bands.length !== 3) {
    throw new S2Error('INVALID_ARGUMENT', 'Give three bands (red, green, blue).', { details: { bands } });
  }
  const have = new Set<string>(scene.info.bands);
  const missing = bands.filter((b) => !have.has(b));
  if (missing.length > 0) {
    const unknown = missing.filter((b) => !(REFLECTANCE_BANDS as readonly string[]).includes(b));
    throw new S2Error(
      unknown.length > 0 ? 'INVALID_ARGUMENT' : 'MISSING_FILE',
      unknown.length > 0
        ? `Unknown band ${unknown.join(', ')} (bands: ${REFLECTANCE_BANDS.join(' ')}).`
        : `${scene.info.productName} has no ${missing.join(', ')} band file.`,
      { details: { missing, available: [...have] } },
    );
  }
}

/** Class per tile pixel from a class pyramid (-1 outside the mask). */
function sampleLevels(levels: PyramidLevel<Uint8Array>[], map: TileMapping): Int16Array {
  const level = chooseLevel(map.scale, levels.length - 1);
  const lv = levels[level]!;
  const { fx, fy } = levelScale(levels[0]!, lv);
  const out = new Int16Array(N).fill(-1);
  for (let i = 0; i < N; i++) {
    const px = Math.floor((map.sx[i] as number) * fx);
    const py = Math.floor((map.sy[i] as number) * fy);
    if (px >= 0 && py >= 0 && px < lv.width && py < lv.height) out[i] = lv.data[py * lv.width + px] as number;
  }
  return out;
}

/** RGBA per class value (alpha 0 = not drawn). */
function classPalette(style: MaskStyle): Uint8Array {
  const pal = new Uint8Array(256 * 4);
  for (const c of style.visibleClasses ?? DEFAULT_VISIBLE_CLASSES) {
    if (!Number.isInteger(c) || c < 0 || c > 255) continue;
    const col = style.colours?.[c] ?? MAP_CLASS_COLOURS[c as MaskClassValue] ?? [128, 128, 128];
    pal.set([col[0], col[1], col[2], 255], c * 4);
  }
  return pal;
}

/** Difference categories, as indices: 0 no data, 1 agreement clear, 2 agreement cloud, 3 omission, 4 commission. */
export function differenceCategories(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  shadow: ShadowMode,
): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const ca = a[i] as number;
    const cb = b[i] as number;
    if (ca <= 0 || cb <= 0) continue;
    const pa = binaryClass(ca, shadow);
    const pb = binaryClass(cb, shadow);
    if (pa === null || pb === null) continue;
    out[i] = pa ? (pb ? 2 : 4) : pb ? 3 : 1;
  }
  return out;
}

function differenceColours(style: DifferenceStyle): Array<Rgb | null> {
  const legend = (c: string): Rgb | null => DIFFERENCE_LEGEND.find((l) => l.category === c)?.colour ?? null;
  const own = style.colours ?? {};
  return [
    null,
    own['agreement-clear'] ?? legend('agreement-clear'),
    own['agreement-cloud'] ?? legend('agreement-cloud'),
    own.omission ?? legend('omission'),
    own.commission ?? legend('commission'),
  ];
}

/** Lon/lat box of a grid: its edges sampled every 1/16 of a side through proj4. */
export function gridBounds(grid: Grid): [number, number, number, number] {
  const toLL = transformer(grid.epsg, 4326);
  const [ox, pw, rx, oy, ry, ph] = grid.transform;
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (let k = 0; k <= 16; k++) {
    const t = k / 16;
    for (const [c, r] of [
      [t * grid.width, 0],
      [t * grid.width, grid.height],
      [0, t * grid.height],
      [grid.width, t * grid.height],
    ] as const) {
      const [lon, lat] = toLL(ox + c * pw + r * rx, oy + c * ry + r * ph);
      w = Math.min(w, lon);
      e = Math.max(e, lon);
      s = Math.min(s, lat);
      n = Math.max(n, lat);
    }
  }
  return [w, s, e, n];
}

function boxesIntersect(a: readonly number[], b: readonly number[]): boolean {
  const m = 1e-9;
  return (
    (a[0] as number) <= (b[2] as number) + m &&
    (b[0] as number) <= (a[2] as number) + m &&
    (a[1] as number) <= (b[3] as number) + m &&
    (b[1] as number) <= (a[3] as number) + m
  );
}

function footprintPolygon(
  ring: Array<[number, number]>,
  bounds: [number, number, number, number],
): LonLatPolygon {
  if (ring.length >= 4) return { type: 'Polygon', coordinates: [ring.map(([x, y]) => [x, y])] };
  const [w, s, e, n] = bounds;
  return {
    type: 'Polygon',
    coordinates: [
      [
        [w, s],
        [e, s],
        [e, n],
        [w, n],
        [w, s],
      ],
    ],
  };
}

/** One sample of a GeoTIFF band 0 (a window read; COG tiles make it cheap). */
async function readTiffValue(path: string, col: number, row: number): Promise<number | null> {
  const tiff = await fromFile(path);
  try {
    const image = await tiff.getImage();
    const r = await image.readRasters({ window: [col, row, col + 1, row + 1], samples: [0] });
    const v = (r[0] as ArrayLike<number> | undefined)?.[0];
    return v === undefined || Number.isNaN(v) ? null : v;
  } finally {
    await tiff.close();
  }
}

/** The stored value of a product mask at a pixel of the mask's grid. */
function productRawReader(product: Product, mask: ProductMaskId, grid: Grid): LayerState['raw'] {
  const resolution = Math.abs(grid.transform[1]) as Resolution;
  return async (col, row) => {
    const kind = mask === 'maja' ? 'MAJA_CLM' : mask === 'maja-mg2' ? 'MAJA_MG2' : 'MSK_CLDPRB';
    const entry =
      mask === 'scl'
        ? 'SCL'
        : mask === 'msk-classi'
          ? product.masks.find((m) => m.kind === 'MSK_CLASSI')
          : (product.masks.find((m) => m.kind === kind && m.resolution === resolution) ??
            product.masks.find((m) => m.kind === kind));
    if (!entry) return null;
    const r = await readClassRaster(product, entry, {
      resolution,
      window: { x: col, y: row, width: 1, height: 1 },
      method: 'nearest',
    });
    if (mask === 'msk-classi') {
      const [o, c, s] = r.components.map((p) => p[0] ?? 0);
      return (o ? 1 : 0) | (c ? 2 : 0) | (s ? 4 : 0);
    }
    return r.components[0]?.[0] ?? null;
  };
}
