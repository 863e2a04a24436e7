/**
 * Mask layers: a class mask (a product mask, or a file read by its adapter) or a probability
 * raster, turned into a pyramid once when added (mask-pyramid.ts) and drawn by nearest neighbour
 * from the level just finer than the tile's pixels. Class layers draw the visible classes in their
 * colours, opaque (opacity is the map's); probability layers a colour ramp.
 */
import { basename } from 'node:path';
import { S2Error } from '../errors.js';
import { loadMask, type AdapterId } from '../masks/adapters/index.js';
import { guessScale } from '../masks/adapters/s2cloudless.js';
import { readRasterBand } from '../masks/raster-io.js';
import { CLASS_NAMES, type MaskClassValue, type SchemaMask } from '../masks/schema.js';
import type { Grid } from '../raster/grid.js';
import type { Product } from '../scene/types.js';
import { boxesIntersect, gridBounds, type LonLatBox } from './bounds.js';
import {
  NO_PIXELS,
  pointOnGrid,
  productPixelReader,
  TiffPixelReader,
  type PixelReader,
  type TiffOpener,
} from './inspect.js';
import { buildClassPyramid, buildProbabilityPyramid, type PyramidLevel } from './mask-pyramid.js';
import { TILE_SIZE } from './mercator.js';
import { DEFAULT_VISIBLE_CLASSES, MAP_CLASS_COLOURS, PROBABILITY_RAMP, type Rgb } from './palette.js';
import { styleKey } from './style.js';
import type { TileLayer } from './tile-layer.js';
import type { InspectMask, MaskLayerInfo, MaskSource, MaskStyle, SceneInfo } from './types.js';
import { chooseLevel, levelScale, mapTile, type TileMapping } from './warp.js';

const N = TILE_SIZE * TILE_SIZE;

/** What a layer says about its own pixel in the inspector. */
type MaskValue = Pick<InspectMask, 'value' | 'classId' | 'className' | 'probability'>;

abstract class MaskLayerBase implements TileLayer<MaskStyle, InspectMask> {
  constructor(
    readonly info: MaskLayerInfo,
    readonly grid: Grid,
    /** The stored source value at a level-0 pixel, for the inspector. */
    private readonly pixels: PixelReader,
    /** Control-point spacing of the reprojection, in output pixels. */
    protected readonly step: number,
  ) {}

  get id(): string {
    return this.info.layerId;
  }

  get sceneId(): string {
    return this.info.sceneId;
  }

  get bounds(): LonLatBox {
    return this.info.bounds;
  }

  key(style: MaskStyle): string {
    return `${this.id}|${styleKey(style)}`;
  }

  abstract render(
    z: number,
    x: number,
    y: number,
    style: MaskStyle,
    signal?: AbortSignal,
  ): Promise<Uint8Array | null>;

  async inspect(lon: number, lat: number): Promise<InspectMask> {
    const { col, row, inside } = pointOnGrid(this.grid, lon, lat);
    const base = { layerId: this.id, name: this.info.name, kind: this.info.kind, row, col };
    if (!inside) return { ...base, value: null, classId: null, className: '' };
    const value = await this.pixels.read(col, row).catch(() => null);
    return { ...base, ...this.describe(col, row, value) };
  }

  /** Closes the file the inspector reads. */
  close(): Promise<void> {
    return this.pixels.close();
  }

  protected abstract describe(col: number, row: number, value: number | null): MaskValue;
}

/** Schema classes 0-4. */
export class ClassLayer extends MaskLayerBase {
  readonly kind = 'classes';

  constructor(
    info: MaskLayerInfo,
    grid: Grid,
    readonly classes: PyramidLevel<Uint8Array>[],
    pixels: PixelReader,
    step: number,
  ) {
    super(info, grid, pixels, step);
  }

  render(z: number, x: number, y: number, style: MaskStyle): Promise<Uint8Array | null> {
    const map = mapTile(z, x, y, this.grid, this.step);
    if (!map) return Promise.resolve(null);
    const rgba = new Uint8Array(N * 4);
    let any = false;
    const palette = classPalette(style);
    const cls = sampleLevels(this.classes, map);
    for (let i = 0; i < N; i++) {
      const c = cls[i] as number;
      if (c < 0 || palette[c * 4 + 3] === 0) continue;
      rgba.set(palette.subarray(c * 4, c * 4 + 4), i * 4);
      any = true;
    }
    return Promise.resolve(any ? rgba : null);
  }

