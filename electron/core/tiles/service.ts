/**
 * Map tiles and the pixel inspector for the GUI: XYZ Web Mercator tiles (256 x 256 PNG) of a
 * product's bands, of cloud masks and of the difference of two masks, and every value under one
 * point. Plain Node; the Electron tile protocol and the web host call it.
 *
 * This is the registry front: it finds the layer a request names (image-layer.ts,
 * mask-layer.ts, difference-layer.ts, each a TileLayer), skips tiles outside its bounds and
 * serves the PNG through the one PNG cache (png-cache.ts). Two byte-bounded LRU caches share
 * `cacheBytes`: decoded source blocks (3/4, band-source.ts) and rendered PNGs (1/4).
 */
import { S2Error } from '../errors.js';
import { bandDecoder, type RasterDecoder } from '../raster/band-decoder.js';
import { getSharedDecoder, type SampleArray } from '../raster/jp2/index.js';
import type { Product } from '../scene/types.js';
import { checkBands } from './band-source.js';
import { boxesIntersect } from './bounds.js';
import { DifferenceLayer } from './difference-layer.js';
import type { ImageLayer } from './image-layer.js';
import { inspectPoint, type TiffOpener } from './inspect.js';
import { OVERVIEW_MAX } from './jp2-pyramid.js';
import { ByteLru } from './lru.js';
import { loadMaskLayer, type MaskLayer } from './mask-layer.js';
import { checkTile, tileBoundsLonLat } from './mercator.js';
import { PngCache } from './png-cache.js';
import { SceneRegistry } from './scene-registry.js';
import type { ImageStyle } from './style.js';
import type { TileLayer } from './tile-layer.js';
import type {
  DifferenceStyle,
  InspectResult,
  MaskLayerInfo,
  MaskSource,
  MaskStyle,
  SceneInfo,
  TileRequestOptions,
} from './types.js';

export { differenceCategories } from './difference-layer.js';
export { gridBounds } from './bounds.js';

export interface TileServiceOptions {
  /** Bytes of decoded source blocks and rendered PNGs kept (default 512 MiB; 3/4 blocks, 1/4 PNGs). */
  cacheBytes?: number;
  /** JP2 decoder (default: the process-wide shared one); GeoTIFF band files use the GeoTIFF decoder. */
  decoder?: RasterDecoder;
  /** Control-point spacing of the reprojection, in output pixels (default 16; 1 = proj4 per pixel). */
  controlStep?: number;
  /** Levels at most this many pixels on a side are decoded whole and kept (default OVERVIEW_MAX, 2048). */
  overviewMax?: number;
  /** Opens the GeoTIFFs the inspector reads mask values from (default geotiff.js fromFile). */
  openTiff?: TiffOpener;
}

/** A layer a tile request can name. */
export type LayerRef =
  | { kind: 'image'; sceneId: string }
  | { kind: 'mask'; layerId: string }
  | { kind: 'diff'; a: string; b: string };

export class TileService {
  private readonly blocks: ByteLru<SampleArray>;
  private readonly pngs: PngCache;
  private readonly scenes: SceneRegistry;
  private readonly layers = new Map<string, MaskLayer>();
  private readonly step: number;
  private readonly openTiff: TiffOpener | undefined;
  private nextLayer = 1;
  private readonly failureListeners = new Set<(f: { layer: string; message: string }) => void>();
  /** 'layer|reason' already reported: a broken band file fails every tile the same way. */
  private readonly failuresSeen = new Set<string>();

  constructor(opts: TileServiceOptions = {}) {
    const bytes = opts.cacheBytes ?? 512 * 2 ** 20;
    this.blocks = new ByteLru<SampleArray>(Math.floor(bytes * 0.75), (v) => v.byteLength);
    this.pngs = new PngCache(Math.floor(bytes * 0.25));
    this.step = opts.controlStep ?? 16;
    this.openTiff = opts.openTiff;
    this.scenes = new SceneRegistry({
      decoder: bandDecoder(opts.decoder ?? getSharedDecoder()), // JPEG 2000, or GeoTIFF for THEIA
      blocks: this.blocks,
      overviewMax: opts.overviewMax ?? OVERVIEW_MAX,
      step: this.step,
    });
  }

  // ---------------------------------------------------------------- scenes

  async openScene(path: string, granule?: string): Promise<SceneInfo> {
    const scene = await this.scenes.open(path, granule);
    return structuredClone(scene.info);
  }

  /** The info of an open scene. */
  sceneInfo(sceneId: string): SceneInfo {
    return structuredClone(this.scenes.get(sceneId).info);
  }

  /** What the open product's XML says (metadata, band and mask catalogue, warnings): no second open. */
  sceneProduct(sceneId: string): Pick<Product, 'metadata' | 'bands' | 'masks' | 'warnings'> {
    const { metadata, bands, masks, warnings } = this.scenes.get(sceneId).product;
    return { metadata, bands, masks, warnings: [...warnings] };
  }

  async closeScene(sceneId: string): Promise<void> {
    if (!this.scenes.has(sceneId)) return;
    const scene = this.scenes.get(sceneId);
    for (const k of this.failuresSeen) {
      if (k.startsWith(`${sceneId}|`) || k.startsWith(`${sceneId}/`)) this.failuresSeen.delete(k);
    }
    for (const l of [...scene.layers]) await this.removeMaskLayer(l);
    await this.scenes.close(sceneId);
    this.pngs.deletePrefix(`${sceneId}|`);
  }

  /** Closes every scene and empties the caches. The shared decoder is left running. */
  async close(): Promise<void> {
    for (const id of this.scenes.ids()) await this.closeScene(id);
    this.blocks.clear();
    this.pngs.clear();
  }

