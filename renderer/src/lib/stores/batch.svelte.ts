/**
 * The batch: the form's choices, the latest snapshot and the calls that drive it. The store keeps
 * the `batch.progress` subscription for the whole session, so the batch's state and the folders
 * typed in are still there when the Batch panel is opened again (the panel only reads and calls).
 */
import type { BatchOptionsDto, BatchSnapshotDto, Resolution } from '../../../../electron/api/contract';
import { errorText, invoke, on } from '../api';
import { models } from './models.svelte';

export interface BatchForm {
  folder: string;
  outDir: string;
  modelId: string;
  resolution: '' | '10' | '20' | '60';
  /** Concurrent scenes; '' = automatic. */
  jobs: string;
  probabilities: boolean;
  productMasks: boolean;
  metrics: boolean;
  fmask: boolean;
  cloudOnly: boolean;
  skipExisting: boolean;
}

class BatchStore {
  form = $state<BatchForm>({
    folder: '',
    outDir: '',
    modelId: '',
    resolution: '20',
    jobs: '',
    probabilities: false,
    productMasks: true,
    metrics: true,
    fmask: false,
    cloudOnly: false,
    skipExisting: true,
  });
  snap = $state<BatchSnapshotDto | null>(null);
  error = $state<string | null>(null);
  private started = false;

  /** A batch runs (or is paused, or is stopping): the form cannot start another. */
  get active(): boolean {
    const s = this.snap?.state;
    return s === 'running' || s === 'paused' || s === 'cancelling';
  }

  /** Subscribes once for the session; later calls refresh the model list and the snapshot. */
  init(): void {
    void models.load().then(() => {
      if (models.error) this.error = models.error;
      if (!this.form.modelId) this.form.modelId = models.defaultId;
    });
    void invoke('batch.status', {}).then(
      (s) => {
        if (s) this.snap = s;
      },
      () => null,
    );
    if (this.started) return;
    this.started = true;
    on('batch.progress', (s) => (this.snap = s));
  }

  options(): BatchOptionsDto {
    const f = this.form;
    return {
      folder: f.folder,
      outDir: f.outDir,
      ...(f.modelId ? { modelId: f.modelId } : {}),
      ...(f.resolution ? { resolution: Number(f.resolution) as Resolution } : {}),
      outputs: {
        probabilities: f.probabilities,
        productMasks: f.productMasks,
        metrics: f.metrics,
        fmask: f.fmask,
      },
      cloudOnly: f.cloudOnly,
      skipExisting: f.skipExisting,
      ...(f.jobs ? { jobs: Number(f.jobs) } : {}),
    };
  }

  /** Lists what the batch would do, without starting it. */
  plan(): Promise<void> {
    return this.act(async () => {
      this.snap = await invoke('batch.plan', this.options());
    });
  }

  start(): Promise<void> {
    return this.act(async () => {
      this.snap = await invoke('batch.start', this.options());
    });
  }

  pause(): Promise<void> {
    return this.act(() => invoke('batch.pause', {}));
  }

  resume(): Promise<void> {
    return this.act(() => invoke('batch.resume', {}));
  }

  /** One scene, or the whole batch when no scene is named. */
  cancel(sceneId?: string): Promise<void> {
    return this.act(() => invoke('batch.cancel', sceneId ? { sceneId } : {}));
  }

  private async act(f: () => Promise<unknown>): Promise<void> {
    this.error = null;
    try {
      await f();
    } catch (err) {
      this.error = errorText(err);
    }
  }
}

export const batch = new BatchStore();
