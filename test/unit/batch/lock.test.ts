/**
 * The batch lock (issue 12): created exclusively, so of batches started at the same instant on
 * one output folder exactly one runs; a stale lock (same host, owner gone) is taken over with a
 * note; another host's lock is never taken over. Only our own temporary names are cleaned up.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchRun } from '../../../electron/core/batch/index.js';
import { acquireBatchLock, LOCK_NAME, lockPath } from '../../../electron/core/batch/lock.js';
import { removeStaleTemporaries } from '../../../electron/core/batch/run.js';
import { S2Error } from '../../../electron/core/errors.js';
import { destroySharedDecoder } from '../../../electron/core/raster/jp2/index.js';
import { hasTool, ROOT } from '../../helpers/env.js';
import { ensureBuiltModel } from '../../helpers/models.js';
import { batchFolder } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 's2-lock-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

describe('acquireBatchLock', () => {
  it('holds pid, host and start time, and refuses a second taker while held', async () => {
    const dir = join(tmp, 'one');
    const lock = await acquireBatchLock(dir);
    const data = JSON.parse(readFileSync(lockPath(dir), 'utf8')) as Record<string, unknown>;
    expect(data).toMatchObject({ pid: process.pid, host: hostname() });
    expect(typeof data.startedAt).toBe('string');
    const err = (await acquireBatchLock(dir).catch((e: unknown) => e)) as S2Error;
    expect(err.code).toBe('BATCH_LOCKED');
    expect(err.message).toMatch(new RegExp(`process ${process.pid} on ${hostname()}`));
    await lock.release();
    expect(existsSync(lockPath(dir))).toBe(false);
  });

  it('takes over a stale lock (same host, process gone) with a message; never another host’s', async () => {
    const dir = join(tmp, 'stale');
    mkdirSync(dir);
    const pid = deadPid();
    writeFileSync(
      lockPath(dir),
      JSON.stringify({ pid, host: hostname(), startedAt: '2026-01-01T00:00:00Z', token: 'x' }),
    );
    const lock = await acquireBatchLock(dir);
    expect(lock.tookOver).toMatch(new RegExp(`took over the lock of process ${pid} .*no longer running`));
    await lock.release();
    writeFileSync(
      lockPath(dir),
      JSON.stringify({ pid, host: 'other-machine', startedAt: 'then', token: 'y' }),
    );
    const err = (await acquireBatchLock(dir).catch((e: unknown) => e)) as S2Error;
    expect(err.code).toBe('BATCH_LOCKED');
    expect(err.message).toMatch(/on other-machine.*delete .*s2cloud-batch\.lock/);
  });

  it('of four processes started at the same instant, exactly one gets the lock', async () => {
    const dir = join(tmp, 'race');
    const at = Date.now() + 3000; // all four have loaded by then; then they race
    // The winner holds the lock until the test closes its stdin (after every process answered),
    // so a process that starts late still finds it held.
    const script = `
      import { acquireBatchLock } from ${JSON.stringify(join(ROOT, 'electron/core/batch/lock.ts'))};
      while (Date.now() < ${at});
      try {
        const l = await acquireBatchLock(${JSON.stringify(dir)});
        console.log('got');
        process.stdin.on('end', () => void l.release());
        process.stdin.resume();
      } catch (e) { console.log(e.code); }`;
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT }),
    );
    const answered: Promise<void>[] = [];
    const outs = await Promise.all(
      children
        .map(
          (c) =>
            new Promise<string>((resolve) => {
              let out = '';
              answered.push(new Promise((r) => c.stdout.once('data', () => r())));
              c.stdout.on('data', (d: Buffer) => (out += d.toString()));
              c.stderr.on('data', (d: Buffer) => (out += d.toString()));
              c.on('close', () => resolve(out.trim()));
            }),
        )
        .map(async (p, i) => {
          if (i === 0) {
            await Promise.all(answered);
            for (const c of children) c.stdin.end();
          }
          return p;
        }),
    );
    expect(outs.sort()).toEqual(['BATCH_LOCKED', 'BATCH_LOCKED', 'BATCH_LOCKED', 'got']);
    expect(existsSync(lockPath(dir))).toBe(false);
  });
});

describe('removeStaleTemporaries', () => {
  it('removes only files with our temporary names from dead processes; the user’s files stay', async () => {
    const dir = join(tmp, 'temps');
    mkdirSync(dir);
    const dead = deadPid();
    const ours = [`a.tif.tmp-${dead}`, `a.tif.tmp-${dead}.tiles`, `s2cloud-batch.json.${dead}.3.partial`];
    const theirs = [
      `notes.tmp-${dead}`, // not one of our outputs' names
      `data.tmp-${dead}.txt`,
      `b.tif.tmp-${process.pid}`, // a live writer (this process)
      `photo.${dead}.1.partial`,
    ];
    for (const n of [...ours, ...theirs]) writeFileSync(join(dir, n), 'x');
    mkdirSync(join(dir, `c.tif.tmp-${dead}`)); // a folder with our pattern: not ours to delete
    writeFileSync(join(dir, `c.tif.tmp-${dead}`, 'keep'), 'x');
    const removed = await removeStaleTemporaries(dir);
    expect(removed.sort()).toEqual([...ours].sort());
    expect(readdirSync(dir).sort()).toEqual([...theirs, `c.tif.tmp-${dead}`].sort());
  });
});

describe.skipIf(!hasTool('opj_compress'))('two batches started together on one output folder', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await batchFolder(['one'], false);
    await ensureBuiltModel('dl-l8s2-uv-6b');
  });
  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await destroySharedDecoder();
  });

  it('exactly one runs; the other is refused with BATCH_LOCKED and the lock is gone after', async () => {
    const outDir = join(tmp, 'together');
    const opts = {
      folder,
      outDir,
      resolution: 60 as const,
      jobs: 1,
      outputs: { quicklook: false, metrics: false },
    };
    const results = await Promise.allSettled([new BatchRun(opts).start(), new BatchRun(opts).start()]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as S2Error] : []));
    expect(ok).toHaveLength(1);
    expect(refused.map((e) => e.code)).toEqual(['BATCH_LOCKED']);
    expect(existsSync(join(outDir, LOCK_NAME))).toBe(false);
  });
});
