/** Worker thread: holds one LightGBM model and scores the feature blocks it is sent (see pool.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { predict } from './evaluate.js';
import type { LightgbmModel } from './model.js';

export interface ScoreJob {
  id: number;
  /** Feature-major block: features x count values. */
  data: Float32Array;
  count: number;
}

export type ScoreReply = { id: number; out: Float32Array } | { id: number; error: string };

const model = (workerData as { model: LightgbmModel }).model;

parentPort?.on('message', (job: ScoreJob) => {
  try {
    const out = predict(model, {
      data: job.data,
      count: job.count,
      stride: job.count,
      features: model.numFeatures,
    });
    parentPort?.postMessage({ id: job.id, out } satisfies ScoreReply, [out.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: (err as Error).message } satisfies ScoreReply);
  }
});
