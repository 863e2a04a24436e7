/**
 * Sharding without running a model: `--shard K/N` and `--shard auto` with each engine's
 * variables (and the mistakes, in words), the slices (disjoint, complete, independent of order),
 * product list files, a shard lock left by another host, and merging shard journals.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireBatchLock } from '../../../electron/core/batch/lock.js';
import { mergeShardJournals } from '../../../electron/core/batch/merge.js';
import { readProductList } from '../../../electron/core/batch/product-list.js';
import {
  parseShard,
  parseShardJournalName,
  shardJournalName,
  shardLockName,
  shardOf,
} from '../../../electron/core/batch/shard.js';
import type { BatchJournal } from '../../../electron/core/batch/journal.js';
import type { BatchSceneState } from '../../../electron/core/batch/types.js';

const tmp = mkdtempSync(join(tmpdir(), 's2-shard-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('--shard K/N', () => {
  it('reads K/N with K from 0, and says what to write otherwise', () => {
    expect(parseShard('0/4')).toMatchObject({ index: 0, count: 4 });
    expect(parseShard(' 3/4 ')).toMatchObject({ index: 3, count: 4 });
    expect(parseShard('0/1')).toMatchObject({ index: 0, count: 1 });
    expect(() => parseShard('4/4')).toThrow(
      /shard 4 does not exist in a batch of 4 shards; shards are numbered from 0 to 3/,
    );
    expect(() => parseShard('1')).toThrow(/write K\/N/);
    expect(() => parseShard('a/b')).toThrow(/write K\/N/);
    expect(() => parseShard('-1/3')).toThrow(/write K\/N/);
    expect(() => parseShard('0/0')).toThrow(/number of shards must be 1 to/);
  });
});

describe('--shard auto', () => {
  const cases: [string, NodeJS.ProcessEnv, string, number, number, RegExp][] = [
    ['Kubernetes, count given', { JOB_COMPLETION_INDEX: '2' }, 'auto/5', 2, 5, /Kubernetes Indexed Job/],
    [
      'Kubernetes, count in S2CLOUD_SHARD_COUNT',
      { JOB_COMPLETION_INDEX: '0', S2CLOUD_SHARD_COUNT: '3' },
      'auto',
      0,
      3,
      /S2CLOUD_SHARD_COUNT=3/,
    ],
    [
      'AWS Batch',
      { AWS_BATCH_JOB_ARRAY_INDEX: '7', AWS_BATCH_JOB_ARRAY_SIZE: '10' },
      'auto',
      7,
      10,
      /AWS Batch/,
    ],
    [
      'Google Cloud Batch',
      { BATCH_TASK_INDEX: '1', BATCH_TASK_COUNT: '2' },
      'auto',
      1,
      2,
      /Google Cloud Batch/,
    ],
    [
      'Slurm --array=0-3',
      {
        SLURM_ARRAY_TASK_ID: '3',
        SLURM_ARRAY_TASK_COUNT: '4',
        SLURM_ARRAY_TASK_MIN: '0',
        SLURM_ARRAY_TASK_MAX: '3',
      },
      'auto',
      3,
      4,
      /Slurm/,
    ],
    [
      'Slurm --array=1-4 (from 1)',
      {
        SLURM_ARRAY_TASK_ID: '1',
        SLURM_ARRAY_TASK_COUNT: '4',
        SLURM_ARRAY_TASK_MIN: '1',
        SLURM_ARRAY_TASK_MAX: '4',
      },
      'auto',
      0,
      4,
      /SLURM_ARRAY_TASK_MIN=1/,
    ],
    [
      'Slurm --array=0-6:2',
      {
        SLURM_ARRAY_TASK_ID: '4',
        SLURM_ARRAY_TASK_COUNT: '4',
        SLURM_ARRAY_TASK_MIN: '0',
        SLURM_ARRAY_TASK_MAX: '6',
        SLURM_ARRAY_TASK_STEP: '2',
      },
      'auto',
      2,
      4,
      /Slurm/,
    ],
    [
      'AWS Batch, count also given and equal',
      { AWS_BATCH_JOB_ARRAY_INDEX: '0', AWS_BATCH_JOB_ARRAY_SIZE: '2' },
      'auto/2',
      0,
      2,
      /AWS/,
    ],
  ];
  for (const [name, env, arg, index, count, source] of cases) {
    it(name, () => {
      const s = parseShard(arg, env);
      expect(s).toMatchObject({ index, count });
      expect(s.source).toMatch(source);
    });
  }

  const errors: [string, NodeJS.ProcessEnv, string, RegExp][] = [
    [
      'no engine',
      {},
      'auto',
      /none of JOB_COMPLETION_INDEX \(Kubernetes Indexed Job\), AWS_BATCH_JOB_ARRAY_INDEX.*--shard K\/N/,
    ],
    [
      'Kubernetes without a count',
      { JOB_COMPLETION_INDEX: '1' },
      'auto',
      /Kubernetes does not pass the number of completions: give it as --shard auto\/N or in S2CLOUD_SHARD_COUNT/,
    ],
    ['AWS without the size', { AWS_BATCH_JOB_ARRAY_INDEX: '1' }, 'auto', /AWS_BATCH_JOB_ARRAY_SIZE is not/],
    [
      'an index that is not a number',
      { BATCH_TASK_INDEX: 'x', BATCH_TASK_COUNT: '2' },
      'auto',
      /BATCH_TASK_INDEX="x" is not a task number/,
    ],
    [
      'an index beyond the count',
      { BATCH_TASK_INDEX: '2', BATCH_TASK_COUNT: '2' },
      'auto',
      /shard 2 does not exist in a batch of 2 shards/,
    ],
    [
      'counts that disagree',
      { AWS_BATCH_JOB_ARRAY_INDEX: '0', AWS_BATCH_JOB_ARRAY_SIZE: '4' },
      'auto/5',
      /disagrees \(--shard auto\/5 but AWS_BATCH_JOB_ARRAY_SIZE=4\)/,
    ],
    [
      'two engines at once',
      { JOB_COMPLETION_INDEX: '0', SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '2' },
      'auto/2',
      /are both set/,
    ],
    [
      'a gappy Slurm array',
      {
        SLURM_ARRAY_TASK_ID: '5',
        SLURM_ARRAY_TASK_COUNT: '3',
        SLURM_ARRAY_TASK_MIN: '1',
        SLURM_ARRAY_TASK_MAX: '9',
      },
      'auto',
      /not one evenly spaced range|does not exist/,
    ],
    [
      'auto/ without a number',
      { BATCH_TASK_INDEX: '0', BATCH_TASK_COUNT: '2' },
      'auto/x',
      /after "auto\/" comes the number of shards/,
    ],
  ];
  for (const [name, env, arg, message] of errors) {
    it(`refuses ${name}, in words`, () => {
      expect(() => parseShard(arg, env)).toThrow(message);
    });
  }
});

describe('slices', () => {
  const ids = Array.from(
    { length: 2000 },
    (_, i) => `2024/T31TCJ/S2A_MSIL1C_2024${String(i).padStart(4, '0')}.SAFE`,
  );

  it('are disjoint, cover every product, and do not depend on the listing order', () => {
    const n = 7;
    const slices = Array.from({ length: n }, () => new Set<string>());
    for (const id of ids) slices[shardOf(id, n)]!.add(id);
    expect(slices.reduce((a, s) => a + s.size, 0)).toBe(ids.length);
    const reversed = [...ids].reverse();
    for (const id of reversed) expect(slices[shardOf(id, n)]!.has(id)).toBe(true);
    // Roughly even: each within 25 % of the mean for 2000 products in 7 shards.
    for (const s of slices) expect(Math.abs(s.size - ids.length / n)).toBeLessThan(0.25 * (ids.length / n));
  });

  it('are the same on every machine (pinned values) and N=1 holds everything', () => {
    expect(ids.slice(0, 6).map((id) => shardOf(id, 10))).toEqual(PINNED);
    expect(shardOf('anything', 1)).toBe(0);
  });

  it('name their journals so that a listing sorts in shard order', () => {
    expect(shardJournalName({ index: 3, count: 12 })).toBe('s2cloud-batch.shard-03-of-12.json');
    expect(shardLockName({ index: 3, count: 12 })).toBe('s2cloud-batch.shard-03-of-12.lock');
    expect(parseShardJournalName('s2cloud-batch.shard-03-of-12.json')).toEqual({ index: 3, count: 12 });
    expect(parseShardJournalName('s2cloud-batch.shard-12-of-12.json')).toBeNull();
    expect(parseShardJournalName('s2cloud-batch.json')).toBeNull();
  });
});

// sha256 of each id (UTF-8), first 6 bytes big-endian, modulo 10 (checked with Python hashlib):
// fixed forever, a change would move products between shards.
const PINNED = [6, 5, 9, 9, 6, 2];

describe('product list files', () => {
  it('reads one path per line: comments, blanks, relative paths from the list folder, repeats once', async () => {
    const list = join(tmp, 'season.txt');
    writeFileSync(
      list,
      [
        '# season 2024, tile 31TCJ',
        '',
        'a/S2A_one.SAFE',
        '  b/S2B_two.zip  ',
        '/data/in/S2C_three.SAFE',
        'a/S2A_one.SAFE',
        '\t# done later',
      ].join('\r\n'),
    );
    const items = await readProductList(list);
    expect(items).toEqual([
      { id: 'a/S2A_one.SAFE', path: join(tmp, 'a/S2A_one.SAFE'), line: 3 },
      { id: 'b/S2B_two.zip', path: join(tmp, 'b/S2B_two.zip'), line: 4 },
      { id: '/data/in/S2C_three.SAFE', path: '/data/in/S2C_three.SAFE', line: 5 },
    ]);
  });

  it('says what is wrong with an empty or binary list', async () => {
    const empty = join(tmp, 'empty.txt');
    writeFileSync(empty, '# nothing yet\n\n');
    await expect(readProductList(empty)).rejects.toThrow(
      /empty\.txt names no product: write one path per line/,
    );
    const binary = join(tmp, 'binary.lst');
    writeFileSync(binary, Buffer.from([0x50, 0x4b, 0, 1, 2]));
    await expect(readProductList(binary)).rejects.toThrow(/binary\.lst is not a product list .* binary data/);
  });
});

describe('shard locks', () => {
  it('takes over another host’s lock once it is no longer refreshed; a refreshed one is refused', async () => {
    const dir = mkdtempSync(join(tmp, 'lock-'));
    const name = shardLockName({ index: 1, count: 4 });
    const path = join(dir, name);
    const other = { pid: 1, host: 'pod-s2cloud-1-abcde', startedAt: '2026-01-01T00:00:00Z', token: 'old' };
    writeFileSync(path, JSON.stringify(other));
    const old = new Date(Date.now() - 10_000);
    utimesSync(path, old, old);
    const lock = await acquireBatchLock(dir, { name, staleAfterMs: 2000, pollMs: 50 });
    expect(lock.tookOver).toMatch(/process 1/);
    await lock.release();

    // A live owner elsewhere: its heartbeat moves the file's time while we watch.
    writeFileSync(path, JSON.stringify(other));
    const beat = setInterval(() => {
      const now = new Date();
      utimesSync(path, now, now);
    }, 100);
    try {
      await expect(acquireBatchLock(dir, { name, staleAfterMs: 1000, pollMs: 50 })).rejects.toThrow(
        /Another worker is running this shard \(process 1 on pod-s2cloud-1-abcde/,
      );
    } finally {
      clearInterval(beat);
    }
  });

  it('takes over a lock with its own pid (a restarted container) but never one it holds', async () => {
    const dir = mkdtempSync(join(tmp, 'lock-'));
    const name = shardLockName({ index: 0, count: 2 });
    writeFileSync(
      join(dir, name),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'then', token: 'predecessor' }),
    );
    const lock = await acquireBatchLock(dir, { name, staleAfterMs: 60_000 });
    expect(lock.tookOver).toMatch(/no longer running/);
    await expect(acquireBatchLock(dir, { name, staleAfterMs: 60_000 })).rejects.toThrow(/Another worker/);
    await lock.release();
  });
});

function scene(id: string, extra: Partial<BatchSceneState> = {}): BatchSceneState {
  return {
    id,
    path: `/in/${id}`,
    status: 'done',
    stem: id,
    outputs: { classes: `/elsewhere/out/${id}.tif` },
    ...extra,
  };
}

function journal(
  index: number,
  count: number,
  scenes: BatchSceneState[],
  extra: Partial<BatchJournal> = {},
): BatchJournal {
  return {
    format: 's2cloud-batch',
    version: 1,
    pid: 1,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T01:00:00Z',
    state: 'finished',
    options: {
      folder: '/in',
      modelId: 'dl-l8s2-uv-6b',
      resolution: 60,
      cloudOnly: false,
      outputs: { probabilities: false, productMasks: false, metrics: true, fmask: false, quicklook: false },
      reference: null,
    },
    run: { jobs: 1, threadsPerJob: 2, skipExisting: true, startedAt: `2026-01-01T00:0${index}:00Z` },
    shard: { index, count },
    scenes,
    ...extra,
  };
}

function put(dir: string, j: BatchJournal): void {
  writeFileSync(join(dir, shardJournalName(j.shard!)), JSON.stringify(j));
}

describe('merging shard journals', () => {
  it('joins the slices in path order, names outputs inside the merged folder, and is complete', async () => {
    const dir = mkdtempSync(join(tmp, 'merge-'));
    put(dir, journal(0, 2, [scene('c'), scene('a', { reason: 'completed in an earlier run', attempts: 2 })]));
    put(dir, journal(1, 2, [scene('b', { status: 'unusable', reason: 'L1B' })]));
    const r = await mergeShardJournals(dir);
    expect(r.complete).toBe(true);
    expect(r.snapshot.state).toBe('finished');
    expect(r.snapshot.scenes.map((s) => s.id)).toEqual(['a', 'b', 'c']);
    expect(r.snapshot.scenes[0]!.reason).toBeUndefined();
    expect(r.snapshot.scenes[0]!.outputs!.classes).toBe(join(dir, 'a.tif'));
    expect(r.snapshot).toMatchObject({ done: 2, total: 2, startedAt: '2026-01-01T00:00:00Z' });
    expect(r.snapshot.notes).toBeUndefined();
  });

  it('says which shards are missing or unfinished, and finds a product listed twice', async () => {
    const dir = mkdtempSync(join(tmp, 'merge-'));
    put(dir, journal(0, 3, [scene('a')]));
    put(dir, journal(2, 3, [scene('a'), scene('b', { status: 'pending' })], { state: 'running' }));
    const r = await mergeShardJournals(dir);
    expect(r).toMatchObject({ complete: false, missing: [1], duplicates: ['a'] });
    expect(r.unfinished.map((u) => u.index)).toEqual([2]);
    expect(r.snapshot.state).toBe('running');
    expect(r.snapshot.notes!.join('\n')).toMatch(/No journal yet for shard 1 of 3/);
    expect(r.snapshot.notes!.join('\n')).toMatch(
      /Shard 2 of 3 is running, or was killed and not retried yet/,
    );
  });

  it('refuses two splits or two sets of options in one folder, and a folder with no journal', async () => {
    const dir = mkdtempSync(join(tmp, 'merge-'));
    put(dir, journal(0, 2, [scene('a')]));
    put(dir, journal(0, 3, [scene('b')]));
    await expect(mergeShardJournals(dir)).rejects.toThrow(/split in 2 and in 3 shards/);
    const dir2 = mkdtempSync(join(tmp, 'merge-'));
    put(dir2, journal(0, 2, [scene('a')]));
    const j = journal(1, 2, [scene('b')]);
    j.options.resolution = 20;
    put(dir2, j);
    await expect(mergeShardJournals(dir2)).rejects.toThrow(/other options .*resolution 60 -> 20/);
    await expect(mergeShardJournals(mkdtempSync(join(tmp, 'empty-')))).rejects.toThrow(
      /holds no batch journal/,
    );
  });
});
