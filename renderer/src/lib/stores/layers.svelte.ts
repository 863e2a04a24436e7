/**
 * The layer stack of the open product, bottom first: the image with its bands and stretch, masks
 * and probabilities, differences of two masks and vector references. The store owns the calls that
 * add or restyle a layer (`map.addMask`, `map.addVector`, `map.stretch`) and the `tiles.failed`
 * events (a layer that cannot be drawn is named in the status line); components read and call.
 */
import type { MaskLayerDto, MaskSourceDto, Rgb, SceneView } from '../../../../electron/api/contract';
import { boxesOverlap, placeName } from '../../../../electron/shared/place';
import { PRESETS, type PresetId } from '../../../../electron/shared/presets';
import { invoke, on } from '../api';
import { shortPaths } from '../format';
import { scene } from './scene.svelte';
import { view } from './view.svelte';

export interface LayerBase {
  id: string;
  name: string;
  visible: boolean;
  opacity: number;
}

export interface ImageLayer extends LayerBase {
  kind: 'image';
  preset: string;
  bands: [string, string, string];
  min: Rgb;
  max: Rgb;
  gamma: number;
}

export interface ClassState {
  id: number;
  name: string;
  colour: Rgb;
  count: number;
  visible: boolean;
}

export interface MaskLayer extends LayerBase {
  kind: 'mask' | 'probability';
  layerId: string;
  path?: string;
  /** The adapter the file was read with, when one was chosen (the metrics read it the same way). */
  adapter?: string;
  classes: ClassState[];
}

export interface DifferenceLayer extends LayerBase {
  kind: 'difference';
  /** The mask under test and the reference (server layer ids). */
  a: string;
  b: string;
}

export interface VectorLayer extends LayerBase {
  kind: 'vector';
  path: string;
  geojson: { type: 'FeatureCollection'; features: unknown[] };
  classes: ClassState[];
}

export type Layer = ImageLayer | MaskLayer | DifferenceLayer | VectorLayer;

/** What a file picked in the layer panel is added as. */
export type FileLayerKind = 'mask' | 'probability' | 'vector';

class LayersStore {
  /** Bottom first (the image), top last. */
  list = $state<Layer[]>([]);
  selected = $state<string | null>(null);
  private started = false;

  constructor() {
    // A new product starts with its image alone.
    scene.onOpen((opened) => this.reset(opened));
  }

  /** Subscribes to the tile failures for the whole session (once). */
  init(): void {
    if (this.started) return;
    this.started = true;
    on('tiles.failed', (f) => this.tileFailed(f.layer, f.message));
  }

  /** The layer the panel shows the properties of. */
  get selectedLayer(): Layer | null {
    return this.list.find((l) => l.id === this.selected) ?? null;
  }

  /** Masks and probabilities (what differences, metrics and the inspector work with). */
  maskLayers(): MaskLayer[] {
    return this.list.filter((l): l is MaskLayer => l.kind === 'mask' || l.kind === 'probability');
  }

  /** The image layer of a product just opened, in true colour with the product's own stretch. */
  reset(opened: SceneView): void {
    const stretch = opened.map.stretches['true-colour'];
    const image: ImageLayer = {
      id: 'image',
      kind: 'image',
      name: 'Image',
      visible: true,
      opacity: 1,
      preset: 'true-colour',
      bands: stretch?.bands ?? ['B04', 'B03', 'B02'],
      min: stretch?.min ?? [0, 0, 0],
      max: stretch?.max ?? [0.3, 0.3, 0.3],
      gamma: 1,
    };
    this.list = [image];
    this.selected = 'image';
  }

  /** A tile reason from the server: shown once in the status bar and listed in the map's banner. */
  tileFailed(layer: string, message: string): void {
    if (!scene.addTileFailure(layer, message)) return;
    const name = this.maskLayers().find((l) => l.layerId === layer)?.name;
    view.status = `Tiles of ${name ?? 'the image'} cannot be drawn: ${shortPaths(message)}`;
  }

  async addMask(source: MaskSourceDto): Promise<MaskLayer | null> {
    const sceneId = scene.id;
    if (!sceneId) return null;
    view.error = null;
    try {
      const dto = await invoke('map.addMask', { sceneId, source });
      return this.pushMask(dto, source.kind === 'file' ? source.adapter : undefined);
    } catch (err) {
      view.fail(err);
      return null;
    }
  }

  /** A file picked in the layer panel: a mask (read with `adapter`, or guessed), a probability or a vector. */
  async addFile(kind: FileLayerKind, path: string, adapter = ''): Promise<void> {
    if (kind === 'vector') return this.addVector(path);
    await this.addMask(
      kind === 'probability'
        ? { kind: 'probability', path }
        : adapter
          ? { kind: 'file', path, adapter }
          : { kind: 'file', path },
    );
  }

