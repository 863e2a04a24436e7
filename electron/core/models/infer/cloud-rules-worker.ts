import { parentPort, workerData } from 'node:worker_threads';
import {
  applyCloudRules,
  type CloudRulesConfig,
  type CloudRulesJob,
  type CloudRulesReply,
} from './cloud-rules.js';

/**
 * The cloud rules' worker (see cloud-rules.ts): one strip at a time, in arrival order; the
 * classes go back transferred, the other inputs are dropped with the job.
 */
const port = parentPort;
if (!port) throw new Error('cloud-rules-worker.ts must run in a worker thread');
const cfg = workerData as CloudRulesConfig;

port.on('message', (job: CloudRulesJob) => {
  let reply: CloudRulesReply;
  try {
    const seconds = applyCloudRules(cfg, job);
    reply = { id: job.id, ok: true, classes: job.classes, seconds };
  } catch (err) {
    reply = { id: job.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply, reply.ok ? [reply.classes.buffer as ArrayBuffer] : []);
});
