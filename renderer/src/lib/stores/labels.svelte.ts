/**
 * Labelling the open product (issue 16): the mode, the class and tool in hand, the product's
 * labels as the main process stored them, suggestions of where to label next, and teaching. The
 * store owns the `labels.*` calls; every change comes back as the whole label set, so what the
 * map draws is what the file holds. Other stores follow the labels through `onChange` (the
 * metrics rescore), never the other way round.
 */
import type {
  LabelClass,
  LabelDto,
  LabelGeometryDto,
  LabelSetDto,
  SuggestResultDto,
  TeachResultDto,
} from '../../../../electron/api/contract';
import { MAP_CLASS_COLOURS } from '../../../../electron/shared/palette';
import { errorText, invoke } from '../api';
import { models } from './models.svelte';
import { runs } from './runs.svelte';
import { scene } from './scene.svelte';
import { view } from './view.svelte';

export type LabelTool = 'brush' | 'polygon' | 'point';

export interface LabelClassInfo {
  cls: LabelClass;
  name: string;
  /** The key that picks it while labelling (1-9 stay the layer keys). */
  key: string;
  colour: [number, number, number];
}

/** The five classes, in the order of the toolbar, with their keys. */
export const LABEL_CLASSES: readonly LabelClassInfo[] = [
  { cls: 1, name: 'clear', key: 'L', colour: MAP_CLASS_COLOURS[1] },
  { cls: 2, name: 'cloud', key: 'C', colour: MAP_CLASS_COLOURS[2] },
  { cls: 3, name: 'semi-transparent', key: 'T', colour: MAP_CLASS_COLOURS[3] },
  { cls: 4, name: 'cloud shadow', key: 'H', colour: MAP_CLASS_COLOURS[4] },
  // Ignore takes pixels out of scoring and teaching: grey, visibly "not a class".
  { cls: 0, name: 'ignore', key: 'I', colour: [158, 158, 158] },
];

