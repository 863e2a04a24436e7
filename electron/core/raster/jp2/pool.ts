import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { S2Error } from '../../errors.js';
import { workerEntry } from '../../worker-entry.js';
import {
  resolveCodec,
  resolveWasmBuild,
  type Jp2Codec,
  type Jp2CodecChoice,
  type WasmBuild,
  type WasmBuildChoice,
} from './native.js';
import type { DecodeJob, WorkerData, WorkerReply } from './protocol.js';
import { compileSimdWasm, type WasmModule } from './wasm-simd.js';

export interface PoolOptions {
  /** Worker threads, each with its own WASM decoder. Default: available cores, at most 8. */
  workers?: number;
  /**
   * Jobs whose input is loaded or being decoded, over all workers. Bounds memory: a queued job
   * holds no bytes until it gets a slot. Default: 2 per worker (one decoding, one waiting).
   */
  maxInFlight?: number;
  /** Worker script; tests swap it. Default: ./worker.ts or ./worker.js next to this module. */
  workerUrl?: URL;
  /**
   * Tile codec: `native` (the optional libopenjp2 addon in native/openjp2), `wasm`, or `auto`
   * (native when it loads). Default: the S2_JP2_CODEC environment variable, else auto.
   */
  codec?: Jp2CodecChoice;
  /**
   * Which WASM build the `wasm` codec runs: `simd` (ours, native/openjp2-wasm), `npm`
   * (@cornerstonejs/codec-openjpeg) or `auto` (simd when its file is there). Default: the
   * S2_JP2_WASM environment variable, else auto.
   */
  wasmBuild?: WasmBuildChoice;
}

export type JobInput = Omit<DecodeJob, 'id'>;

interface Entry {
  id: number;
  load: () => Promise<JobInput>;
  signal: AbortSignal | undefined;
  resolve: (data: ArrayBuffer) => void;
  reject: (err: unknown) => void;
  /** Settled for the caller (done, failed or cancelled); a late worker reply is then dropped. */
  settled: boolean;
  detach: () => void;
}

interface Slot {
  worker: Worker;
  /** Jobs posted to this worker, in the order it will run them. */
  jobs: Entry[];
  lastError: string | undefined;
}

const cancelled = (): S2Error => new S2Error('CANCELLED', 'The JP2 decode was cancelled.');

/** Default worker count: every core, capped because each WASM instance holds its own heap. */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/**
 * A pool of worker threads running OpenJPEG WASM. Jobs get ids, go to the least-loaded worker,
 * and return their pixels as transferred buffers. Cancelling drops a queued job and discards a
 * running job's result; a worker that dies fails the job it was running and is replaced.
 */
export class DecodePool {
  readonly size: number;
  readonly maxInFlight: number;
  /** The codec every worker of this pool decodes with. */
  readonly codec: Jp2Codec;
  /** The WASM build the workers run (undefined with the native codec). */
  readonly wasmBuild: WasmBuild | undefined;
  private readonly wasmModule: WasmModule | undefined;
  private readonly url: URL;
  private readonly entry: URL;
  private readonly slots: Slot[] = [];
  private readonly pending: Entry[] = [];
  private inFlight = 0;
  private nextId = 1;
  private destroyed = false;
  /** Workers started so far, replacements included (for tests and diagnostics). */
  spawned = 0;

  constructor(opts: PoolOptions = {}) {
    this.size = Math.max(1, Math.floor(opts.workers ?? defaultWorkerCount()));
    this.maxInFlight = Math.max(1, Math.floor(opts.maxInFlight ?? 2 * this.size));
    this.codec = resolveCodec(opts.codec);
    this.wasmBuild = this.codec === 'wasm' ? resolveWasmBuild(opts.wasmBuild) : undefined;
    // Compiled once here and shared: the workers then share its machine code, and code that one
    // worker's hot loops got optimised to serves the others (no per-worker warm-up).
    this.wasmModule = this.wasmBuild === 'simd' ? compileSimdWasm() : undefined;
    const ts = import.meta.url.endsWith('.ts');
    this.url = opts.workerUrl ?? new URL(ts ? './worker.ts' : './worker.js', import.meta.url);
    this.entry = workerEntry(this.url);
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
  }

  /** Jobs waiting for a slot, and jobs loading or decoding. */
  get load(): { queued: number; inFlight: number; perWorker: number[] } {
    return {
      queued: this.pending.length,
      inFlight: this.inFlight,
      perWorker: this.slots.map((s) => s.jobs.length),
    };
  }

