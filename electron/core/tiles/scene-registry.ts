/**
 * Open scenes: what a product is as the map sees it (SceneInfo: bounds, zooms, bands, masks,
 * default stretches), its band files and its image layer, by scene id.
 */
import { S2Error } from '../errors.js';
import type { Grid } from '../raster/grid.js';
import { openProduct } from '../scene/index.js';
import { pickBandFile, productGrid, type ReflectanceBand } from '../scene/reflectance.js';
import type { Product } from '../scene/types.js';
import { BandSource, REFLECTANCE_BANDS, type BandSourceDeps } from './band-source.js';
import { gridBounds } from './bounds.js';
import { ImageLayer } from './image-layer.js';
import { mercatorPixelSize, TILE_SIZE } from './mercator.js';
import { PRESETS, type PresetId } from './style.js';
import type { LonLatPolygon, ProductMaskId, SceneInfo } from './types.js';

export interface OpenScene {
  id: string;
  product: Product;
  info: SceneInfo;
  grid10: Grid;
  bands: BandSource;
  image: ImageLayer;
  /** Ids of the mask layers added to this scene. */
  layers: Set<string>;
}

export class SceneRegistry {
  private readonly scenes = new Map<string, OpenScene>();
  private next = 1;

  constructor(private readonly deps: BandSourceDeps & { step: number }) {}

  /**
   * Opens a product and its default stretches. A preset whose band file is missing or broken is
   * left out with a warning; the scene opens without it.
   */
  async open(path: string, granule?: string): Promise<OpenScene> {
    const product = await openProduct(path, granule === undefined ? {} : { granule });
    const id = `scene-${this.next++}`;
    let scene: OpenScene | undefined;
    try {
      const grid10 = productGrid(product, 10);
      const info = describeScene(id, path, product, grid10);
      const bands = new BandSource(id, product, this.deps);
      const image = new ImageLayer(info, product, grid10, bands, this.deps.step);
      scene = { id, product, info, grid10, bands, image, layers: new Set() };
      this.scenes.set(id, scene);
      await addStretches(scene);
      return scene;
    } catch (err) {
      if (scene) await this.close(id);
      else await product.close().catch(() => {});
      throw err;
    }
  }

  get(id: string): OpenScene {
    const s = this.scenes.get(id);
    if (!s) throw new S2Error('INVALID_ARGUMENT', `No open scene ${id}.`, { details: { sceneId: id } });
    return s;
  }

  has(id: string): boolean {
    return this.scenes.has(id);
  }

  ids(): string[] {
    return [...this.scenes.keys()];
  }

  all(): OpenScene[] {
    return [...this.scenes.values()];
  }

  /** Forgets the scene and closes its band files and product; the caller drops its layers first. */
  async close(id: string): Promise<void> {
    const scene = this.scenes.get(id);
    if (!scene) return;
    this.scenes.delete(id);
    await scene.bands.close();
    await scene.product.close();
  }
}

/** The scene as the map sees it, without the stretches (addStretches computes them). */
function describeScene(id: string, path: string, product: Product, grid10: Grid): SceneInfo {
  const meta = product.metadata;
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
  return {
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
}

/** Fills `info.stretches` with the 2-98 % stretch of every preset the product has the bands of. */
async function addStretches(scene: OpenScene): Promise<void> {
  const { info } = scene;
  const names = new Set(scene.product.bands.map((b) => b.name));
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
      return scene.bands.stretch(bands).catch((err: unknown) => {
        if (!(err instanceof S2Error) || err.code === 'CANCELLED') throw err;
        info.warnings.push(`${PRESETS[p].label} is not available: ${err.message}`);
        return null;
      });
    }),
  );
  presetIds.forEach((p, i) => {
    const s = stretches[i];
    if (s) info.stretches[p] = { bands: [...PRESETS[p].bands], min: s.min, max: s.max, gamma: 1 };
  });
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
