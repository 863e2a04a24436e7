/**
 * Scores pixels with a LightGBM model on worker threads: each worker gets the model once, blocks
 * are cut into chunks that go to whichever worker is free. With no workers (or when threads
 * cannot start) it scores on the calling thread, with the same results.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { S2Error, throwIfAborted } from '../../errors.js';
import { workerEntry } from '../../worker-entry.js';
import { predict, type FeatureBlock } from './evaluate.js';
import type { LightgbmModel } from './model.js';
import type { ScoreJob, ScoreReply } from './worker.js';

export interface LightgbmPoolOptions {
  /** Worker threads; 0 scores on the calling thread. Default: the cores, at most 8. */
  workers?: number;
  /** Pixels per job (default 65536: big enough to amortise the copy, small enough to share out). */
  chunk?: number;
  /** Worker script; tests swap it. */
  workerUrl?: URL;
}

interface Pending {
  job: ScoreJob;
  resolve: (out: Float32Array) => void;
  reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | undefined;
}

export class LightgbmPool {
  readonly workers: number;
  private readonly chunk: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private failure: S2Error | undefined;

  constructor(
    private readonly model: LightgbmModel,
    opts: LightgbmPoolOptions = {},
  ) {
    this.chunk = Math.max(1024, Math.floor(opts.chunk ?? 65536));
    const n = Math.max(0, Math.floor(opts.workers ?? Math.min(availableParallelism(), 8)));
    const ts = import.meta.url.endsWith('.ts');
    const url = opts.workerUrl ?? new URL(ts ? './worker.ts' : './worker.js', import.meta.url);
    for (let i = 0; i < n; i++) {
      try {
        this.slots.push(this.spawn(url));
      } catch {
        break; // no threads here: what started (maybe none) does the work
      }
    }
    this.workers = this.slots.length;
  }

  private spawn(url: URL): Slot {
    const worker = new Worker(workerEntry(url), { workerData: { model: this.model } });
    const slot: Slot = { worker, busy: undefined };
    worker.on('message', (reply: ScoreReply) => {
      const p = slot.busy;
      slot.busy = undefined;
      if (p) {
        if ('error' in reply)
          p.reject(new S2Error('INTERNAL', `${this.model.file}: scoring failed: ${reply.error}`));
        else p.resolve(reply.out);
      }
      this.pump();
    });
    const fail = (why: string): void => {
      this.failure ??= new S2Error('INTERNAL', `${this.model.file}: a LightGBM worker thread ${why}.`, {
        file: this.model.file,
      });
      slot.busy?.reject(this.failure);
      slot.busy = undefined;
      for (const q of this.queue.splice(0)) q.reject(this.failure);
    };
    worker.on('error', (err) => fail(`failed (${err.message})`));
    worker.on('exit', (code) => {
      if (code !== 0) fail(`exited with code ${code}`);
    });
    worker.unref();
    return slot;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      const p = this.queue.shift()!;
      slot.busy = p;
      slot.worker.ref();
      slot.worker.postMessage(p.job, [p.job.data.buffer as ArrayBuffer]);
    }
    for (const slot of this.slots) if (!slot.busy) slot.worker.unref();
  }

  /** Probabilities (or raw scores, for non-binary models) of every pixel of `block`. */
  async score(block: FeatureBlock, signal?: AbortSignal): Promise<Float32Array> {
    throwIfAborted(signal);
    const out = new Float32Array(block.count);
    if (this.slots.length === 0) return predict(this.model, block, out);
    if (this.failure) throw this.failure;
    const F = this.model.numFeatures;
    const base = block.offset ?? 0;
    const parts: Promise<void>[] = [];
    for (let p0 = 0; p0 < block.count; p0 += this.chunk) {
      const n = Math.min(this.chunk, block.count - p0);
      // A compact copy of this chunk's features: transferred to the worker, not shared.
      const data = new Float32Array(F * n);
      for (let f = 0; f < F; f++) {
        const from = base + f * block.stride + p0;
        data.set(block.data.subarray(from, from + n), f * n);
      }
      const job: ScoreJob = { id: this.nextId++, data, count: n };
      parts.push(
        new Promise<Float32Array>((resolve, reject) => {
          this.queue.push({ job, resolve, reject });
        }).then((r) => out.set(r, p0)),
      );
    }
    this.pump();
    await Promise.all(parts);
    throwIfAborted(signal);
    return out;
  }

  async destroy(): Promise<void> {
    const closing = new S2Error('CANCELLED', 'The LightGBM scoring pool was closed.');
    for (const q of this.queue.splice(0)) q.reject(closing);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }
}
