import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileByteSource } from '../../../../electron/core/raster/byte-source.js';
import { indexCodestream } from '../../../../electron/core/raster/jp2/codestream.js';
import { Jp2Decoder } from '../../../../electron/core/raster/jp2/index.js';
import { DecodePool, type JobInput } from '../../../../electron/core/raster/jp2/pool.js';
import { buildTileCodestream, readTileParts } from '../../../../electron/core/raster/jp2/tile-codestream.js';
import { hasTool } from '../../../helpers/env.js';
import { syntheticImage, writePgm16 } from './oracle.js';

const tools = hasTool('opj_compress');
let dir = '';
let file = '';

beforeAll(() => {
  if (!tools) return;
  dir = mkdtempSync(join(tmpdir(), 'jp2-pool-'));
  writePgm16(join(dir, 'src.pgm'), 1024, 1024, syntheticImage(1024, 1024, 7));
  file = join(dir, 'tiled.jp2');
  execFileSync('opj_compress', ['-i', join(dir, 'src.pgm'), '-o', file, '-t', '128,128', '-n', '5'], {
    stdio: 'ignore',
  });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Samples the pool's occupancy while `work` runs. */
async function sample<T>(
  decoder: Jp2Decoder,
  work: Promise<T>,
): Promise<{ result: T; busy: number; inFlight: number }> {
  let busy = 0;
  let inFlight = 0;
  const timer = setInterval(() => {
    const l = decoder.load;
    busy = Math.max(busy, l.perWorker.filter((n) => n > 0).length);
    inFlight = Math.max(inFlight, l.inFlight);
  }, 1);
  try {
    return { result: await work, busy, inFlight };
  } finally {
    clearInterval(timer);
  }
}

describe.skipIf(!tools)('JP2 worker pool', () => {
  it('decodes on two workers at once, never exceeding maxInFlight', async () => {
    const decoder = new Jp2Decoder({ workers: 2, maxInFlight: 3 });
    const src = await fileByteSource(file);
    try {
      await decoder.decode(src, { level: 3 }); // warm up both workers
      const { result, busy, inFlight } = await sample(decoder, decoder.decode(src));
      expect(result.width).toBe(1024);
      expect(busy).toBe(2);
      expect(inFlight).toBeLessThanOrEqual(3);
      expect(decoder.load).toEqual({ queued: 0, inFlight: 0, perWorker: [0, 0] });
    } finally {
      await src.close();
      await decoder.destroy();
    }
  });

  it('cancels: queued tiles are dropped and the promise rejects with CANCELLED', async () => {
    const decoder = new Jp2Decoder({ workers: 2 });
    const src = await fileByteSource(file);
    try {
      const pre = new AbortController();
      pre.abort();
      await expect(decoder.decode(src, {}, pre.signal)).rejects.toMatchObject({ code: 'CANCELLED' });

      const ctrl = new AbortController();
      const work = decoder.decode(src, {}, ctrl.signal);
      setTimeout(() => ctrl.abort(), 20);
      await expect(work).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(decoder.load.queued).toBe(0);
      // Running tiles finish and are discarded; the pool is then idle and still works.
      await expect.poll(() => decoder.load.inFlight, { timeout: 10_000 }).toBe(0);
      const r = await decoder.decode(src, { level: 2 });
      expect(r.width).toBe(256);
    } finally {
      await src.close();
      await decoder.destroy();
    }
  });

  it('a worker that dies fails its job clearly and is replaced', async () => {
    const pool = new DecodePool({ workers: 1, workerUrl: new URL('./crash-worker.ts', import.meta.url) });
    const src = await fileByteSource(file);
    try {
      const idx = await indexCodestream(src);
      const job = async (level: number): Promise<JobInput> => {
        const tc = buildTileCodestream(idx, 0, await readTileParts(src, idx, 0));
        return {
          codestream: tc.bytes.buffer as ArrayBuffer,
          level,
          width: 128,
          height: 128,
          components: 1,
          bytesPerSample: 2,
        };
      };
      const ok = pool.run(() => job(0));
      await expect(ok).resolves.toBeInstanceOf(ArrayBuffer);
      await expect(pool.run(() => job(99))).rejects.toMatchObject({
        code: 'INTERNAL',
        message: expect.stringContaining('worker died (exit code 7)'),
      });
      expect(pool.spawned).toBe(2);
      const after = await pool.run(() => job(0));
      expect(after.byteLength).toBe(128 * 128 * 2);
    } finally {
      await src.close();
      await pool.destroy();
    }
  });

  it('destroy() rejects waiting work', async () => {
    const decoder = new Jp2Decoder({ workers: 1 });
    const src = await fileByteSource(file);
    const work = decoder.decode(src).catch((e: unknown) => e);
    await decoder.destroy();
    expect(await work).toMatchObject({ code: 'CANCELLED' });
    await src.close();
  });
});