  /**
   * Runs one decode. `load` (reading the compressed bytes) is called only once the job has an
   * in-flight slot, so waiting jobs cost no memory.
   */
  run(load: () => Promise<JobInput>, signal?: AbortSignal): Promise<ArrayBuffer> {
    if (this.destroyed) return Promise.reject(new S2Error('CANCELLED', 'The JP2 decoder was shut down.'));
    if (signal?.aborted) return Promise.reject(cancelled());
    return new Promise<ArrayBuffer>((resolve, reject) => {
      const entry: Entry = {
        id: this.nextId++,
        load,
        signal,
        settled: false,
        resolve: (d) => {
          if (entry.settled) return;
          entry.settled = true;
          entry.detach();
          resolve(d);
        },
        reject: (e) => {
          if (entry.settled) return;
          entry.settled = true;
          entry.detach();
          reject(e);
        },
        detach: () => {},
      };
      if (signal) {
        const onAbort = (): void => {
          const i = this.pending.indexOf(entry);
          if (i >= 0) this.pending.splice(i, 1);
          entry.reject(cancelled());
        };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.push(entry);
      this.pump();
    });
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    const err = new S2Error('CANCELLED', 'The JP2 decoder was shut down.');
    for (const e of this.pending.splice(0)) e.reject(err);
    for (const s of this.slots) for (const e of s.jobs) e.reject(err);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private spawn(): Slot {
    const worker = new Worker(this.entry, {
      workerData: {
        codec: this.codec,
        wasmBuild: this.wasmBuild,
        wasmModule: this.wasmModule,
      } satisfies WorkerData,
    });
    this.spawned++;
    const slot: Slot = { worker, jobs: [], lastError: undefined };
    worker.unref(); // an idle pool must not keep the process alive
    worker.on('message', (reply: WorkerReply) => this.onReply(slot, reply));
    worker.on('error', (err) => (slot.lastError = err.message));
    worker.on('exit', (code) => this.onExit(slot, code));
    return slot;
  }

  private pump(): void {
    while (!this.destroyed && this.inFlight < this.maxInFlight && this.pending.length > 0) {
      const entry = this.pending.shift() as Entry;
      if (entry.settled) continue;
      this.inFlight++;
      void this.start(entry);
    }
  }

  private async start(entry: Entry): Promise<void> {
    let input: JobInput;
    try {
      input = await entry.load();
    } catch (err) {
      entry.reject(err);
      this.release();
      return;
    }
    if (entry.settled || this.destroyed) {
      this.release();
      return;
    }
    // Least-loaded worker; ties go to the lowest index.
    let slot = this.slots[0] as Slot;
    for (const s of this.slots) if (s.jobs.length < slot.jobs.length) slot = s;
    slot.jobs.push(entry);
    if (slot.jobs.length === 1) slot.worker.ref();
    const job: DecodeJob = { ...input, id: entry.id };
    slot.worker.postMessage(job, [job.codestream]);
  }

  private release(): void {
    this.inFlight--;
    this.pump();
  }

  private finish(slot: Slot, entry: Entry): void {
    slot.jobs.splice(slot.jobs.indexOf(entry), 1);
    if (slot.jobs.length === 0) slot.worker.unref();
    this.release();
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    const entry = slot.jobs.find((e) => e.id === reply.id);
    if (!entry) return;
    this.finish(slot, entry);
    if (reply.ok) entry.resolve(reply.data);
    else entry.reject(S2Error.fromJSON(reply.error));
  }

  private onExit(slot: Slot, code: number): void {
    if (this.destroyed) return;
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    // Jobs run in posting order, so the first one is the job that was running.
    const [running, ...waiting] = slot.jobs.splice(0);
    this.slots[i] = this.spawn();
    const why = slot.lastError ? `: ${slot.lastError}` : '';
    if (running) {
      running.reject(
        new S2Error('INTERNAL', `A JP2 decode worker died (exit code ${code}) while decoding a tile${why}.`, {
          details: { exitCode: code },
        }),
      );
      this.inFlight--;
    }
    // Their input buffers went to the dead worker: load them again, ahead of newer jobs.
    this.inFlight -= waiting.length;
    this.pending.unshift(...waiting.filter((e) => !e.settled));
    this.pump();
  }
}
