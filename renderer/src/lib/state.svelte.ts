/** The application's state: the open scene, the layer stack, the compare mode and the panels. */
import type {
  AppInfo,
  InspectDto,
  MaskLayerDto,
  MaskSourceDto,
  Rgb,
  SceneView,
  SettingsDto,
} from '../../../electron/api/contract';
import { boxesOverlap, placeName } from '../../../electron/shared/place';
import { errorText, invoke, on } from './api';
import { shortPaths } from './format';
import { rememberSingleCamera, restoreSingleCamera } from './sync';

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

export type CompareMode = 'single' | 'swipe' | 'side';
export type PanelId = 'scene' | 'run' | 'metrics' | 'models' | 'batch';

class AppState {
  info = $state<AppInfo | null>(null);
  scene = $state<SceneView | null>(null);
  layers = $state<Layer[]>([]);
  selected = $state<string | null>(null);
  compare = $state<{ mode: CompareMode; swipe: number; panes: number; other: string[][] }>({
    mode: 'single',
    swipe: 0.5,
    panes: 2,
    other: [[], [], []],
  });
  panel = $state<PanelId>('scene');
  inspect = $state<InspectDto | null>(null);
  cursor = $state<{ lon: number; lat: number; zoom: number; metresPerPixel: number } | null>(null);
  status = $state('');
  error = $state<string | null>(null);
  busy = $state(false);
  settings = $state<SettingsDto | null>(null);
  /** Bumped to ask the maps to fit the scene (or `fitTarget` when set). */
  fitRequest = $state(0);
  fitTarget = $state<[number, number, number, number] | null>(null);
  /** Why tiles of the open scene cannot be drawn: each reason once (the server sends it once per layer). */
  tileFailures = $state<string[]>([]);
  /** The map's problem banner was closed for this scene. */
  bannerClosed = $state(false);
  /** Width of the right-hand panel in CSS pixels (the splitter; kept in the settings). */
  rightWidth = $state(420);

  fit(target: [number, number, number, number] | null = null): void {
    this.fitTarget = target;
    this.fitRequest++;
  }

  async init(): Promise<void> {
    try {
      this.info = await invoke('app.info', {});
      this.settings = await invoke('settings.get', {});
      const layout = this.settings.layout as { panel?: PanelId; compare?: CompareMode; rightWidth?: number };
      if (layout.panel) this.panel = layout.panel;
      if (typeof layout.rightWidth === 'number') this.rightWidth = clampWidth(layout.rightWidth);
      on('tiles.failed', (f) => this.tileFailed(f.layer, f.message));
    } catch (err) {
      this.fail(err);
    }
  }

  fail(err: unknown): void {
    this.error = errorText(err);
    this.busy = false;
  }

  /**
   * Opens a product. The previous scene stays open (and on screen) until the new one has opened,
   * so a product that fails to open leaves the app as it was. Opening the product that is already
   * open keeps its layers.
   */
  async openScene(path: string): Promise<void> {
    const previous = this.scene;
    if (previous && previous.entry.path === path) {
      this.fit();
      this.status = `${previous.map.productName} is already open; its layers are kept.`;
      return;
    }
    this.busy = true;
    this.error = null;
    this.status = `Opening ${path}…`;
    try {
      const view = await invoke('scene.open', { path });
      if (previous) await invoke('scene.close', { sceneId: previous.map.sceneId }).catch(() => null);
      this.scene = view;
      this.inspect = null;
      this.tileFailures = [];
      this.bannerClosed = false;
      const stretch = view.map.stretches['true-colour'];
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
      this.layers = [image];
      this.selected = 'image';
      this.compare.other = [[], [], []];
      this.fit();
      const problems = view.map.warnings.length;
      this.status = `${view.map.productName} opened${problems ? `, with ${problems} warning${problems > 1 ? 's' : ''} (Scene panel)` : ''}.`;
      this.settings = await invoke('settings.update', {
        patch: {},
        recent: { path, name: view.map.productName },
      });
    } catch (err) {
      this.fail(err);
      this.status = previous ? `${previous.map.productName} is still open.` : '';
    } finally {
      this.busy = false;
    }
  }

  /** Opens the small real product that ships with the app. */
  async openSample(): Promise<void> {
    if (this.info?.sample) await this.openScene(this.info.sample);
  }

