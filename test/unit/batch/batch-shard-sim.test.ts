/**
 * The array-job engine, simulated here: N `s2cloud batch --shard k/N` processes (the real CLI,
 * spawned) started at once over one product list and one output folder, one SIGKILLed mid-way
 * and started again as an engine retries a task. Every product must be processed exactly once,
 * no file written by two shards, and `s2cloud batch report` must give the reports a single
 * process gives over the same list. Then `--shard auto` with each engine's variables.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_NAMES, type BatchJournal } from '../../../electron/core/batch/index.js';
import {
  ENGINES,
  SHARD_COUNT_VARIABLE,
  shardJournalName,
  shardOf,
} from '../../../electron/core/batch/shard.js';
import { sampleProductPath } from '../../../electron/core/sample/path.js';
import { hasTool, ROOT } from '../../helpers/env.js';
import { ensureBuiltModel } from '../../helpers/models.js';
import { L1B, smallScenes } from './fixtures.js';

const BIN = join(ROOT, 'bin', 's2cloud.js');
const N = 3;
/** Links to the small L1C per shard: shard 0 gets three (it is the one killed), the others two. */
const PER_SHARD = [3, 2, 2];

interface Child {
  exit: Promise<number | null>;
  kill: () => void;
  output: () => string;
}

/** `s2cloud <args>` in a child process, with `env` added to a copy of ours without any engine's variables. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const base = { ...process.env };
  for (const e of ENGINES) {
    delete base[e.index];
    if (e.count) delete base[e.count];
  }
  delete base[SHARD_COUNT_VARIABLE];
  delete base.SLURM_ARRAY_TASK_MIN;
  delete base.SLURM_ARRAY_TASK_MAX;
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { exit, kill: () => child.kill('SIGKILL'), output: () => text };
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

async function waitFor<T>(
  what: string,
  get: () => T | null | undefined | false,
  timeoutMs = 120_000,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Report text with what differs between any two runs (timings, generation time, folder) taken out. */
function csvContent(text: string, outDir: string): string[][] {
  const rows = text
    .replaceAll(outDir, '<out>')
    .trimEnd()
    .split('\n')
    .map((r) => r.split(','));
  const col = rows[0]!.indexOf('seconds');
  return rows.map((r) => r.filter((_, i) => i !== col));
}

const RUN_FIELDS = ['seconds', 'finishedAt', 'attempts'] as const;

function jsonContent(text: string, outDir: string): unknown {
  const j = JSON.parse(text.replaceAll(outDir, '<out>')) as Record<string, unknown> & {
    scenes: Record<string, unknown>[];
    options: Record<string, unknown>;
  };
  const { generatedAt: _g, startedAt: _s, jobs: _j, threadsPerJob: _t, previousRun: _p, ...rest } = j;
  const { folder, outDir: o, modelId, resolution, outputs, cloudOnly } = j.options;
  return {
    ...rest,
    options: { folder, outDir: o, modelId, resolution, outputs, cloudOnly },
    scenes: j.scenes.map((s) =>
      Object.fromEntries(Object.entries(s).filter(([k]) => !(RUN_FIELDS as readonly string[]).includes(k))),
    ),
  };
}

function htmlContent(text: string, outDir: string): string {
  return text
    .replaceAll(outDir, '<out>')
    .replace(/<dt>Generated<\/dt><dd>[^<]*<\/dd>/, '')
    .replace(/<td class="n">[\d.]*<\/td><td class="why">/g, '<td class="n">s</td><td class="why">');
}

