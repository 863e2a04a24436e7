import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNAL_NAME, type BatchJournal } from '../../../electron/core/batch/index.js';
import { runCli } from '../../helpers/cli.js';
import { hasTool, ROOT } from '../../helpers/env.js';
import { ensureBuiltModel } from '../../helpers/models.js';
import { batchFolder } from './fixtures.js';

const BIN = join(ROOT, 'bin', 's2cloud.js');
const NAMES = ['sceneA', 'sceneB', 'sceneC', 'sceneD'];

function readJournalFile(outDir: string): BatchJournal | null {
  try {
    return JSON.parse(readFileSync(join(outDir, JOURNAL_NAME), 'utf8')) as BatchJournal;
  } catch {
    return null;
  }
}

/** Starts `s2cloud batch` in a child process; resolves when `when(journal)` holds, with the child. */
function startBatch(args: string[]): {
  child: ChildProcess;
  exit: Promise<number | null>;
  output: () => string;
} {
  const child = spawn(process.execPath, [BIN, 'batch', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exit, output: () => text };
}

async function waitForJournal(
  outDir: string,
  when: (j: BatchJournal) => boolean,
  timeoutMs = 90_000,
): Promise<BatchJournal> {
  const t0 = Date.now();
  for (;;) {
    const j = readJournalFile(outDir);
    if (j && when(j)) return j;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`journal condition not met; last: ${JSON.stringify(j?.scenes.map((s) => s.status))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const count = (j: BatchJournal, status: string): number => j.scenes.filter((s) => s.status === status).length;

describe.skipIf(!hasTool('opj_compress'))('s2cloud batch', () => {
  let folder: string;
  const tmp = mkdtempSync(join(tmpdir(), 's2-cli-batch-'));
  beforeAll(async () => {
    folder = await batchFolder(NAMES, false);
    await ensureBuiltModel('dl-l8s2-uv-6b');
  });
  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(folder, { recursive: true, force: true });
  });

  it('survives a kill: the rerun skips completed scenes, finishes the rest, with the outputs predict gives', async () => {
    const out = join(tmp, 'killed');
    const args = [folder, '--out', out, '--resolution', '60', '--jobs', '1', '--probabilities'];
    const first = startBatch(args);
    const atKill = await waitForJournal(out, (j) => count(j, 'done') >= 1 && count(j, 'running') === 1);
    first.child.kill('SIGKILL');
    await first.exit;
    const journal = readJournalFile(out)!;
    expect(journal.state).toBe('running');
    const doneBefore = journal.scenes.filter((s) => s.status === 'done').map((s) => s.id);
    expect(doneBefore.length).toBeGreaterThanOrEqual(atKill.scenes.filter((s) => s.status === 'done').length);
    expect(doneBefore.length).toBeLessThan(NAMES.length);
    const doneMtimes = new Map(
      journal.scenes
        .filter((s) => s.status === 'done')
        .map((s) => [s.id, statSync(s.outputs!.classes!).mtimeMs]),
    );
    // A temporary file as a killed COG write leaves it (a pid that no longer runs).
    writeFileSync(join(out, `sceneD_dl-l8s2-uv-6b_60m.tif.tmp-999999`), 'partial');

    const rerun = await runCli(['batch', ...args]);
    expect(rerun.err).toMatch(/resuming an interrupted run/);
    expect(rerun.code).toBe(0);
    const after = readJournalFile(out)!;
    expect(after.state).toBe('finished');
    expect(count(after, 'done')).toBe(NAMES.length);
    for (const s of after.scenes) {
      if (doneBefore.includes(s.id)) {
        expect(s).toMatchObject({ reason: 'completed in an earlier run', attempts: 1 });
        expect(statSync(s.outputs!.classes!).mtimeMs).toBe(doneMtimes.get(s.id));
      }
    }
    expect(after.scenes.some((s) => (s.attempts ?? 0) === 2)).toBe(true); // the interrupted one
    expect(readdirSync(out).filter((f) => /\.tmp-|\.partial$/.test(f))).toEqual([]);
    expect(rerun.out).toMatch(/sceneA\s+2024-03-05\s+31TCJ\s+L1C\s+\d+ MB\s+done/);
    expect(rerun.out).toMatch(/reports: .*s2cloud-batch-report\.html/);

    // Same bytes as a plain `s2cloud predict` of the product.
    const single = join(tmp, 'predict.tif');
    const p = await runCli([
      'predict',
      join(folder, 'sceneA.SAFE'),
      '--resolution',
      '60',
      '--out',
      single,
      '--probabilities',
    ]);
    expect(p.code).toBe(0);
    for (const s of after.scenes) {
      expect(readFileSync(s.outputs!.classes!).equals(readFileSync(single))).toBe(true);
      expect(
        readFileSync(s.outputs!.probabilities!).equals(
          readFileSync(single.replace(/\.tif$/, '_probabilities.tif')),
        ),
      ).toBe(true);
    }
  });

  it('Ctrl+C cancels cleanly: journal and reports written, exit 130, a rerun resumes', async () => {
    const out = join(tmp, 'sigint');
    const args = [folder, '--out', out, '--resolution', '60', '--jobs', '1'];
    const first = startBatch(args);
    await waitForJournal(out, (j) => count(j, 'running') === 1);
    first.child.kill('SIGINT');
    expect(await first.exit).toBe(130);
    const j = readJournalFile(out)!;
    expect(j.state).toBe('cancelled');
    expect(j.scenes.some((s) => s.status === 'cancelled' && /interrupted/.test(s.reason ?? ''))).toBe(true);
    expect(count(j, 'running')).toBe(0);
    expect(first.output()).toMatch(/cancelling/);
    expect(existsSync(join(out, 's2cloud-batch-report.html'))).toBe(true);
    const rerun = await runCli(['batch', ...args]);
    expect(rerun.code).toBe(0);
    expect(count(readJournalFile(out)!, 'done')).toBe(NAMES.length);
  });

  it('explains bad arguments and an options mismatch', async () => {
    expect((await runCli(['batch', folder])).err).toMatch(/--out <dir> is required/);
    expect((await runCli(['batch', folder, '--out', tmp, '--jobs', '0'])).code).toBe(2);
    const r = await runCli([
      'batch',
      folder,
      '--out',
      join(tmp, 'killed'),
      '--resolution',
      '60',
      '--jobs',
      '1',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/other options \(probabilities true -> false\)/);
    expect(r.err).toMatch(/--restart/);
  });
});
