import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelCard } from '../../../../electron/core/models/card.js';
import {
  defaultNetworkWorkers,
  openPool,
  openPoolRunner,
  POOL_MIN_MEMORY_BYTES,
  type PoolRunner,
} from '../../../../electron/core/models/infer/pool.js';
import { onnxRunner } from '../../../../electron/core/models/infer/runner.js';
import { createSession, type ModelSession } from '../../../../electron/core/models/session.js';
import { ensureBuiltModel } from '../../../helpers/models.js';

describe('defaultNetworkWorkers', () => {
  it('uses two sessions only with two threads and 8 GiB to spare', () => {
    expect(defaultNetworkWorkers(2, {}, POOL_MIN_MEMORY_BYTES)).toBe(2);
    expect(defaultNetworkWorkers(16, {}, 64 * 2 ** 30)).toBe(2);
    expect(defaultNetworkWorkers(1, {}, 64 * 2 ** 30)).toBe(1);
    expect(defaultNetworkWorkers(2, {}, POOL_MIN_MEMORY_BYTES - 1)).toBe(1);
  });

  it('follows S2_NETWORK_WORKERS, and refuses a value that is not a count', () => {
    expect(defaultNetworkWorkers(2, { S2_NETWORK_WORKERS: '1' }, 64 * 2 ** 30)).toBe(1);
    expect(defaultNetworkWorkers(1, { S2_NETWORK_WORKERS: '3' }, 2 ** 30)).toBe(3);
    expect(defaultNetworkWorkers(2, { S2_NETWORK_WORKERS: '' }, 2 ** 30)).toBe(1);
    for (const bad of ['0', '1.5', 'two']) {
      expect(() => defaultNetworkWorkers(2, { S2_NETWORK_WORKERS: bad })).toThrow(/S2_NETWORK_WORKERS/);
    }
  });
});

describe('the network pool', () => {
  let card: ModelCard;
  let file: string;
  let one: ModelSession;
  let pool: PoolRunner;
  const tmp = mkdtempSync(join(tmpdir(), 's2-pool-'));

  beforeAll(async () => {
    ({ card, file } = await ensureBuiltModel('dl-l8s2-uv-6b'));
    one = await createSession(file, { providers: ['cpu'], threads: 1, log: () => {} });
    pool = await openPoolRunner(file, card, 2, 1);
  });
  afterAll(async () => {
    await pool?.close();
    await one?.session.release();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs tiles two at a time and gives what one session gives, bit for bit', async () => {
    expect(pool.concurrency).toBe(2);
    const C = card.input.bands.length;
    const h = 64;
    const w = 72;
    const tiles = [1, 2, 3].map((seed) => {
      const a = new Float32Array(2 * C * h * w);
      for (let i = 0; i < a.length; i++) a[i] = 0.05 + 0.5 * Math.abs(Math.sin(i * 0.013 * seed + seed));
      return a;
    });
    const reference = onnxRunner(one, card);
    const expected = await Promise.all(tiles.map((t) => reference.run(t.slice(), [2, C, h, w])));
    // The inputs move to the workers: each run gets its own copy.
    const got = await Promise.all(tiles.map((t) => pool.run(t.slice(), [2, C, h, w])));
    for (let k = 0; k < tiles.length; k++) {
      expect(got[k]!.length).toBe(2 * card.output.channels * h * w);
      expect(Buffer.from(got[k]!.buffer, got[k]!.byteOffset, got[k]!.byteLength)).toEqual(
        Buffer.from(expected[k]!.buffer, expected[k]!.byteOffset, expected[k]!.byteLength),
      );
    }
  });

  it('says which file when a shape does not fit the model', async () => {
    await expect(pool.run(new Float32Array(3 * 32 * 32), [1, 3, 32, 32])).rejects.toThrow(file);
  });

  it('refuses runs once closed', async () => {
    const p = await openPoolRunner(file, card, 2, 1);
    await p.close();
    const C = card.input.bands.length;
    await expect(p.run(new Float32Array(C * 32 * 32), [1, C, 32, 32])).rejects.toThrow(/closed/);
  });

  it('does not open on a file that is not a model, and names it', async () => {
    const bad = join(tmp, 'not-a-model.onnx');
    writeFileSync(bad, 'not onnx at all');
    await expect(openPoolRunner(bad, card, 2, 1)).rejects.toThrow(bad);
  });

  it('falls back to one session, saying why, when the workers cannot open', async () => {
    const bad = join(tmp, 'broken.onnx');
    writeFileSync(bad, 'still not onnx');
    const lines: string[] = [];
    expect(await openPool(bad, card, 2, 2, (l) => lines.push(l))).toBeUndefined();
    expect(lines.join('\n')).toMatch(/no network workers.*broken\.onnx.*one session instead/);
    const ok = await openPool(file, card, 2, 2, (l) => lines.push(l));
    expect(ok?.concurrency).toBe(2);
    expect(lines.at(-1)).toMatch(/2 worker sessions, 1 thread\(s\) each/);
    await ok?.close();
  });
});
