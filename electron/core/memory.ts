import { totalmem } from 'node:os';

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
