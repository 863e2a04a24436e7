import { parentPort, workerData } from 'node:worker_threads';
import { createSession } from '../session.js';
import type { PoolConfig, PoolJob, PoolReply } from './pool.js';
import { onnxRunner, type TileRunner } from './runner.js';

/**
 * One worker of the network pool (pool.ts): its own CPU session, one batch of tiles at a time in
 * arrival order; tiles and outputs move between threads, they are not copied.
 */
const port = parentPort;
if (!port) throw new Error('pool-worker.ts must run in a worker thread');
const cfg = workerData as PoolConfig;
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

let runner: TileRunner | undefined;
const opened = createSession(cfg.file, { providers: ['cpu'], threads: cfg.threads, log: () => {} }).then(
  (model) => {
    runner = onnxRunner(model, cfg.card);
    port.postMessage({ id: -1, ok: true } satisfies PoolReply);
  },
  (err: unknown) => port.postMessage({ id: -1, ok: false, error: message(err) } satisfies PoolReply),
);

// Jobs run one after the other: the next waits for the previous one's reply.
let queue: Promise<void> = opened;
port.on('message', (job: PoolJob) => {
  queue = queue.then(async () => {
    let reply: PoolReply;
    try {
      if (!runner) throw new Error('the session did not open');
      reply = { id: job.id, ok: true, output: await runner.run(job.input, job.shape) };
    } catch (err) {
      reply = { id: job.id, ok: false, error: message(err) };
    }
    port.postMessage(reply, reply.ok && reply.output ? [reply.output.buffer as ArrayBuffer] : []);
  });
});
