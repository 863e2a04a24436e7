import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchRun,
  defaultJobs,
  JOURNAL_NAME,
  planBatch,
  readJournal,
  REPORT_NAMES,
  threadsPerJob,
  type BatchOptions,
  type BatchSnapshot,
} from '../../../electron/core/batch/index.js';
import { runModel } from '../../../electron/core/pipeline/run-model.js';
import { destroySharedDecoder } from '../../../electron/core/raster/jp2/index.js';
import { hasTool } from '../../helpers/env.js';
import { ensureBuiltModel } from '../../helpers/models.js';
import { batchFolder } from './fixtures.js';

describe('defaultJobs', () => {
  it('takes one job per two cores, capped by memory (2 GB a scene at 20 m), at least one', () => {
    expect(defaultJobs(20, { cores: 2, memoryBytes: 24 * 2 ** 30 })).toBe(1);
    expect(defaultJobs(20, { cores: 16, memoryBytes: 64 * 2 ** 30 })).toBe(8);
    expect(defaultJobs(20, { cores: 16, memoryBytes: 8 * 2 ** 30 })).toBe(2);
    expect(defaultJobs(10, { cores: 16, memoryBytes: 8 * 2 ** 30 })).toBe(1);
    expect(defaultJobs(60, { cores: 1, memoryBytes: 2 ** 30 })).toBe(1);
    expect(threadsPerJob(2, 8)).toBe(4);
    expect(threadsPerJob(3, 2)).toBe(1);
  });
});

