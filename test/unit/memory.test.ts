/**
 * Memory budgets follow a cgroup's cap (issue 12): a 4 GB container on a big host must not plan
 * for the host's RAM. `process.constrainedMemory()` is what Node reads from the cgroup.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultJobs } from '../../electron/core/batch/index.js';
import { applyAllocatorSettings, tuneAllocator, usableMemoryBytes } from '../../electron/core/memory.js';
import { loadNativeAddon } from '../../electron/core/raster/jp2/native.js';
import { runModel } from '../../electron/core/pipeline/run-model.js';
import { destroySharedDecoder } from '../../electron/core/raster/jp2/index.js';
import { makeScene } from '../fixtures/make-scene.js';
import { DATA_DIR, hasTool } from '../helpers/env.js';
import { ensureBuiltModel } from '../helpers/models.js';

const GiB = 2 ** 30;
const proc = process as { constrainedMemory?: () => number | undefined };
const original = proc.constrainedMemory;
afterEach(() => {
  proc.constrainedMemory = original;
});

describe('usableMemoryBytes', () => {
  it('is the smaller of the RAM and the cgroup cap; no cap, 0 or a huge value mean the RAM', () => {
    expect(usableMemoryBytes({ total: 64 * GiB, constrained: 4 * GiB })).toBe(4 * GiB);
    expect(usableMemoryBytes({ total: 8 * GiB, constrained: 64 * GiB })).toBe(8 * GiB);
    expect(usableMemoryBytes({ total: 8 * GiB, constrained: undefined })).toBe(8 * GiB);
    expect(usableMemoryBytes({ total: 8 * GiB, constrained: 0 })).toBe(8 * GiB);
    expect(usableMemoryBytes({ total: 8 * GiB, constrained: 2 ** 63 })).toBe(8 * GiB);
  });

  it('the batch plans its jobs from the cgroup cap', () => {
    proc.constrainedMemory = () => 4 * GiB;
    expect(defaultJobs(20, { cores: 16 })).toBe(1); // 70 % of 4 GB holds one 2 GB scene
  });
});

describe.skipIf(!hasTool('opj_compress'))('the inference engine under a cgroup cap', () => {
  afterEach(async () => destroySharedDecoder());
  it('refuses, in words, a run the cap cannot hold instead of being OOM-killed', async () => {
    const safe = (await makeScene({ size: 'small', outDir: join(DATA_DIR, 'scenes'), log: () => {} }))
      .safePath;
    await ensureBuiltModel('dl-l8s2-uv-6b');
    proc.constrainedMemory = () => 100 * 2 ** 20;
    const err = (await runModel({ product: safe, resolution: 60, outDir: DATA_DIR, cloudOnly: true }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.message).toMatch(/needs about [\d.]+ GB, above the 0\.1 GB allowed/);
  });
});

describe('the C allocator settings', () => {
  const glibc = Boolean(
    (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
      ?.glibcVersionRuntime,
  );
  const addon = 'addon' in loadNativeAddon();

  it('are left alone with S2_MALLOC=default, and say why', () => {
    expect(applyAllocatorSettings({ S2_MALLOC: 'default' })).toEqual({
      applied: false,
      reason: 'S2_MALLOC=default',
    });
  });

  it('apply through the native addon on glibc, once per process; otherwise they say why not', () => {
    const first = tuneAllocator({});
    expect(tuneAllocator({ S2_MALLOC: 'default' })).toBe(first); // once: the first call decides
    if (process.platform === 'linux' && glibc && addon) expect(first).toEqual({ applied: true });
    else expect(first).toMatchObject({ applied: false, reason: expect.any(String) });
  });
});
