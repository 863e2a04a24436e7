/**
 * A product that keeps killing or failing its worker is recorded, not retried forever
 * (--max-attempts), and a worker refuses an output folder that another split or other options
 * already use. Planning only: no model run.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planBatch } from '../../../electron/core/batch/index.js';
import { shardJournalName, shardOf } from '../../../electron/core/batch/shard.js';
import { JOURNAL_NAME, type BatchJournal } from '../../../electron/core/batch/journal.js';
import { hasTool } from '../../helpers/env.js';
import { ensureBuiltModel } from '../../helpers/models.js';
import { smallScenes } from './fixtures.js';

describe.skipIf(!hasTool('opj_compress'))('max attempts and one split per folder', () => {
  const tmp = mkdtempSync(join(tmpdir(), 's2-shard-attempts-'));
  const folder = join(tmp, 'in');
  let ids: string[];

  beforeAll(async () => {
    await ensureBuiltModel('dl-l8s2-uv-6b');
    const { l1c } = await smallScenes();
    mkdirSync(folder);
    // Three products in shard 0 of 2.
    ids = [];
    for (let i = 0; ids.length < 3; i++) {
      const id = `p${i}.SAFE`;
      if (shardOf(id, 2) === 0) ids.push(id);
    }
    for (const id of ids) symlinkSync(l1c, join(folder, id));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  function journal(scenes: BatchJournal['scenes']): BatchJournal {
    return {
      format: 's2cloud-batch',
      version: 1,
      pid: 999_999,
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:10:00Z',
      state: 'running',
      options: {
        folder,
        modelId: 'dl-l8s2-uv-6b',
        resolution: 60,
        cloudOnly: false,
        outputs: { probabilities: false, productMasks: false, metrics: true, fmask: false, quicklook: true },
        reference: null,
      },
      run: { jobs: 1, threadsPerJob: 2, skipExisting: true },
      shard: { index: 0, count: 2 },
      scenes,
    };
  }

  it('gives up a product killed or failed max-attempts times; retries one with attempts left', async () => {
    const out = join(tmp, 'out');
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out);
    const [killed, failed, retried] = ids as [string, string, string];
    writeFileSync(
      join(out, shardJournalName({ index: 0, count: 2 })),
      JSON.stringify(
        journal([
          { id: killed, path: join(folder, killed), status: 'running', attempts: 3 },
          {
            id: failed,
            path: join(folder, failed),
            status: 'failed',
            attempts: 3,
            error: { code: 'CORRUPT_FILE', message: 'B04 is cut short' },
          },
          { id: retried, path: join(folder, retried), status: 'running', attempts: 2 },
        ]),
      ),
    );
    const snap = await planBatch({ folder, outDir: out, resolution: 60, shard: { index: 0, count: 2 } });
    const by = new Map(snap.scenes.map((s) => [s.id, s]));
    expect(snap.scenes.map((s) => s.id).sort()).toEqual([...ids].sort());
    expect(by.get(killed)).toMatchObject({
      status: 'failed',
      error: {
        code: 'INTERRUPTED',
        message: expect.stringMatching(/killed while processing this product, 3 times/),
      },
      reason: 'given up after 3 attempts (max attempts 3)',
    });
    expect(by.get(failed)).toMatchObject({
      status: 'failed',
      error: { code: 'CORRUPT_FILE', message: 'B04 is cut short' },
      reason: expect.stringMatching(/given up after 3 attempts/),
    });
    expect(by.get(retried)).toMatchObject({ status: 'pending', attempts: 2 });
    // A higher limit retries them.
    const more = await planBatch({
      folder,
      outDir: out,
      resolution: 60,
      shard: { index: 0, count: 2 },
      maxAttempts: 5,
    });
    expect(more.scenes.every((s) => s.status === 'pending')).toBe(true);
  });

  it('refuses another split, other options, or a plain batch in the same folder, in words', async () => {
    const out = join(tmp, 'mixed');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, shardJournalName({ index: 1, count: 2 })),
      JSON.stringify({ ...journal([]), shard: { index: 1, count: 2 } }),
    );
    await expect(
      planBatch({ folder, outDir: out, resolution: 60, shard: { index: 0, count: 3 } }),
    ).rejects.toThrow(/split into 2 shards \(s2cloud-batch\.shard-1-of-2\.json\); this worker asks for 3/);
    await expect(
      planBatch({ folder, outDir: out, resolution: 20, shard: { index: 0, count: 2 } }),
    ).rejects.toThrow(/another shard of this batch\) was written with other options \(resolution 60 -> 20\)/);
    await expect(planBatch({ folder, outDir: out, resolution: 60 })).rejects.toThrow(
      /holds the journals of a batch split into 2 shards .*s2cloud batch report/,
    );
    const plain = join(tmp, 'plain');
    mkdirSync(plain, { recursive: true });
    writeFileSync(join(plain, JOURNAL_NAME), JSON.stringify({ ...journal([]), shard: undefined }));
    await expect(
      planBatch({ folder, outDir: plain, resolution: 60, shard: { index: 0, count: 2 } }),
    ).rejects.toThrow(/journal of a batch that was not split: a shard cannot share its output folder/);
  });
});