describe.skipIf(!hasTool('opj_compress'))('batch over a folder', () => {
  let folder: string;
  const tmp = mkdtempSync(join(tmpdir(), 's2-batch-'));
  const base = (outDir: string, extra: Partial<BatchOptions> = {}): BatchOptions => ({
    folder,
    outDir,
    resolution: 60,
    jobs: 1,
    outputs: { probabilities: true, productMasks: true },
    ...extra,
  });
  beforeAll(async () => {
    folder = await batchFolder(['sceneA', 'sceneB', 'sceneC']);
    await ensureBuiltModel('dl-l8s2-uv-6b');
  });
  afterAll(async () => {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(folder, { recursive: true, force: true });
    await destroySharedDecoder();
  });

  let first: BatchSnapshot;
  const out = (): string => join(tmp, 'main');

  it('plans: every product with its metadata, unusable ones with the reason, no work done', async () => {
    const plan = await planBatch(base(out()));
    expect(plan.state).toBe('idle');
    expect(existsSync(out())).toBe(false);
    const byId = Object.fromEntries(plan.scenes.map((s) => [s.id, s]));
    expect(Object.keys(byId).sort()).toEqual([
      'more/S2B_OPER_PRD_MSIL1B.SAFE',
      'more/l2a.SAFE',
      'sceneA.SAFE',
      'sceneB.SAFE',
      'sceneC.SAFE',
      'truncated.zip',
    ]);
    expect(byId['sceneA.SAFE']).toMatchObject({
      status: 'pending',
      level: 'L1C',
      tile: '31TCJ',
      stem: 'sceneA',
    });
    expect(byId['sceneA.SAFE']!.date).toMatch(/^2024-03-05T/);
    expect(byId['sceneA.SAFE']!.sizeBytes).toBeGreaterThan(1e6);
    expect(byId['more/S2B_OPER_PRD_MSIL1B.SAFE']).toMatchObject({
      status: 'unusable',
      reason: expect.stringMatching(/Level-1B/),
    });
    expect(byId['truncated.zip']).toMatchObject({ status: 'unusable', error: { code: 'CORRUPT_ZIP' } });
    expect(byId['more/l2a.SAFE']).toMatchObject({
      status: 'unusable',
      reason: expect.stringMatching(/accepts L1C.*L2A/),
    });
    expect(plan.total).toBe(3);
  });

  it('runs every usable scene, goes on past the unusable ones, and writes outputs, journal and reports', async () => {
    const run = new BatchRun(base(out()));
    const states = new Set<string>();
    let maxFraction = 0;
    run.onChange((s) => {
      states.add(s.state);
      maxFraction = Math.max(maxFraction, s.fraction);
    });
    first = await run.start();
    expect(first.state).toBe('finished');
    expect(states.has('running')).toBe(true);
    expect(maxFraction).toBe(1);
    const done = first.scenes.filter((s) => s.status === 'done');
    expect(done.map((s) => s.id)).toEqual(['sceneA.SAFE', 'sceneB.SAFE', 'sceneC.SAFE']);
    expect(first.scenes.filter((s) => s.status === 'unusable')).toHaveLength(3);
    for (const s of done) {
      expect(Object.keys(s.outputs!).sort()).toEqual([
        'classes',
        'probabilities',
        'productMask',
        'quicklook',
      ]);
      for (const f of Object.values(s.outputs!)) expect(existsSync(f)).toBe(true);
      expect(s.outputs!.classes).toBe(join(out(), `${s.stem}_dl-l8s2-uv-6b_60m.tif`));
      expect(s.summary!.cloud).toBeGreaterThan(0);
      expect(s.summary!.agreement).toMatchObject({ source: 'L1C MSK_CLASSI' });
      expect(s.summary!.agreement!.overallAccuracy).toBeGreaterThan(0.3);
      expect(s.summary!.agreement!.cloudAgreement).toBeGreaterThan(0.5);
    }
    // The same product under three names gives three identical outputs.
    const bytes = done.map((s) => readFileSync(s.outputs!.classes!));
    expect(bytes[1]!.equals(bytes[0]!)).toBe(true);

    // Byte-identical to a single-product run.
    const single = await runModel({
      product: join(folder, 'sceneA.SAFE'),
      resolution: 60,
      classesOut: join(tmp, 'single', 'a.tif'),
      probabilities: true,
    });
    expect(readFileSync(single.classesOut).equals(bytes[0]!)).toBe(true);
    expect(
      readFileSync(single.probabilitiesOut!).equals(readFileSync(done[0]!.outputs!.probabilities!)),
    ).toBe(true);

    const journal = (await readJournal(out()))!;
    expect(journal).toMatchObject({
      format: 's2cloud-batch',
      state: 'finished',
      options: {
        modelId: 'dl-l8s2-uv-6b',
        resolution: 60,
        outputs: { probabilities: true, productMasks: true },
      },
    });
    expect(journal.scenes.map((s) => s.status).sort()).toEqual([
      'done',
      'done',
      'done',
      'unusable',
      'unusable',
      'unusable',
    ]);
    expect(journal.scenes[0]).not.toHaveProperty('progress');

    const html = readFileSync(join(out(), REPORT_NAMES.html), 'utf8');
    expect(html.match(/<img [^>]*src="data:image\/png;base64,/g)).toHaveLength(3);
    expect(html).not.toMatch(/(src|href)="(?!data:)/);
    expect(html).not.toMatch(/<link|<script/);
    expect(html).toContain('Level-1B');
    const csv = readFileSync(join(out(), REPORT_NAMES.csv), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(7);
    expect(csv[0]).toMatch(/^id,product,date,tile,level,size_mb,status/);
    expect(csv.find((l) => l.startsWith('truncated.zip'))).toMatch(/unusable.*CORRUPT_ZIP/);
    const json = JSON.parse(readFileSync(join(out(), REPORT_NAMES.json), 'utf8')) as { scenes: unknown[] };
    expect(json.scenes).toHaveLength(6);
  });

  it('resumes: a rerun skips completed scenes and redoes only one whose output went missing', async () => {
    const classesA = first.scenes.find((s) => s.id === 'sceneA.SAFE')!.outputs!.classes!;
    const classesB = first.scenes.find((s) => s.id === 'sceneB.SAFE')!.outputs!;
    const mtimeA = statSync(classesA).mtimeMs;
    unlinkSync(classesB.productMask!);
    const again = await new BatchRun(base(out())).start();
    expect(again.previousRun).toMatchObject({ state: 'finished', interrupted: false });
    const a = again.scenes.find((s) => s.id === 'sceneA.SAFE')!;
    expect(a).toMatchObject({ status: 'done', reason: 'completed in an earlier run', attempts: 1 });
    expect(a.summary?.agreement).toBeDefined();
    expect(statSync(classesA).mtimeMs).toBe(mtimeA);
    const b = again.scenes.find((s) => s.id === 'sceneB.SAFE')!;
    expect(b).toMatchObject({ status: 'done', attempts: 2 });
    expect(existsSync(classesB.productMask!)).toBe(true);
  });

  it('refuses a journal written with other options unless restarted', async () => {
    const err = await new BatchRun(base(out(), { resolution: 20 })).start().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/other options \(resolution 60 -> 20\).*--restart/),
    });
    await expect(planBatch(base(out(), { cloudOnly: true }))).rejects.toThrow(/cloud-only false -> true/);
    const restarted = await planBatch(base(out(), { cloudOnly: true, restart: true }));
    expect(restarted.scenes.filter((s) => s.status === 'pending')).toHaveLength(3);
    // Skip existing: outputs written by another run are not redone when the journal is gone.
    unlinkSync(join(out(), JOURNAL_NAME));
    const noJournal = await planBatch(base(out()));
    expect(noJournal.scenes.filter((s) => s.status === 'skipped')).toHaveLength(3);
    expect(
      (await planBatch(base(out(), { skipExisting: false }))).scenes.filter((s) => s.status === 'pending'),
    ).toHaveLength(3);
  });

  it('cancels one scene and the batch goes on; a pending one can be cancelled before it starts', async () => {
    const o = join(tmp, 'cancel');
    const run = new BatchRun(base(o, { outputs: { quicklook: false } }));
    run.cancel('sceneC.SAFE');
    run.onChange((s) => {
      const b = s.scenes.find((x) => x.id === 'sceneB.SAFE');
      if (b?.status === 'running' && (b.progress ?? 0) > 0) run.cancel('sceneB.SAFE');
    });
    const snap = await run.start();
    const st = Object.fromEntries(snap.scenes.map((s) => [s.id, s]));
    expect(st['sceneA.SAFE']!.status).toBe('done');
    expect(st['sceneB.SAFE']).toMatchObject({ status: 'cancelled', reason: 'cancelled by the user' });
    expect(st['sceneC.SAFE']).toMatchObject({
      status: 'cancelled',
      reason: expect.stringMatching(/before it started/),
    });
    expect(snap.state).toBe('finished');
    expect(existsSync(join(o, 'sceneB_dl-l8s2-uv-6b_60m.tif'))).toBe(false);
    // Nothing half-written is left.
    expect(readFileSync(join(o, JOURNAL_NAME), 'utf8')).toContain('"cancelled by the user"');
    const rerun = await planBatch(base(o, { outputs: { quicklook: false } }));
    expect(rerun.scenes.filter((s) => s.status === 'pending').map((s) => s.id)).toEqual([
      'sceneB.SAFE',
      'sceneC.SAFE',
    ]);
  });

  it('pause starts no new scene until resume; cancel() stops the batch and a rerun finishes it', async () => {
    const o = join(tmp, 'pause');
    const opts = base(o, { outputs: { quicklook: false, metrics: false } });
    const run = new BatchRun(opts);
    let pausedAt = -1;
    let startedWhilePaused = false;
    const seen: BatchSnapshot[] = [];
    run.onChange((s) => {
      seen.push(s);
      if (pausedAt < 0 && s.scenes.some((x) => x.status === 'running')) {
        pausedAt = seen.length;
        run.pause();
      }
      if (
        s.state === 'paused' &&
        s.scenes.filter((x) => x.status === 'running' || x.status === 'done').length > 1
      )
        startedWhilePaused = true;
    });
    const finished = run.start();
    // Wait until the first scene is done while paused, then give it time to (wrongly) start another.
    await waitFor(() => run.snapshot().done === 1);
    await new Promise((r) => setTimeout(r, 1500));
    const mid = run.snapshot();
    expect(mid.state).toBe('paused');
    expect(mid.scenes.filter((s) => s.status === 'running')).toHaveLength(0);
    expect(startedWhilePaused).toBe(false);
    // Cancel while paused: the batch ends, the rest stays pending.
    run.cancel();
    const end = await finished;
    expect(end.state).toBe('cancelled');
    expect(end.scenes.filter((s) => s.status === 'pending')).toHaveLength(2);
    expect((await readJournal(o))!.state).toBe('cancelled');
    // Resume through a new run: only the two left are processed.
    const run2 = new BatchRun(opts);
    run2.pause();
    const p2 = run2.start();
    await waitFor(() => run2.snapshot().state === 'paused');
    expect(run2.snapshot().scenes.some((s) => s.status === 'running')).toBe(false);
    run2.resume();
    const end2 = await p2;
    expect(end2.state).toBe('finished');
    expect(end2.previousRun).toMatchObject({ state: 'cancelled', interrupted: true });
    expect(end2.scenes.filter((s) => s.status === 'done' && s.attempts === 1)).toHaveLength(3);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