/** The CSS colour of a label class on the map. */
export function labelColour(cls: number): string {
  const c = LABEL_CLASSES.find((x) => x.cls === cls)?.colour ?? [255, 255, 255];
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

export const LABEL_TOOLS: ReadonlyArray<{ tool: LabelTool; name: string; key: string }> = [
  { tool: 'brush', name: 'Brush', key: 'B' },
  { tool: 'polygon', name: 'Polygon', key: 'P' },
  { tool: 'point', name: 'Point', key: 'O' },
];

export const BRUSH_MIN = 2;
export const BRUSH_MAX = 80;

type ChangeListener = (set: LabelSetDto) => void;

class LabelsStore {
  /** Labelling mode: the map paints labels instead of inspecting pixels. */
  active = $state(false);
  cls = $state<LabelClass>(2);
  tool = $state<LabelTool>('brush');
  /** Brush radius in screen pixels (at the zoom one paints at). */
  brushSize = $state(12);
  visible = $state(true);
  /** The open product's labels as stored; replaced whole by every answer. */
  set = $state.raw<LabelSetDto | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);

  suggestions = $state.raw<SuggestResultDto | null>(null);
  /** Index of the place shown (-1: none yet). */
  place = $state(-1);
  suggesting = $state(false);

  teachName = $state('');
  taught = $state.raw<TeachResultDto | null>(null);
  teaching = $state(false);
  teachError = $state<string | null>(null);

  private listeners = new Set<ChangeListener>();

  constructor() {
    scene.onOpen((opened) => void this.load(opened.map.sceneId));
  }

  /** Called after every change of the label set (added, undone, redone; not on load). */
  onChange(fn: ChangeListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get count(): number {
    return this.set?.labels.length ?? 0;
  }

  /** Labels per class value. */
  get counts(): Record<number, number> {
    const out: Record<number, number> = { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0 };
    for (const l of this.set?.labels ?? []) out[l.cls] = (out[l.cls] ?? 0) + 1;
    return out;
  }

  /** The labels for the map, each with its class and colour. */
  get geojson(): GeoJSON.FeatureCollection {
    return {
      type: 'FeatureCollection',
      features: (this.set?.labels ?? []).map((l) => ({
        type: 'Feature',
        geometry: l.geometry as GeoJSON.Geometry,
        properties: { cls: l.cls },
      })),
    };
  }

  get currentPlace(): SuggestResultDto['places'][number] | null {
    return this.suggestions?.places[this.place] ?? null;
  }

  /** A new product: its own labels, no suggestions or teaching of the old one. */
  async load(sceneId: string): Promise<void> {
    this.set = null;
    this.suggestions = null;
    this.place = -1;
    this.taught = null;
    this.error = null;
    this.teachError = null;
    try {
      const set = await invoke('labels.load', { sceneId });
      if (scene.id === sceneId) this.set = set;
    } catch (err) {
      this.error = errorText(err);
    }
  }

  /** Keeps the labels in a .gpkg the user chose (its labels, when it has some, are read). */
  async useFile(path: string): Promise<void> {
    const sceneId = scene.id;
    if (!sceneId || !path.trim()) return;
    this.error = null;
    try {
      const set = await invoke('labels.load', { sceneId, file: path.trim() });
      if (scene.id !== sceneId) return;
      this.set = set;
      for (const fn of this.listeners) fn(set);
    } catch (err) {
      this.error = errorText(err);
    }
  }

  toggle(on = !this.active): void {
    this.active = on;
    // The inspector sits where the tools go, and clicks no longer feed it.
    if (on) scene.inspect = null;
    view.status = on
      ? `Labelling on (tools at the map's top left). Keys: ${LABEL_CLASSES.map((c) => `${c.key} ${c.name}`).join(', ')}; Ctrl+Z undo.`
      : 'Labelling off: clicks inspect pixels again.';
  }

  className(cls: LabelClass): string {
    return LABEL_CLASSES.find((c) => c.cls === cls)?.name ?? String(cls);
  }

  setBrush(px: number): void {
    this.brushSize = Math.round(Math.min(BRUSH_MAX, Math.max(BRUSH_MIN, px)));
  }

  addPoint(lon: number, lat: number): Promise<void> {
    return this.add({ type: 'Point', coordinates: [lon, lat] });
  }

  addPolygon(rings: Array<Array<[number, number]>>): Promise<void> {
    return this.add({ type: 'Polygon', coordinates: rings });
  }

  async add(geometry: LabelGeometryDto): Promise<void> {
    const label: LabelDto = { cls: this.cls, geometry };
    await this.apply(() => invoke('labels.add', { sceneId: scene.id!, label }));
  }

  undo(): Promise<void> {
    return this.apply(() => invoke('labels.undo', { sceneId: scene.id! }));
  }

  redo(): Promise<void> {
    return this.apply(() => invoke('labels.redo', { sceneId: scene.id! }));
  }

  /** Suggests places on the open product, questioning the mask of the last run (else the default model's). */
  async suggest(): Promise<void> {
    const sceneId = scene.id;
    if (!sceneId) return;
    this.suggesting = true;
    this.error = null;
    try {
      const last = runs.last?.modelId;
      const modelId = last && !/fmask/i.test(last) ? last : undefined;
      const r = await invoke('labels.suggest', { sceneId, ...(modelId ? { modelId } : {}) });
      if (scene.id !== sceneId) return;
      this.suggestions = r;
      this.place = -1;
      view.status = `${r.places.length} places to label, where ${r.modelId}'s mask is least certain (${r.seconds.toFixed(1)} s). N: next place, Shift+N: previous.`;
      if (r.places.length > 0) this.go(0);
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.suggesting = false;
    }
  }

  /** Moves to the next (+1) or previous (-1) suggested place, wrapping around. */
  step(delta: number): void {
    const n = this.suggestions?.places.length ?? 0;
    if (n === 0) return;
    this.go((((this.place + delta) % n) + n) % n);
  }

  go(i: number): void {
    const p = this.suggestions?.places[i];
    if (!p) return;
    this.place = i;
    // About 600 m across: close enough to see what the pixel is, wide enough for its context.
    const dLat = 0.0027;
    const dLon = dLat / Math.max(0.2, Math.cos((p.lat * Math.PI) / 180));
    view.fit([p.lon - dLon, p.lat - dLat, p.lon + dLon, p.lat + dLat]);
  }

  /** Refits the default model's fused decision on these labels under the name typed. */
  async teach(): Promise<void> {
    const sceneId = scene.id;
    if (!sceneId) return;
    this.teaching = true;
    this.teachError = null;
    this.taught = null;
    try {
      const r = await invoke('labels.teach', { sceneId, name: this.teachName.trim() });
      this.taught = r;
      view.status = `${r.modelId} written: ${r.verdict}`;
      // The Run panel offers it at once.
      await models.load();
    } catch (err) {
      this.teachError = errorText(err);
    } finally {
      this.teaching = false;
    }
  }

  /** The taught model in the Run panel, chosen. */
  useTaught(): void {
    if (!this.taught) return;
    runs.modelId = this.taught.modelId;
    view.showPanel('run');
  }

  private async apply(call: () => Promise<LabelSetDto>): Promise<void> {
    const sceneId = scene.id;
    if (!sceneId) return;
    this.busy = true;
    this.error = null;
    try {
      const set = await call();
      if (scene.id !== sceneId) return;
      this.set = set;
      for (const fn of this.listeners) fn(set);
    } catch (err) {
      this.error = errorText(err);
      view.fail(err);
    } finally {
      this.busy = false;
    }
  }
}

export const labels = new LabelsStore();
