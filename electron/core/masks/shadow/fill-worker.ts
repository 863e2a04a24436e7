/** Worker thread: fills one band's dark pits (see reconstruct.ts) while the caller fills the other. */
import { parentPort } from 'node:worker_threads';
import { fillHoles } from './reconstruct.js';

interface FillJob {
  q: Uint16Array;
  valid: Uint8Array;
  width: number;
  height: number;
  border: number;
}

parentPort?.on('message', (job: FillJob) => {
  const out = fillHoles(job.q, job.width, job.height, job.valid, job.border);
  parentPort?.postMessage(out, [out.buffer as ArrayBuffer]);
});
