/**
 * The screen itself: the panel shown, the compare mode and its panes, the splitter, requests to
 * fit the map, the cursor, and what the app says (the status line, the error over the map, the
 * banner closed). No data of the product lives here; the layout is saved through the settings.
 */
import { errorText } from '../api';
import { rememberSingleCamera, restoreSingleCamera } from '../sync';
import { settings } from './settings.svelte';

export type CompareMode = 'single' | 'swipe' | 'side';
export type PanelId = 'scene' | 'run' | 'label' | 'metrics' | 'models' | 'batch';

export interface CompareState {
  mode: CompareMode;
  /** Where the swipe divider is, as a share of the map's width. */
  swipe: number;
  /** Maps side by side (2 to 4). */
  panes: number;
  /** Layer ids shown by each extra pane (the swipe's right side is pane 0). */
  other: string[][];
}

export interface Cursor {
  lon: number;
  lat: number;
  zoom: number;
  metresPerPixel: number;
}

export type Bounds = [number, number, number, number];

const MODES: readonly CompareMode[] = ['single', 'swipe', 'side'];

class ViewStore {
  panel = $state<PanelId>('scene');
  compare = $state<CompareState>({ mode: 'single', swipe: 0.5, panes: 2, other: [[], [], []] });
  /** Width of the right-hand panel in CSS pixels (the splitter; kept in the settings). */
  rightWidth = $state(420);
  /** Bumped to ask the maps to fit the scene (or `fitTarget` when set). */
  fitRequest = $state(0);
  fitTarget = $state<Bounds | null>(null);
  cursor = $state<Cursor | null>(null);
  status = $state('');
  error = $state<string | null>(null);
  /** The map's problem banner was closed for this scene. */
  bannerClosed = $state(false);

  /** Takes the saved panel and splitter width (the compare mode always starts single). */
  applyLayout(layout: Record<string, unknown>): void {
    const { panel, rightWidth } = layout as { panel?: PanelId; rightWidth?: number };
    if (panel) this.panel = panel;
    if (typeof rightWidth === 'number') this.rightWidth = clampWidth(rightWidth);
  }

  fit(target: Bounds | null = null): void {
    this.fitTarget = target;
    this.fitRequest++;
  }

  /** Shows a failure over the map, in words. */
  fail(err: unknown): void {
    this.error = errorText(err);
  }

  showPanel(id: PanelId): void {
    this.panel = id;
    void this.saveLayout();
  }

  setMode(mode: CompareMode): void {
    // Side by side has smaller maps: the single map comes back at the camera it had before.
    if (mode === 'side' && this.compare.mode !== 'side') rememberSingleCamera();
    else if (mode !== 'side' && this.compare.mode === 'side') restoreSingleCamera();
    this.compare.mode = mode;
    void this.saveLayout();
  }

  /** Single → swipe → side by side → single (the S key). */
  nextMode(): void {
    this.setMode(MODES[(MODES.indexOf(this.compare.mode) + 1) % MODES.length]!);
  }

  /** Moves the swipe divider, never quite to an edge (it must stay grabbable). */
  setSwipe(share: number): void {
    this.compare.swipe = Math.min(0.98, Math.max(0.02, share));
  }

  /** The layer shown by an extra pane ('' = the image only). */
  setPane(i: number, layerId: string): void {
    const next = this.compare.other.map((x) => [...x]);
    next[i] = layerId ? [layerId] : [];
    this.compare.other = next;
  }

  /** A new product: no pane shows a layer of the old one. */
  clearPanes(): void {
    this.compare.other = [[], [], []];
  }

  setRightWidth(px: number): void {
    this.rightWidth = clampWidth(px);
  }

  saveLayout(): Promise<void> {
    return settings.remember({
      layout: { panel: this.panel, compare: this.compare.mode, rightWidth: Math.round(this.rightWidth) },
    });
  }
}

/** The right panel keeps room for its tables and leaves room for the map. */
function clampWidth(px: number): number {
  const max = typeof window === 'undefined' ? 900 : Math.max(320, window.innerWidth - 560);
  return Math.round(Math.min(max, Math.max(320, px)));
}

export const view = new ViewStore();