  /** A tile reason from the server: shown once in the status bar and listed in the map's banner. */
  tileFailed(layer: string, message: string): void {
    const id = this.scene?.map.sceneId;
    if (!id || !(layer === id || layer.startsWith(`${id}/`))) return;
    if (this.tileFailures.includes(message)) return;
    this.tileFailures = [...this.tileFailures, message];
    const name = this.maskLayers().find((l) => l.layerId === layer)?.name;
    this.status = `Tiles of ${name ?? 'the image'} cannot be drawn: ${shortPaths(message)}`;
  }

  /** Read errors (band files, tiles) of the open scene: what the map's banner says. */
  readProblems(): string[] {
    // The map's warnings repeat the product's own (its XML); those are warnings, not read errors.
    const own = new Set(this.scene?.entry.ok ? this.scene.entry.warnings : []);
    const read = (this.scene?.map.warnings ?? []).filter((w) => !own.has(w));
    return [...new Set([...read, ...this.tileFailures])];
  }

  setRightWidth(px: number): void {
    this.rightWidth = clampWidth(px);
  }

  async addMask(source: MaskSourceDto): Promise<MaskLayer | null> {
    if (!this.scene) return null;
    this.error = null;
    try {
      const dto = await invoke('map.addMask', { sceneId: this.scene.map.sceneId, source });
      return this.pushMask(dto, source.kind === 'file' ? source.adapter : undefined);
    } catch (err) {
      this.fail(err);
      return null;
    }
  }

  pushMask(dto: MaskLayerDto, adapter?: string): MaskLayer {
    const layer: MaskLayer = {
      id: dto.layerId,
      kind: dto.kind === 'probability' ? 'probability' : 'mask',
      layerId: dto.layerId,
      name: dto.name,
      visible: true,
      opacity: 0.6,
      classes: dto.classes.map((c) => ({ ...c, visible: c.id !== 0 && c.id !== 1 })),
      ...(dto.path ? { path: dto.path } : {}),
      ...(adapter ? { adapter } : {}),
    };
    this.layers = [...this.layers.filter((l) => l.id !== layer.id), layer];
    this.selected = layer.id;
    return layer;
  }

  async addVector(path: string): Promise<void> {
    this.error = null;
    try {
      const dto = await invoke('map.addVector', { path });
      const scene = this.scene?.map;
      if (scene && dto.bounds && !boxesOverlap(dto.bounds, scene.bounds)) {
        // Drawn where it lies, the layer would be off screen: refuse it, and say where it is.
        this.error = `${dto.name} does not overlap ${scene.productName}: its features lie near ${placeName(dto.bounds)}, the scene near ${placeName(scene.bounds)}.`;
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
      this.layers = [...this.layers, layer];
      this.selected = layer.id;
      this.status = `${dto.name}: ${dto.geojson.features.length} feature(s).`;
      if (dto.bounds) this.fit(dto.bounds);
    } catch (err) {
      this.fail(err);
    }
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
    this.layers = [...this.layers.filter((l) => l.id !== layer.id), layer];
    this.selected = layer.id;
  }

  removeLayer(id: string): void {
    if (id === 'image') return;
    this.layers = this.layers.filter((l) => l.id !== id);
    if (this.selected === id) this.selected = this.layers.at(-1)?.id ?? null;
  }

  moveLayer(id: string, delta: number): void {
    const i = this.layers.findIndex((l) => l.id === id);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= this.layers.length) return;
    const next = [...this.layers];
    [next[i], next[j]] = [next[j]!, next[i]!];
    this.layers = next;
  }

  toggleLayer(index: number): void {
    const layer = this.layers[index];
    if (layer) layer.visible = !layer.visible;
  }

  maskLayers(): MaskLayer[] {
    return this.layers.filter((l): l is MaskLayer => l.kind === 'mask' || l.kind === 'probability');
  }

  setMode(mode: CompareMode): void {
    if (mode === 'side' && this.compare.mode !== 'side') rememberSingleCamera();
    else if (mode !== 'side' && this.compare.mode === 'side') restoreSingleCamera();
    this.compare.mode = mode;
    void this.saveLayout();
  }

  async saveLayout(): Promise<void> {
    try {
      this.settings = await invoke('settings.update', {
        patch: {
          layout: { panel: this.panel, compare: this.compare.mode, rightWidth: Math.round(this.rightWidth) },
        },
      });
    } catch {
      // Layout is a convenience: never bother the user with it.
    }
  }
}

/** The right panel keeps room for its tables and leaves room for the map. */
function clampWidth(px: number): number {
  const max = typeof window === 'undefined' ? 900 : Math.max(320, window.innerWidth - 560);
  return Math.round(Math.min(max, Math.max(320, px)));
}

export const app = new AppState();
