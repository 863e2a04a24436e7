/** How many scenes to run at once, and ONNX Runtime threads per scene, from cores and memory. */
import { availableParallelism } from 'node:os';
import { usableMemoryBytes } from '../memory.js';

/**
 * Peak memory of one scene (four classes, DL-L8S2-UV, shadows), measured on the full-size
 * generated product: about 2 GB at 20 m. 10 m holds four times the pixels; 60 m a ninth.
 */
export const SCENE_PEAK_BYTES: Readonly<Record<10 | 20 | 60, number>> = {
  10: 6 * 2 ** 30,
  20: 2 * 2 ** 30,
  60: 0.75 * 2 ** 30,
};

/**
 * Default concurrency: one scene per two cores (each scene keeps ONNX Runtime busy with two
 * threads, and a second scene fills the single-threaded stretches of another: shadows, the COG
 * write, the quicklook), no more than 70 % of the memory this process may use (a cgroup's cap counts) allows, and at least one.
 */
export function defaultJobs(
  resolution: 10 | 20 | 60 = 20,
  machine: { cores?: number; memoryBytes?: number } = {},
): number {
  const cores = machine.cores ?? availableParallelism();
  const memory = machine.memoryBytes ?? usableMemoryBytes(); // a cgroup's cap counts
  const byMemory = Math.floor((0.7 * memory) / SCENE_PEAK_BYTES[resolution]);
  const byCores = Math.floor(cores / 2);
  return Math.max(1, Math.min(byMemory, byCores));
}

/** ONNX Runtime intra-op threads per job: the cores shared out between the jobs, at least one. */
export function threadsPerJob(jobs: number, cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, jobs)));
}
