import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BatchSnapshotDto, ModelDto } from '../../../../electron/api/contract';
import { fakeApi } from '../../test/fake-api';

const api = vi.hoisted(() => ({ current: null as ReturnType<typeof fakeApi> | null }));
vi.mock('../api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api')>()),
  invoke: (c: never, a: never) => api.current!.invoke(c, a),
  on: (n: never, f: never) => api.current!.on(n, f),
}));

const MODEL = { id: 'dl-l8s2-uv-6b', isDefault: true, installed: true } as ModelDto;
const snap = (state: BatchSnapshotDto['state'], done: number): BatchSnapshotDto =>
  ({ state, done, total: 4, fraction: done / 4, scenes: [] }) as unknown as BatchSnapshotDto;

async function fresh(): Promise<typeof import('./batch.svelte').batch> {
  vi.resetModules();
  return (await import('./batch.svelte')).batch;
}

describe('batch store', () => {
  beforeEach(() => {
    api.current = fakeApi();
    api.current.handle('models.list', () => [MODEL]);
    api.current.handle('batch.status', () => null);
  });

  it('follows the batch for the whole session and keeps what was typed', async () => {
    const batch = await fresh();
    batch.init();
    batch.init();
    await vi.waitFor(() => expect(batch.form.modelId).toBe('dl-l8s2-uv-6b'));
    expect(api.current!.listeners('batch.progress')).toBe(1);
    batch.form.folder = '/data/scenes';
    batch.form.outDir = '/data/masks';
    batch.form.jobs = '2';
    batch.form.fmask = true;
    api.current!.handle('batch.start', () => snap('running', 0));
    await batch.start();
    expect(api.current!.calls.find((c) => c.channel === 'batch.start')!.args).toEqual({
      folder: '/data/scenes',
      outDir: '/data/masks',
      modelId: 'dl-l8s2-uv-6b',
      resolution: 20,
      outputs: { probabilities: false, productMasks: true, metrics: true, fmask: true },
      cloudOnly: false,
      skipExisting: true,
      jobs: 2,
    });
    expect(batch.active).toBe(true);
    api.current!.emit('batch.progress', snap('running', 3));
    expect(batch.snap?.done).toBe(3);
    api.current!.emit('batch.progress', snap('finished', 4));
    expect(batch.active).toBe(false);
  });

  it('picks up a batch that was running before the page loaded', async () => {
    api.current!.handle('batch.status', () => snap('paused', 1));
    const batch = await fresh();
    batch.init();
    await vi.waitFor(() => expect(batch.snap?.state).toBe('paused'));
    expect(batch.active).toBe(true);
  });

  it('says in words why a batch could not start, and cancels one scene or all', async () => {
    const batch = await fresh();
    batch.init();
    api.current!.handle('batch.start', () => {
      throw new Error('A batch needs a folder of products and an output folder.');
    });
    await batch.start();
    expect(batch.error).toMatch(/needs a folder/);
    api.current!.handle('batch.cancel', () => null);
    await batch.cancel('scene-2');
    await batch.cancel();
    expect(batch.error).toBeNull();
    expect(api.current!.calls.filter((c) => c.channel === 'batch.cancel').map((c) => c.args)).toEqual([
      { sceneId: 'scene-2' },
      {},
    ]);
  });
});