  protected describe(col: number, row: number, value: number | null): MaskValue {
    const c = this.classes[0]!.data[row * this.grid.width + col] as number;
    return { value: value ?? c, classId: c, className: CLASS_NAMES[c as MaskClassValue] ?? `class ${c}` };
  }
}

/** Values 0..1 drawn with PROBABILITY_RAMP. */
export class ProbabilityLayer extends MaskLayerBase {
  readonly kind = 'probability';

  constructor(
    info: MaskLayerInfo,
    grid: Grid,
    readonly probability: PyramidLevel<Float32Array>[],
    pixels: PixelReader,
    step: number,
  ) {
    super(info, grid, pixels, step);
  }

  render(z: number, x: number, y: number, style: MaskStyle): Promise<Uint8Array | null> {
    const map = mapTile(z, x, y, this.grid, this.step);
    if (!map) return Promise.resolve(null);
    const rgba = new Uint8Array(N * 4);
    let any = false;
    const floor = style.minProbability ?? 0;
    const levels = this.probability;
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
    return Promise.resolve(any ? rgba : null);
  }

  protected describe(col: number, row: number, value: number | null): MaskValue {
    const p = this.probability[0]!.data[row * this.grid.width + col] as number;
    return { value, classId: null, className: '', probability: p === p ? p : null };
  }
}

export type MaskLayer = ClassLayer | ProbabilityLayer;

/** The scene a layer is added to: its id, info and open product. */
export interface MaskLayerScene {
  id: string;
  info: SceneInfo;
  product: Product;
}

/**
 * Reads a mask source into a layer: a probability raster (scaled to 0..1 from its guessed
 * range), a mask file through its adapter, or one of the product's own masks.
 */
export async function loadMaskLayer(
  id: string,
  scene: MaskLayerScene,
  src: MaskSource,
  opts: { step: number; openTiff?: TiffOpener },
): Promise<MaskLayer> {
  const tiffReader = (path: string): PixelReader => new TiffPixelReader(path, opts.openTiff);
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
    const info = layerInfo(id, scene, {
      name: src.name ?? basename(src.path),
      kind: 'probability',
      source: `probability (0..${max})`,
      file: src.path,
      path: src.path,
      grid: band.grid,
      classes: [],
      unmapped: {},
    });
    info.probability = {
      scale: scale === 'binary' ? 'binary 0/1' : `0..${max}`,
      min: n ? lo : NaN,
      max: n ? hi : NaN,
      mean: n ? sum / n : NaN,
    };
    const pyramid = buildProbabilityPyramid(values, band.grid);
    return new ProbabilityLayer(info, band.grid, pyramid, tiffReader(src.path), opts.step);
  }
  let mask: SchemaMask;
  let pixels: PixelReader;
  if (src.kind === 'file') {
    mask = await loadMask(src.path, {
      ...(src.adapter === undefined ? {} : { adapter: src.adapter as AdapterId }),
      ...(src.crs === undefined ? {} : { crs: src.crs }),
    });
    pixels = /\.tiff?$/i.test(src.path) ? tiffReader(src.path) : NO_PIXELS;
  } else {
    if (!scene.info.productMasks.includes(src.mask)) {
      throw new S2Error(
        'MISSING_FILE',
        `${scene.info.productName} has no ${src.mask.toUpperCase()} mask (it has: ${scene.info.productMasks.join(', ') || 'none'}).`,
        { file: scene.product.sourcePath },
      );
    }
    mask = await loadMask(scene.product.sourcePath, { adapter: src.mask, product: scene.product });
    pixels = productPixelReader(scene.product, src.mask, mask.grid);
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
  const info = layerInfo(id, scene, {
    name: src.name ?? (src.kind === 'file' ? basename(src.path) : mask.source),
    kind: 'classes',
    source: mask.source,
    file: mask.file,
    ...(src.kind === 'file' ? { path: src.path } : {}),
    grid: mask.grid,
    classes,
    unmapped: mask.unmapped,
  });
  return new ClassLayer(info, mask.grid, buildClassPyramid(mask.data, mask.grid), pixels, opts.step);
}

function layerInfo(
  id: string,
  scene: MaskLayerScene,
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

/** Class per tile pixel from a class pyramid (-1 outside the mask). */
export function sampleLevels(levels: PyramidLevel<Uint8Array>[], map: TileMapping): Int16Array {
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
