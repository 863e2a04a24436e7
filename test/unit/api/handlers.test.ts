/**
 * The API as both shells use it (createApi): runs with progress events and cancel, settings,
 * the file browser listing, and errors that reach the user in words.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage, RunFinishedDto } from '../../../electron/api/contract.js';
import { createApi, dispatch, type ApiContext } from '../../../electron/api/handlers.js';
import { DATA_DIR, hasTool } from '../../helpers/env.js';

const SMALL = join(
  DATA_DIR,
  'scenes',
  'small-L1C',
  'S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE',
);

describe('API handlers', () => {
  let dir: string;
  let api: ApiContext;
  const events: EventMessage[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'api-handlers-'));
    api = createApi({
      app: { name: 'S2 Cloud Studio', version: 'test', shell: 'web' },
      tileBase: 'tiles/',
      settingsPath: join(dir, 'settings.json'),
    });
    api.events.subscribe((m) => events.push(m));
  });
  afterAll(async () => {
    await api.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const finished = (runId: string): Promise<RunFinishedDto> =>
    new Promise((resolve) => {
      const off = api.events.subscribe((m) => {
        if (m.name === 'run.finished' && (m.payload as RunFinishedDto).runId === runId) {
          off();
          resolve(m.payload as RunFinishedDto);
        }
      });
    });

  it.skipIf(!hasTool('opj_compress'))(
    'runs the default model with progress events, then cancels a second run',
    async () => {
      const out = join(dir, 'run');
      mkdirSync(out);
      const { runId } = await api.handlers['run.start']({
        product: SMALL,
        modelId: 'dl-l8s2-uv-6b',
        resolution: 60,
        outDir: out,
      });
      const done = await finished(runId);
      expect(done.ok, JSON.stringify(done.error)).toBe(true);
      expect(done.result!.classesOut).toBe(
        join(out, 'S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347_dl-l8s2-uv-6b_60m.tif'),
      );
      const shares = Object.values(done.result!.shares);
      expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 3);
      const progress = events.filter(
        (e) => e.name === 'run.progress' && (e.payload as { runId: string }).runId === runId,
      );
      expect(progress.length).toBeGreaterThan(1);
      const fractions = progress.map((e) => (e.payload as { fraction: number }).fraction);
      expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);

      const second = await api.handlers['run.start']({
        product: SMALL,
        modelId: 'dl-l8s2-uv-6b',
        resolution: 60,
        outDir: join(dir, 'cancel'),
      });
      await api.handlers['run.cancel']({ runId: second.runId });
      const cancelled = await finished(second.runId);
      expect(cancelled.ok).toBe(false);
      expect(cancelled.cancelled).toBe(true);
    },
  );

  it('says in words when a run cannot start or fails', async () => {
    const bad = await dispatch(api.handlers, 'run.start', { product: '' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/Choose a product/);
    const { runId } = await api.handlers['run.start']({
      product: join(dir, 'missing.SAFE'),
      modelId: 'dl-l8s2-uv-6b',
    });
    const f = await finished(runId);
    expect(f.ok).toBe(false);
    expect(f.error!.message).toContain('missing.SAFE');
  });

  it('remembers recent products (most recent first, once each) and the layout', async () => {
    await api.handlers['settings.update']({ patch: {}, recent: { path: '/data/a.SAFE', name: 'A' } });
    await api.handlers['settings.update']({ patch: {}, recent: { path: '/data/b.SAFE', name: 'B' } });
    await api.handlers['settings.update']({
      patch: { layout: { panel: 'metrics' } },
      recent: { path: '/data/a.SAFE', name: 'A' },
    });
    const s = await api.handlers['settings.get']({});
    expect(s.recent.map((r) => r.path)).toEqual(['/data/a.SAFE', '/data/b.SAFE']);
    expect(s.layout).toEqual({ panel: 'metrics' });
  });

  it('lists folders for the file browser: products first and marked, hidden files left out', async () => {
    const f = join(dir, 'browse');
    mkdirSync(join(f, 'sub'), { recursive: true });
    writeFileSync(join(f, 'notes.txt'), 'x');
    writeFileSync(join(f, '.hidden'), 'x');
    writeFileSync(join(f, 'S2A_MSIL2A_20240101T000000_N0510_R001_T31TCJ_20240101T000000.zip'), 'x');
    symlinkSync(SMALL, join(f, 'S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE'));
    const l = await api.handlers['fs.list']({ path: f });
    expect(l.parent).toBe(dir);
    expect(l.entries.map((e) => [e.name, e.kind])).toEqual([
      ['S2A_MSIL2A_20240101T000000_N0510_R001_T31TCJ_20240101T000000.zip', 'product'],
      ['S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE', 'product'],
      ['sub', 'dir'],
      ['notes.txt', 'file'],
    ]);
    const missing = await dispatch(api.handlers, 'fs.list', { path: join(dir, 'nope') });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error.message).toContain(join(dir, 'nope'));
  });

  it('lists the models with the default one marked', async () => {
    const models = await api.handlers['models.list']({});
    expect(models.find((m) => m.isDefault)?.id).toBe('dl-l8s2-uv-6b');
    expect(models.every((m) => typeof m.source === 'string' && m.classes.length > 0)).toBe(true);
  });

  it.skipIf(!hasTool('opj_compress'))(
    'runs a batch with progress events; other options on the same output are refused in words',
    async () => {
      const folder = join(dir, 'batch-in');
      mkdirSync(folder);
      symlinkSync(SMALL, join(folder, 'one.SAFE'));
      const outDir = join(dir, 'batch-out');
      const finished = new Promise<void>((resolve) => {
        const off = api.events.subscribe((m) => {
          if (m.name === 'batch.progress' && (m.payload as { state: string }).state === 'finished') {
            off();
            resolve();
          }
        });
      });
      const first = await api.handlers['batch.start']({ folder, outDir, resolution: 60 });
      expect(first.scenes).toHaveLength(1);
      await finished;
      const status = await api.handlers['batch.status']({});
      expect(status!.scenes[0]!.status).toBe('done');
      expect(status!.scenes[0]!.outputs!.classes).toMatch(/_60m\.tif$/);
      const again = await dispatch(api.handlers, 'batch.start', { folder, outDir, resolution: 20 });
      expect(again.ok).toBe(false);
      if (!again.ok) expect(again.error.message).toMatch(/resolution 60 -> 20/);
    },
  );
});
