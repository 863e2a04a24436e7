/**
 * The app's one batch at a time: starts it, relays its snapshots as `batch.progress` events and
 * keeps the last one for a renderer that asks after the batch ended (or after a reload).
 */
import { BatchRun, planBatch, type BatchOptions, type BatchSnapshot } from '../core/batch/index.js';
import { S2Error, toS2Error } from '../core/errors.js';
import type { BatchOptionsDto, BatchSnapshotDto } from './contract.js';
import { snapshotDto } from './dto.js';
import type { EventHub } from './events.js';

export class BatchController {
  private batch: BatchRun | null = null;
  private last: BatchSnapshotDto | null = null;

  constructor(private readonly events: EventHub) {}

  async plan(o: BatchOptionsDto): Promise<BatchSnapshotDto> {
    return snapshotDto(await planBatch(batchOptions(o)));
  }

  /**
   * Resolves with the first snapshot once the batch is planned; a plan that is refused (a journal
   * written with other options, a folder that cannot be read) rejects instead, so the caller gets
   * the reason in words before anything starts.
   */
  async start(o: BatchOptionsDto): Promise<BatchSnapshotDto> {
    if (this.batch && isActive(this.batch.snapshot())) {
      throw new S2Error('INVALID_ARGUMENT', 'A batch is already running: pause or cancel it first.');
    }
    const run = new BatchRun(batchOptions(o));
    this.batch = run;
    const planned = new Promise<BatchSnapshot>((resolve) => {
      const off = run.onChange((s) => {
        off();
        resolve(s);
      });
    });
    run.onChange((s) => {
      this.last = snapshotDto(s);
      this.events.emit('batch.progress', this.last);
    });
    const done = run.start();
    done.catch((err: unknown) => {
      // Per-scene errors are in the snapshot; this is a failure of the whole batch.
      if (this.last) this.events.emit('batch.progress', { ...this.last, error: toS2Error(err).message });
    });
    return snapshotDto(await Promise.race([planned, done]));
  }

  pause(): void {
    this.batch?.pause();
  }

  resume(): void {
    this.batch?.resume();
  }

  cancel(sceneId?: string): void {
    this.batch?.cancel(sceneId);
  }

  status(): BatchSnapshotDto | null {
    return this.batch ? snapshotDto(this.batch.snapshot()) : this.last;
  }
}

function batchOptions(o: BatchOptionsDto): BatchOptions {
  if (!o || typeof o.folder !== 'string' || !o.folder || typeof o.outDir !== 'string' || !o.outDir) {
    throw new S2Error('INVALID_ARGUMENT', 'A batch needs a folder of products and an output folder.');
  }
  return o as BatchOptions;
}

function isActive(s: BatchSnapshot): boolean {
  return s.state === 'running' || s.state === 'paused' || s.state === 'cancelling';
}
