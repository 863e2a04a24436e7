/**
 * The open product: opening (and closing the one before), the sample, the problems met reading it
 * and the pixel inspector. The layer stack follows the product through `onOpen` (the layers store
 * depends on this one, never the other way round).
 */
import type { InspectDto, SceneView } from '../../../../electron/api/contract';
import { invoke } from '../api';
import { settings } from './settings.svelte';
import { view } from './view.svelte';

type OpenListener = (scene: SceneView) => void;

class SceneStore {
  current = $state<SceneView | null>(null);
  /** A product is being opened. */
  busy = $state(false);
  /** The values under the last click on the map. */
  inspect = $state<InspectDto | null>(null);
  /** Why tiles of the open scene cannot be drawn: each reason once (the server sends it once per layer). */
  tileFailures = $state<string[]>([]);
  private listeners = new Set<OpenListener>();

  /** The open scene's id, for the calls that draw or read it. */
  get id(): string | null {
    return this.current?.map.sceneId ?? null;
  }

  /** The open product's path, when it opened well (runs and metrics read it). */
  get productPath(): string | null {
    return this.current?.entry.ok ? this.current.entry.path : null;
  }

  /** Called after each product that opens (not when the same one is asked for again). */
  onOpen(fn: OpenListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Opens a product. The previous scene stays open (and on screen) until the new one has opened,
   * so a product that fails to open leaves the app as it was. Opening the product that is already
   * open keeps its layers.
   */
  async open(path: string): Promise<void> {
    const previous = this.current;
    if (previous && previous.entry.path === path) {
      view.fit();
      view.status = `${previous.map.productName} is already open; its layers are kept.`;
      return;
    }
    this.busy = true;
    view.error = null;
    view.status = `Opening ${path}…`;
    try {
      const opened = await invoke('scene.open', { path });
      if (previous) await invoke('scene.close', { sceneId: previous.map.sceneId }).catch(() => null);
      this.current = opened;
      this.inspect = null;
      this.tileFailures = [];
      view.bannerClosed = false;
      view.clearPanes();
      for (const fn of this.listeners) fn(opened);
      view.fit();
      const problems = opened.map.warnings.length;
      view.status = `${opened.map.productName} opened${problems ? `, with ${problems} warning${problems > 1 ? 's' : ''} (Scene panel)` : ''}.`;
      await settings.update({}, { path, name: opened.map.productName });
    } catch (err) {
      view.fail(err);
      view.status = previous ? `${previous.map.productName} is still open.` : '';
    } finally {
      this.busy = false;
    }
  }

  /** Opens the small real product that ships with the app. */
  async openSample(): Promise<void> {
    const sample = settings.info?.sample;
    if (sample) await this.open(sample);
  }

  /**
   * A tile reason of this scene (the layer id is the scene's or starts with it), kept once.
   * Returns whether it was new, so the caller says it once.
   */
  addTileFailure(layer: string, message: string): boolean {
    const id = this.id;
    if (!id || !(layer === id || layer.startsWith(`${id}/`))) return false;
    if (this.tileFailures.includes(message)) return false;
    this.tileFailures = [...this.tileFailures, message];
    return true;
  }

  /** Read errors (band files, tiles) of the open scene: what the map's banner says. */
  readProblems(): string[] {
    // The map's warnings repeat the product's own (its XML); those are warnings, not read errors.
    const own = new Set(this.current?.entry.ok ? this.current.entry.warnings : []);
    const read = (this.current?.map.warnings ?? []).filter((w) => !own.has(w));
    return [...new Set([...read, ...this.tileFailures])];
  }

  /** The values of every band and mask under a point of the map. */
  async inspectAt(lon: number, lat: number): Promise<void> {
    const sceneId = this.id;
    if (!sceneId) return;
    try {
      this.inspect = await invoke('map.inspect', { sceneId, lon, lat });
    } catch (err) {
      view.fail(err);
    }
  }
}

export const scene = new SceneStore();