describe.skipIf(!hasTool('opj_compress'))('the batch split across an array job, simulated', () => {
  const tmp = mkdtempSync(join(tmpdir(), 's2-shard-sim-'));
  let list: string;
  let names: string[];
  const products: string[] = [];

  beforeAll(async () => {
    await ensureBuiltModel('dl-l8s2-uv-6b');
    const { l1c, l2a } = await smallScenes();
    const input = join(tmp, 'in');
    // Names chosen so each shard gets its share of the small L1C (a product's shard is its id, hashed).
    names = [];
    const got = new Array<number>(N).fill(0);
    for (let i = 0; names.length < PER_SHARD.reduce((a, b) => a + b); i++) {
      const id = `in/scene${String(i).padStart(2, '0')}.SAFE`;
      const k = shardOf(id, N);
      if (got[k]! < PER_SHARD[k]!) {
        got[k]!++;
        names.push(id);
      }
    }
    rmSync(input, { recursive: true, force: true });
    mkdirSync(input);
    for (const n of names) symlinkSync(l1c, join(tmp, n));
    symlinkSync(sampleProductPath(), join(input, 'sample.SAFE'));
    symlinkSync(l2a, join(input, 'l2a.SAFE'));
    symlinkSync(L1B, join(input, 'l1b.SAFE'));
    writeFileSync(join(input, 'truncated.zip'), Buffer.from('PK\x03\x04 not a whole zip'));
    products.push(
      ...names,
      'in/sample.SAFE',
      'in/l2a.SAFE',
      'in/l1b.SAFE',
      'in/truncated.zip',
      'in/missing.SAFE',
    );
    list = join(tmp, 'season.txt');
    // Shuffled on purpose, with comments: the slices must not depend on the order.
    writeFileSync(
      list,
      ['# a season, one product per line', ...[...products].reverse(), '', '# end'].join('\n'),
    );
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('N shards at once, one SIGKILLed and retried: each product once, merged reports as one process gives', async () => {
    const out = join(tmp, 'out');
    const args = (k: number): string[] => [
      'batch',
      list,
      '--out',
      out,
      '--shard',
      `${k}/${N}`,
      '--resolution',
      '60',
      '--jobs',
      '1',
    ];
    const t0 = Date.now();
    const shards = Array.from({ length: N }, (_, k) => cli(args(k)));
    // Kill shard 0 once it has finished one product and is in the middle of the next.
    const j0 = join(out, shardJournalName({ index: 0, count: N }));
    const atKill = await waitFor('shard 0 to finish one product and start another', () => {
      const j = readJson<BatchJournal>(j0);
      return (
        j && j.scenes.some((s) => s.status === 'done') && j.scenes.some((s) => s.status === 'running') && j
      );
    });
    shards[0]!.kill();
    expect(await shards[0]!.exit).toBeNull(); // killed by the signal
    const killed = readJson<BatchJournal>(j0)!;
    expect(killed.state).toBe('running');
    const runningAtKill = killed.scenes.filter((s) => s.status === 'running').map((s) => s.id);
    const doneAtKill = killed.scenes.filter((s) => s.status === 'done');
    expect(doneAtKill.length).toBeGreaterThanOrEqual(atKill.scenes.filter((s) => s.status === 'done').length);
    const mtimes = new Map(doneAtKill.map((s) => [s.id, statSync(s.outputs!.classes!).mtimeMs]));

    // The engine retries the task: same command, same shard.
    const retry = cli(args(0));
    const codes = await Promise.all([retry.exit, shards[1]!.exit, shards[2]!.exit]);
    const parallelSeconds = (Date.now() - t0) / 1000;
    expect(codes, [retry.output(), shards[1]!.output(), shards[2]!.output()].join('\n----\n')).toEqual([
      0, 0, 0,
    ]);
    expect(retry.output()).toMatch(/resuming an interrupted run/);
    expect(retry.output()).toMatch(/took over the lock of process \d+/);

    // Exactly once: every product in one journal, none done twice, no output named by two shards.
    const journals = Array.from({ length: N }, (_, k) =>
      readJson<BatchJournal>(join(out, shardJournalName({ index: k, count: N })))!,
    );
    const seen = new Map<string, number>();
    const files = new Map<string, number>();
    for (const j of journals) {
      expect(j.state).toBe('finished');
      for (const s of j.scenes) {
        seen.set(s.id, (seen.get(s.id) ?? 0) + 1);
        for (const f of Object.values(s.outputs ?? {})) files.set(f, (files.get(f) ?? 0) + 1);
      }
    }
    const duplicates = [...seen].filter(([, n]) => n > 1).length + [...files].filter(([, n]) => n > 1).length;
    expect(duplicates).toBe(0);
    expect([...seen.keys()].sort()).toEqual([...products].sort());
    const all = journals.flatMap((j) => j.scenes);
    const usable = names.length + 1; // the links and the sample
    expect(all.filter((s) => s.status === 'done')).toHaveLength(usable);
    expect(all.filter((s) => s.status === 'unusable')).toHaveLength(4);
    for (const s of all.filter((x) => x.status === 'done')) {
      // Started once, except the one the kill interrupted (started twice, finished once).
      expect(s.attempts, s.id).toBe(runningAtKill.includes(s.id) ? 2 : 1);
      if (mtimes.has(s.id))
        expect(statSync(s.outputs!.classes!).mtimeMs, `${s.id} rewritten`).toBe(mtimes.get(s.id));
    }
    expect(readdirSync(out).filter((f) => /\.tmp-|\.partial$|\.lock$/.test(f))).toEqual([]);
    // No shard wrote the reports: that is the merge's job alone.
    for (const name of Object.values(REPORT_NAMES)) expect(existsSync(join(out, name))).toBe(false);

    const merged = cli(['batch', 'report', out]);
    expect(await merged.exit, merged.output()).toBe(0);
    expect(merged.output()).toMatch(/merged 3 journals of 3 shards: complete/);

    // The same list in one process.
    const single = join(tmp, 'single');
    const t1 = Date.now();
    const one = cli(['batch', list, '--out', single, '--resolution', '60', '--jobs', '1']);
    expect(await one.exit, one.output()).toBe(1); // unusable products: exit 1, as always without --shard
    const singleSeconds = (Date.now() - t1) / 1000;

    const read = (dir: string, name: string): string => readFileSync(join(dir, name), 'utf8');
    expect(csvContent(read(out, REPORT_NAMES.csv), out)).toEqual(
      csvContent(read(single, REPORT_NAMES.csv), single),
    );
    expect(jsonContent(read(out, REPORT_NAMES.json), out)).toEqual(
      jsonContent(read(single, REPORT_NAMES.json), single),
    );
    expect(htmlContent(read(out, REPORT_NAMES.html), out)).toBe(
      htmlContent(read(single, REPORT_NAMES.html), single),
    );
    // And the outputs themselves, byte for byte.
    const singleJournal = readJson<BatchJournal>(join(single, 's2cloud-batch.json'))!;
    for (const s of singleJournal.scenes.filter((x) => x.status === 'done')) {
      for (const f of Object.values(s.outputs!)) {
        const name = f.slice(single.length + 1);
        expect(readFileSync(join(out, name)).equals(readFileSync(f)), name).toBe(true);
      }
    }
    console.log(
      `simulation: ${products.length} listed products (${usable} processed, 4 unusable), ${N} shards, 1 SIGKILL ` +
        `+ retry, duplicates ${duplicates}; shards ${parallelSeconds.toFixed(1)} s, one process ${singleSeconds.toFixed(1)} s`,
    );
  });

  it('--shard auto with each engine’s variables: the slices, the journals, one merged report', async () => {
    const small = join(tmp, 'small.txt');
    writeFileSync(small, 'in/l1b.SAFE\nin/truncated.zip\nin/missing.SAFE\nin/l2a.SAFE\n');
    const engines: [string, (k: number) => NodeJS.ProcessEnv, string][] = [
      ['k8s', (k) => ({ JOB_COMPLETION_INDEX: String(k) }), 'auto/2'],
      ['k8s-env', (k) => ({ JOB_COMPLETION_INDEX: String(k), S2CLOUD_SHARD_COUNT: '2' }), 'auto'],
      ['aws', (k) => ({ AWS_BATCH_JOB_ARRAY_INDEX: String(k), AWS_BATCH_JOB_ARRAY_SIZE: '2' }), 'auto'],
      ['gcb', (k) => ({ BATCH_TASK_INDEX: String(k), BATCH_TASK_COUNT: '2' }), 'auto'],
      [
        'slurm',
        (k) => ({
          SLURM_ARRAY_TASK_ID: String(k + 1),
          SLURM_ARRAY_TASK_COUNT: '2',
          SLURM_ARRAY_TASK_MIN: '1',
          SLURM_ARRAY_TASK_MAX: '2',
        }),
        'auto',
      ],
    ];
    for (const [name, env, shard] of engines) {
      const out = join(tmp, `auto-${name}`);
      const stale = { S2CLOUD_LOCK_STALE_SECONDS: '2' };
      if (name === 'gcb') {
        // Task 0 is a retry on another machine: its predecessor's lock stopped being refreshed.
        mkdirSync(out);
        const lock = join(out, shardJournalName({ index: 0, count: 2 }).replace(/\.json$/, '.lock'));
        writeFileSync(lock, JSON.stringify({ pid: 1, host: 'pod-elsewhere', startedAt: 'then', token: 'x' }));
        const hourAgo = new Date(Date.now() - 3_600_000);
        utimesSync(lock, hourAgo, hourAgo);
      }
      const tasks = [0, 1].map((k) =>
        cli(['batch', small, '--out', out, '--shard', shard, '--resolution', '60'], { ...env(k), ...stale }),
      );
      const codes = await Promise.all(tasks.map((t) => t.exit));
      expect(codes, tasks.map((t) => t.output()).join('\n')).toEqual([0, 0]);
      tasks.forEach((t, k) => expect(t.output()).toMatch(new RegExp(`shard ${k} of 2 \\(`)));
      if (name === 'gcb')
        expect(tasks[0]!.output()).toMatch(
          /took over the lock of process 1 on pod-elsewhere \(started then\), not refreshed for over 2 s/,
        );
      const journals = [0, 1].map((k) =>
        readJson<BatchJournal>(join(out, shardJournalName({ index: k, count: 2 })))!,
      );
      expect(journals.flatMap((j) => j.scenes.map((s) => s.id)).sort()).toEqual([
        'in/l1b.SAFE',
        'in/l2a.SAFE',
        'in/missing.SAFE',
        'in/truncated.zip',
      ]);
      for (const [k, j] of journals.entries()) for (const s of j.scenes) expect(shardOf(s.id, 2)).toBe(k);
      if (name === 'slurm') {
        const report = cli(['batch', 'report', out]);
        expect(await report.exit, report.output()).toBe(0);
        expect(report.output()).toMatch(/merged 2 journals of 2 shards: complete/);
      }
    }
    // A task without any engine's variables is told what to do.
    const lost = cli(['batch', small, '--out', join(tmp, 'auto-none'), '--shard', 'auto']);
    expect(await lost.exit).toBe(2);
    expect(lost.output()).toMatch(/none of JOB_COMPLETION_INDEX \(Kubernetes Indexed Job\)/);
  });
});
