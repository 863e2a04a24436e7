/**
 * Walks over a batch folder (issue 12): a symbolic-link cycle inside a .SAFE does not hang
 * planning (size sums track device + inode), cancelling a batch stops its planning at once, and
 * an unreadable subfolder is one problem entry while every other product is still listed.
 * Unreadable folders are tested twice: with an injected readdir that fails with EACCES (root
 * ignores chmod 000), and for real with chmod 000 in a child process run as `nobody` (setpriv),
 * where this test runs as root.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchRun, planBatch } from '../../../electron/core/batch/index.js';
import { sizeOnDisk } from '../../../electron/core/batch/plan.js';
import { S2Error } from '../../../electron/core/errors.js';
import { discoverProducts } from '../../../electron/core/scene/index.js';
import { hasTool, ROOT } from '../../helpers/env.js';
import { ensureBuiltModel } from '../../helpers/models.js';
import { smallScenes } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 's2-walks-'));
chmodSync(tmp, 0o755); // the `nobody` child below must reach it
afterAll(() => {
  chmodSync(join(tmp, 'in', 'locked'), 0o755);
  rmSync(tmp, { recursive: true, force: true });
});

const canDropRoot =
  process.getuid?.() === 0 && hasTool('setpriv')
    ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']).status === 0
    : false;

describe.skipIf(!hasTool('opj_compress'))('batch folder walks', () => {
  const folder = join(tmp, 'in');
  beforeAll(async () => {
    const { l1c } = await smallScenes();
    mkdirSync(join(folder, 'locked'), { recursive: true });
    // A copy with a link cycle inside: GRANULE/loop -> .. (the .SAFE itself).
    cpSync(l1c, join(folder, 'looped.SAFE'), { recursive: true });
    symlinkSync('..', join(folder, 'looped.SAFE', 'GRANULE', 'loop'));
    symlinkSync(l1c, join(folder, 'locked', 'hidden.SAFE'));
    await ensureBuiltModel('dl-l8s2-uv-6b');
  });

  it('a link cycle inside a .SAFE: planning ends and the size counts each folder once', async () => {
    const plain = await sizeOnDisk((await smallScenes()).l1c);
    const looped = await sizeOnDisk(join(folder, 'looped.SAFE'));
    expect(looped).toBe(plain);
    const plan = await planBatch({ folder, outDir: join(tmp, 'out'), resolution: 60 });
    const scene = plan.scenes.find((s) => s.id === 'looped.SAFE')!;
    expect(scene.status).toBe('pending');
    expect(scene.sizeBytes).toBe(plain);
  });

  it('cancel() stops planning at once: start() ends with CANCELLED', async () => {
    const run = new BatchRun({ folder, outDir: join(tmp, 'out-cancel'), resolution: 60 });
    const states: string[] = [];
    run.onChange((snap) => states.push(snap.state));
    const started = run.start();
    run.cancel();
    const err = (await started.catch((e: unknown) => e)) as S2Error;
    expect(err).toBeInstanceOf(S2Error);
    expect(err.code).toBe('CANCELLED');
    // The GUI sees the end: 'cancelling', then 'cancelled' (not 'cancelling' for ever).
    expect(states).toEqual(['cancelling', 'cancelled']);
    expect(run.snapshot().state).toBe('cancelled');
    const aborted = new AbortController();
    aborted.abort();
    const e2 = (await sizeOnDisk(folder, aborted.signal).catch((e: unknown) => e)) as S2Error;
    expect(e2.code).toBe('CANCELLED');
  });

  it('a cancel ends discovery even while a folder listing hangs (a stalled mount, injected)', async () => {
    const ac = new AbortController();
    let reached!: () => void;
    const hanging = new Promise<void>((r) => (reached = r));
    const found = discoverProducts(folder, {
      signal: ac.signal,
      readdir: async (dir) => {
        if (!dir.endsWith('locked')) return readdir(dir, { withFileTypes: true });
        reached();
        return new Promise<never>(() => {}); // never answers
      },
    });
    await hanging;
    ac.abort();
    const err = (await found.catch((e: unknown) => e)) as S2Error;
    expect(err).toBeInstanceOf(S2Error);
    expect(err.code).toBe('CANCELLED');
  });

  it('an unreadable subfolder (injected EACCES) is one problem entry; the rest is listed', async () => {
    const found = await discoverProducts(folder, {
      readdir: async (dir) => {
        if (dir.endsWith('locked'))
          throw Object.assign(new Error(`EACCES: permission denied, scandir '${dir}'`), { code: 'EACCES' });
        return readdir(dir, { withFileTypes: true });
      },
    });
    expect(found.map((e) => [e.path.slice(folder.length + 1), e.ok])).toEqual([
      ['looped.SAFE', true],
      ['locked', false],
    ]);
    const problem = found[1]!;
    if (!problem.ok) expect(problem.error.message).toMatch(/locked cannot be read \(permission denied\)/);
  });

  it.skipIf(!canDropRoot)('chmod 000 for real (as nobody): the batch plans the rest', () => {
    chmodSync(join(folder, 'locked'), 0o000);
    try {
      const script = `
        import { planBatch } from ${JSON.stringify(join(ROOT, 'electron/core/batch/index.ts'))};
        const p = await planBatch({ folder: ${JSON.stringify(folder)}, outDir: ${JSON.stringify(join(tmp, 'out-nobody'))}, resolution: 60 });
        console.log(JSON.stringify(p.scenes.map((s) => [s.id, s.status, s.reason ?? ''])));`;
      const r = spawnSync(
        'setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          process.execPath,
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          script,
        ],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HOME: tmp } },
      );
      expect(r.status, r.stderr).toBe(0);
      const scenes = JSON.parse(r.stdout.trim().split('\n').pop()!) as [string, string, string][];
      expect(scenes).toEqual([
        ['looped.SAFE', 'pending', ''],
        ['locked', 'unusable', expect.stringMatching(/locked cannot be read \(permission denied\)/)],
      ]);
    } finally {
      chmodSync(join(folder, 'locked'), 0o755);
    }
  });
});
