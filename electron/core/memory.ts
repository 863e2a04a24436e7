import { totalmem } from 'node:os';
import { loadNativeAddon } from './raster/jp2/native.js';

/**
 * Memory this process may use: the machine's RAM, or less when a cgroup (a container, a systemd
 * slice, a CI runner) caps the process: `process.constrainedMemory()`, which reports 0, undefined
 * or a huge number when there is no cap. Budgets are shares of this, never of totalmem alone,
 * or a 4 GB container on a 64 GB host is OOM-killed.
 */
export function usableMemoryBytes(
  sources: { total?: number; constrained?: number | undefined } = {},
): number {
  const total = sources.total ?? totalmem();
  const constrained =
    'constrained' in sources
      ? sources.constrained
      : (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  if (constrained === undefined || !Number.isFinite(constrained) || constrained <= 0) return total;
  return Math.min(total, constrained);
}

/**
 * The C allocator's settings for a process that runs the pipeline (glibc): blocks from 16 MiB
 * (strips of bands and masks) mapped and unmapped one by one, and one heap arena shared by every
 * thread. With glibc's defaults (a mapping threshold that rises to 32 MiB after the first frees,
 * an arena per thread) freed strips stayed in fragmented arenas: on the realistic full tile at
 * 10 m, peak RSS 1904-1946 MiB in four runs, 1795-1819 MiB with these, at the same speed within
 * the machine's noise (docs/performance.md, fifth round; a 4 MiB threshold saved 150 MiB but cost
 * about 5 % of wall time in page faults).
 */
export const MALLOC_SETTINGS = { mmapThreshold: 16 << 20, arenaMax: 1 } as const;

export type AllocatorTuning = { applied: true } | { applied: false; reason: string };

let tuning: AllocatorTuning | undefined;

/**
 * Applies MALLOC_SETTINGS once per process, through the native addon (the only native code here).
 * `S2_MALLOC=default` keeps glibc's own; without the addon, or off glibc, nothing changes.
 */
export function tuneAllocator(env: NodeJS.ProcessEnv = process.env): AllocatorTuning {
  if (tuning) return tuning;
  tuning = applyAllocatorSettings(env);
  return tuning;
}

/** tuneAllocator's work, every call (mallopt with the same settings again changes nothing). */
export function applyAllocatorSettings(env: NodeJS.ProcessEnv = process.env): AllocatorTuning {
  if ((env.S2_MALLOC ?? '').trim().toLowerCase() === 'default') {
    return { applied: false, reason: 'S2_MALLOC=default' };
  }
  if (process.platform !== 'linux') return { applied: false, reason: `not Linux (${process.platform})` };
  const loaded = loadNativeAddon();
  if ('error' in loaded) return { applied: false, reason: loaded.error };
  const tune = loaded.addon.tuneMalloc;
  if (typeof tune !== 'function') {
    return { applied: false, reason: 'the native addon predates tuneMalloc (npm run build:native)' };
  }
  return tune(MALLOC_SETTINGS.mmapThreshold, MALLOC_SETTINGS.arenaMax)
    ? { applied: true }
    : { applied: false, reason: 'not glibc, or mallopt refused the settings' };
}
