/**
 * Runs of a model on the open product: the form's choices, the run in flight, its progress and its
 * result. The store owns the `run.*` calls and event subscriptions for the whole session, so a run
 * that finishes while another panel is shown still lands on the map (the Run panel only reads and
 * calls it, and may be unmounted at any time).
 */
import type { ModelDto, Resolution, RunSummaryDto } from '../../../../electron/api/contract';
import { errorText, invoke, on } from '../api';
import { layers } from './layers.svelte';
import { models } from './models.svelte';
import { scene } from './scene.svelte';
import { settings } from './settings.svelte';
import { view } from './view.svelte';

export interface RunProgressView {
  stage: string;
  fraction: number;
  eta?: number;
}

/** The built-in Fmask's model id in runs (it has no card). */
export const FMASK_ID = 'fmask';

class RunsStore {
  modelId = $state('');
  resolution = $state<'' | '10' | '20' | '60'>('');
  cloudOnly = $state(false);
  probabilities = $state(false);
  outDir = $state('');
  runId = $state<string | null>(null);
  progress = $state<RunProgressView | null>(null);
  last = $state<RunSummaryDto | null>(null);
  error = $state<string | null>(null);
  /** The product the run in flight was started on (its mask belongs to that scene only). */
  private runProduct: string | null = null;
  private started = false;

  /** Subscribes once for the whole session and loads the model list; later calls refresh the list. */
  init(): void {
    void this.loadModels();
    if (this.started) return;
    this.started = true;
    this.outDir = settings.current?.lastOutDir ?? '';
    on('run.progress', (p) => {
      if (p.runId !== this.runId) return;
      this.progress = {
        stage: p.stage,
        fraction: p.fraction,
        ...(p.etaSeconds !== undefined ? { eta: p.etaSeconds } : {}),
      };
    });
    on('run.finished', (f) => {
      if (f.runId !== this.runId) return;
      const product = this.runProduct;
      this.runId = null;
      this.runProduct = null;
      this.progress = null;
      if (f.ok && f.result) void this.landed(f.result, product);
      else if (f.cancelled) view.status = 'Run cancelled; nothing was written.';
      else if (f.error) this.error = f.error.message;
    });
  }

  /** Loads the catalogue (shared with the other panels) and picks a model if none is chosen. */
  async loadModels(): Promise<void> {
    await models.load();
    this.error ??= models.error;
    // Only a default: the user may have chosen while the list was loading.
    if (!this.modelId) this.modelId = settings.current?.lastModel ?? models.defaultId;
  }

  get selectedModel(): ModelDto | undefined {
    return models.list.find((m) => m.id === this.modelId);
  }

  async start(): Promise<void> {
    const entry = scene.current?.entry;
    if (!entry?.ok || this.runId) return;
    this.error = null;
    this.last = null;
    try {
      const r = await invoke('run.start', {
        product: entry.path,
        modelId: this.modelId,
        ...(this.resolution ? { resolution: Number(this.resolution) as Resolution } : {}),
        cloudOnly: this.cloudOnly,
        probabilities: this.probabilities,
        ...(this.outDir ? { outDir: this.outDir } : {}),
      });
      this.runId = r.runId;
      this.runProduct = entry.path;
      this.progress = { stage: 'starting', fraction: 0 };
      void settings.remember({
        lastModel: this.modelId,
        ...(this.outDir ? { lastOutDir: this.outDir } : {}),
      });
    } catch (err) {
      this.error = errorText(err);
    }
  }

  cancel(): void {
    if (this.runId) void invoke('run.cancel', { runId: this.runId });
  }

  /** A finished run: its summary, and its mask on the map when its product is still the open one. */
  private async landed(result: RunSummaryDto, product: string | null): Promise<void> {
    this.last = result;
    const open = scene.productPath;
    if (product !== open) {
      view.status = `Mask written for another product (not added to this map): ${result.classesOut}`;
      return;
    }
    view.status = `Mask written: ${result.classesOut}`;
    // The app's own COG: named as such, so nothing has to guess how to read it.
    const own = result.modelId !== FMASK_ID && !/fmask/i.test(result.modelId);
    await layers.addMask({
      kind: 'file',
      path: result.classesOut,
      name: `${result.modelId} ${result.resolution} m`,
      ...(own ? { adapter: 'studio' } : {}),
    });
    if (result.probabilitiesOut) await layers.addMask({ kind: 'probability', path: result.probabilitiesOut });
  }
}

export const runs = new RunsStore();
