import { Worker } from 'node:worker_threads';
import { S2Error, throwIfAborted } from '../../errors.js';
import { usableMemoryBytes } from '../../memory.js';
import { workerEntry } from '../../worker-entry.js';
import type { ModelCard } from '../card.js';
import type { TileRunner } from './runner.js';

/**
 * The network on several worker threads, each with its own CPU session, so that several tiles
 * run at once. One session with two intra-op threads leaves cores idle at every operator's join,
 * and the strip's main thread waits on it; two single-threaded sessions do not (a full tile at
 * 10 m on 2 cores: 115-120 s against 128-130 s, identical classes; docs/performance.md). Each
 * session holds its own activation arena (about 230 MB for a 512 px tile), so the pool is for
 * machines with memory to spare (run-model.ts decides). The batch keeps one session per job: on
four full tiles at 20 m a job with the pool made 46.6 products an hour against 48.5 without
(decoding bounds a 20 m batch), for 156 MiB more.
 */

/** Below this much usable memory the network keeps to one session (one arena). */
export const POOL_MIN_MEMORY_BYTES = 8 * 2 ** 30;

/**
 * How many CPU sessions the network runs on: `S2_NETWORK_WORKERS` when set (1 keeps one session
 * on the main thread); otherwise 2 where there are at least 2 threads and 8 GiB of usable memory
 * (the cgroup's cap, if any), else 1. Two, not one per core: that is what was measured (2 cores),
 * and each session adds an arena.
 */
export function defaultNetworkWorkers(
  threads: number,
  env: NodeJS.ProcessEnv = process.env,
  memoryBytes: number = usableMemoryBytes(),
): number {
  const asked = env.S2_NETWORK_WORKERS;
  if (asked !== undefined && asked !== '') {
    const n = Number(asked);
    if (!Number.isInteger(n) || n < 1) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        `S2_NETWORK_WORKERS must be a whole number of at least 1, not '${asked}'.`,
      );
    }
    return n;
  }
  return threads >= 2 && memoryBytes >= POOL_MIN_MEMORY_BYTES ? 2 : 1;
}

export interface PoolConfig {
  file: string;
  card: ModelCard;
  /** Intra-op threads of each worker's session. */
  threads: number;
}

export interface PoolJob {
  id: number;
  input: Float32Array;
  shape: readonly [number, number, number, number];
}

/** A job's output, or (id -1, no output) the worker's session is open. */
export type PoolReply =
  { id: number; ok: true; output?: Float32Array } | { id: number; ok: false; error: string };

export interface PoolRunner extends TileRunner {
  /** Stops the workers (their sessions and arenas go with them). */
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  /** Running a job, or opening its session. */
  busy: boolean;
}

/**
 * Opens `workers` sessions of `file` in worker threads, `threads` intra-op threads each. Rejects,
 * with every worker stopped, when a session cannot open.
 */
export async function openPoolRunner(
  file: string,
  card: ModelCard,
  workers: number,
  threads: number,
): Promise<PoolRunner> {
  const ts = import.meta.url.endsWith('.ts');
  const url = new URL(ts ? './pool-worker.ts' : './pool-worker.js', import.meta.url);
  const cfg: PoolConfig = { file, card, threads };
  const waiting = new Map<number, { resolve: (o: Float32Array) => void; reject: (e: Error) => void }>();
  const queue: PoolJob[] = [];
  const slots: Slot[] = [];
  let nextId = 0;
  let failure: Error | undefined;
  let closed = false;

  const pump = (): void => {
    for (const slot of slots) {
      if (slot.busy) continue;
      const job = queue.shift();
      if (!job) return;
      slot.busy = true;
      slot.worker.postMessage(job, [job.input.buffer as ArrayBuffer]);
    }
  };
  const fail = (err: Error): void => {
    failure ??= err;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
    queue.length = 0;
  };
  const opened = Array.from({ length: Math.max(1, workers) }, () => {
    const worker = new Worker(workerEntry(url), { workerData: cfg });
    const slot: Slot = { worker, busy: true };
    slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (reply: PoolReply) => {
        slot.busy = false;
        if (reply.id === -1) {
          if (reply.ok) resolve();
          else reject(new S2Error('BAD_MODEL', `${file}: ${reply.error}`, { file }));
        } else {
          const w = waiting.get(reply.id);
          waiting.delete(reply.id);
          if (reply.ok && reply.output) w?.resolve(reply.output);
          else
            w?.reject(new S2Error('BAD_MODEL', `${file}: ${reply.ok ? 'no output' : reply.error}`, { file }));
        }
        pump();
      });
      worker.on('error', (err) => {
        const e = new S2Error('INTERNAL', `A network worker failed: ${err.message}`);
        reject(e);
        fail(e);
      });
      worker.on('exit', (code) => {
        if (closed) return;
        const e = new S2Error('INTERNAL', `A network worker stopped (exit code ${code}).`);
        reject(e);
        fail(e);
      });
    });
  });
  const close = async (): Promise<void> => {
    closed = true;
    fail(new S2Error('CANCELLED', 'The network pool was closed.'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  };
  try {
    await Promise.all(opened);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    channels: card.output.channels,
    concurrency: slots.length,
    run(input, shape, signal): Promise<Float32Array> {
      throwIfAborted(signal);
      if (failure) return Promise.reject(failure);
      const job: PoolJob = { id: nextId++, input, shape };
      const out = new Promise<Float32Array>((resolve, reject) => waiting.set(job.id, { resolve, reject }));
      queue.push(job);
      pump();
      return out;
    },
    close,
  };
}

/**
 * The network pool (`workers` sessions sharing `threads`), or undefined, with the reason logged,
 * when its sessions cannot open: the run then goes on with one session.
 */
export async function openPool(
  onnx: string,
  card: ModelCard,
  workers: number,
  threads: number,
  log: ((line: string) => void) | undefined,
): Promise<PoolRunner | undefined> {
  const each = Math.max(1, Math.floor(threads / workers));
  try {
    const pool = await openPoolRunner(onnx, card, workers, each);
    log?.(`onnxruntime: the network runs on ${workers} worker sessions, ${each} thread(s) each`);
    return pool;
  } catch (err) {
    log?.(
      `onnxruntime: no network workers (${err instanceof Error ? err.message : String(err)}); one session instead`,
    );
    return undefined;
  }
}