  /** Cache occupancy, for diagnostics, tests and benchmarks. */
  cacheStats(): {
    blockBytes: number;
    pngBytes: number;
    pinnedBytes: number;
    pngHits: number;
    pngMisses: number;
  } {
    let pinned = 0;
    for (const s of this.scenes.all()) pinned += s.bands.pinnedBytes;
    return {
      blockBytes: this.blocks.bytes,
      pngBytes: this.pngs.bytes,
      pinnedBytes: pinned,
      pngHits: this.pngs.hits,
      pngMisses: this.pngs.misses,
    };
  }

  // ---------------------------------------------------------------- tile failures

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

  // ---------------------------------------------------------------- layers and tiles

  /** The layer a request names; throws INVALID_ARGUMENT for an unknown scene or layer. */
  layerOf(ref: { kind: 'image'; sceneId: string }): ImageLayer;
  layerOf(ref: { kind: 'mask'; layerId: string }): MaskLayer;
  layerOf(ref: { kind: 'diff'; a: string; b: string }): DifferenceLayer;
  layerOf(ref: LayerRef): ImageLayer | MaskLayer | DifferenceLayer {
    switch (ref.kind) {
      case 'image':
        return this.scenes.get(ref.sceneId).image;
      case 'mask':
        return this.maskLayer(ref.layerId);
      case 'diff':
        return new DifferenceLayer(this.maskLayer(ref.a), this.maskLayer(ref.b), this.step);
    }
  }

  /**
   * Per band, the 2nd and 98th percentiles of the valid reflectances (DN 0 left out), taken on a
   * reduced level of at most 1024 px a side.
   */
  async stretch(
    sceneId: string,
    bands: readonly [string, string, string],
  ): Promise<{ min: [number, number, number]; max: [number, number, number] }> {
    const scene = this.scenes.get(sceneId);
    checkBands(bands, scene.info.bands, scene.info.productName);
    return scene.bands.stretch(bands);
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
    return this.tile(this.layerOf({ kind: 'image', sceneId }), z, x, y, style, opts.signal);
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
    return this.scenes.get(sceneId).image.bandTileDn(band, z, x, y, level);
  }

  /**
   * A 256 x 256 RGBA PNG of a mask layer (nearest neighbour; the pyramid level just finer than
   * the tile's pixels), or null when nothing is drawn on the tile.
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
    return this.tile(this.layerOf({ kind: 'mask', layerId }), z, x, y, style, opts.signal);
  }

  /** Where two class layers agree and disagree on cloud, B the reference (difference-layer.ts). */
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
    return this.tile(this.layerOf({ kind: 'diff', a: layerA, b: layerB }), z, x, y, style, opts.signal);
  }

  /** Every layer kind's tiles go through here: style check, bounds, the one PNG cache. */
  private tile<S>(
    layer: TileLayer<S, unknown>,
    z: number,
    x: number,
    y: number,
    style: S,
    signal: AbortSignal | undefined,
  ): Promise<Buffer | null> {
    const key = layer.key(style); // throws on a bad style before anything else
    if (!layer.bounds || !boxesIntersect(tileBoundsLonLat(z, x, y), layer.bounds)) {
      return Promise.resolve(null);
    }
    return this.pngs.tile(`${key}|${z}/${x}/${y}`, () => layer.render(z, x, y, style, signal), signal);
  }

  // ---------------------------------------------------------------- mask layers

  async addMaskLayer(sceneId: string, src: MaskSource): Promise<MaskLayerInfo> {
    const scene = this.scenes.get(sceneId);
    const id = `${sceneId}/mask-${this.nextLayer++}`;
    const layer = await loadMaskLayer(id, scene, src, {
      step: this.step,
      ...(this.openTiff ? { openTiff: this.openTiff } : {}),
    });
    if (!this.scenes.has(sceneId)) {
      await layer.close();
      throw new S2Error('INVALID_ARGUMENT', `Scene ${sceneId} was closed.`);
    }
    this.layers.set(id, layer);
    scene.layers.add(id);
    return structuredClone(layer.info);
  }

  /** Forgets the layer, its tiles (differences with it too) and closes the file its inspector reads. */
  async removeMaskLayer(layerId: string): Promise<void> {
    const layer = this.layers.get(layerId);
    if (!layer) return;
    this.layers.delete(layerId);
    if (this.scenes.has(layer.sceneId)) this.scenes.get(layer.sceneId).layers.delete(layerId);
    this.pngs.deletePrefix(`${layerId}|`);
    this.pngs.deletePrefix('diff|');
    await layer.close();
  }

  maskLayers(sceneId: string): MaskLayerInfo[] {
    return [...this.scenes.get(sceneId).layers].map((l) => structuredClone(this.maskLayer(l).info));
  }

  // ---------------------------------------------------------------- inspector

  /**
   * Everything under a point: its UTM coordinates and 10 m pixel, every band's DN and
   * reflectance at the band's native resolution (offsets applied; no data -> null), and every
   * mask layer's stored value, class id and class name.
   */
  async inspect(sceneId: string, lon: number, lat: number): Promise<InspectResult> {
    const scene = this.scenes.get(sceneId);
    const masks = [...scene.layers].map((id) => this.maskLayer(id));
    return inspectPoint(
      { grid10: scene.grid10, quantity: scene.info.quantity },
      scene.image,
      masks,
      lon,
      lat,
    );
  }

  private maskLayer(id: string): MaskLayer {
    const l = this.layers.get(id);
    if (!l) throw new S2Error('INVALID_ARGUMENT', `No mask layer ${id}.`, { details: { layerId: id } });
    return l;
  }
}