  pushMask(dto: MaskLayerDto, adapter?: string): MaskLayer {
    const layer: MaskLayer = {
      id: dto.layerId,
      kind: dto.kind === 'probability' ? 'probability' : 'mask',
      layerId: dto.layerId,
      name: dto.name,
      visible: true,
      opacity: 0.6,
      // No data and clear are hidden at first: the clouds and shadows are what one looks at.
      classes: dto.classes.map((c) => ({ ...c, visible: c.id !== 0 && c.id !== 1 })),
      ...(dto.path ? { path: dto.path } : {}),
      ...(adapter ? { adapter } : {}),
    };
    this.list = [...this.list.filter((l) => l.id !== layer.id), layer];
    this.selected = layer.id;
    return layer;
  }

  async addVector(path: string): Promise<void> {
    view.error = null;
    try {
      const dto = await invoke('map.addVector', { path });
      const map = scene.current?.map;
      if (map && dto.bounds && !boxesOverlap(dto.bounds, map.bounds)) {
        // Drawn where it lies, the layer would be off screen: refuse it, and say where it is.
        view.error = `${dto.name} does not overlap ${map.productName}: its features lie near ${placeName(dto.bounds)}, the scene near ${placeName(map.bounds)}.`;
        return;
      }
      const layer: VectorLayer = {
        id: dto.layerId,
        kind: 'vector',
        name: dto.name,
        visible: true,
        opacity: 0.9,
        path: dto.path,
        geojson: dto.geojson,
        classes: dto.classes.map((c) => ({ ...c, visible: true })),
      };
      this.list = [...this.list, layer];
      this.selected = layer.id;
      view.status = `${dto.name}: ${dto.geojson.features.length} feature(s).`;
      if (dto.bounds) view.fit(dto.bounds);
    } catch (err) {
      view.fail(err);
    }
  }

  /** Opens a product (a batch output's) and puts one of its masks on the map. */
  async openWithMask(product: string, mask: string): Promise<void> {
    await scene.open(product);
    await this.addMask({ kind: 'file', path: mask });
  }

  addDifference(a: MaskLayer, b: MaskLayer): void {
    const layer: DifferenceLayer = {
      id: `diff:${a.layerId}:${b.layerId}`,
      kind: 'difference',
      name: `${a.name} vs ${b.name}`,
      visible: true,
      opacity: 0.8,
      a: a.layerId,
      b: b.layerId,
    };
    this.list = [...this.list.filter((l) => l.id !== layer.id), layer];
    this.selected = layer.id;
  }

  /** The difference of two mask layers chosen by id (nothing when either is gone). */
  addDifferenceOf(aId: string, bId: string): void {
    const a = this.maskLayers().find((m) => m.id === aId);
    const b = this.maskLayers().find((m) => m.id === bId);
    if (a && b) this.addDifference(a, b);
  }

  removeLayer(id: string): void {
    // The image is the map's base: it can be hidden, not removed.
    if (id === 'image') return;
    this.list = this.list.filter((l) => l.id !== id);
    if (this.selected === id) this.selected = this.list.at(-1)?.id ?? null;
  }

  /** Moves a layer up (+1) or down (-1) the stack. */
  moveLayer(id: string, delta: number): void {
    const i = this.list.findIndex((l) => l.id === id);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= this.list.length) return;
    const next = [...this.list];
    [next[i], next[j]] = [next[j]!, next[i]!];
    this.list = next;
  }

  toggleLayer(index: number): void {
    const layer = this.list[index];
    if (layer) layer.visible = !layer.visible;
  }

  /** Keys 1-9 follow the panel's order: 1 is the top of the stack. */
  toggleByKey(n: number): void {
    this.toggleLayer(this.list.length - n);
  }

  /** A band combination from the presets: the product's own stretch when it has one, else a new one. */
  setPreset(layer: ImageLayer, id: string): void {
    layer.preset = id;
    const p = PRESETS[id as PresetId] as (typeof PRESETS)[PresetId] | undefined;
    if (!p) return;
    const s = scene.current?.map.stretches[id];
    layer.bands = [...p.bands];
    if (s) {
      layer.min = [...s.min];
      layer.max = [...s.max];
    } else void this.restretch(layer);
  }

  /** The 2–98 % stretch of the layer's bands, computed by the main process. */
  async restretch(layer: ImageLayer): Promise<void> {
    const sceneId = scene.id;
    if (!sceneId) return;
    try {
      const s = await invoke('map.stretch', { sceneId, bands: layer.bands });
      layer.min = s.min;
      layer.max = s.max;
    } catch (err) {
      view.fail(err);
    }
  }
}

export const layers = new LayersStore();
