/**
 * Test worker: the real JP2 worker, except that a job with level 99 kills the thread, to test
 * the pool's crash handling and respawn.
 */
import { parentPort } from 'node:worker_threads';

// The real worker first: the port starts delivering messages with its first listener.
await import('../../../../electron/core/raster/jp2/worker.js');
parentPort?.on('message', (job: { level: number }) => {
  if (job.level === 99) process.exit(7);
});
