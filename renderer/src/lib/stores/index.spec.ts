import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppInfo } from '../../../../electron/api/contract';
import { fakeApi } from '../../test/fake-api';

const api = vi.hoisted(() => ({ current: null as ReturnType<typeof fakeApi> | null }));
vi.mock('../api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api')>()),
  invoke: (c: never, a: never) => api.current!.invoke(c, a),
  on: (n: never, f: never) => api.current!.on(n, f),
}));

async function load(): Promise<{
  startStores: typeof import('./index').startStores;
  settings: typeof import('./settings.svelte').settings;
  view: typeof import('./view.svelte').view;
  runs: typeof import('./runs.svelte').runs;
}> {
  vi.resetModules();
  const { startStores } = await import('./index');
  const { settings } = await import('./settings.svelte');
  const { view } = await import('./view.svelte');
  const { runs } = await import('./runs.svelte');
  return { startStores, settings, view, runs };
}

describe('starting the stores', () => {
  beforeEach(() => {
    api.current = fakeApi();
    api.current.handle('app.info', () => ({ version: '0.1.0', shell: 'web', home: '/home/me' }) as AppInfo);
    api.current.handle('settings.get', () => ({
      recent: [],
      layout: { panel: 'batch', rightWidth: 400 },
      lastOutDir: '/out',
    }));
    api.current.handle('models.list', () => []);
    api.current.handle('batch.status', () => null);
  });

  it('reads the settings first: the saved layout and the run defaults, then subscribes for the session', async () => {
    const { startStores, settings, view, runs } = await load();
    await startStores();
    expect(settings.info?.version).toBe('0.1.0');
    expect(view.panel).toBe('batch');
    expect(view.rightWidth).toBe(400);
    expect(runs.outDir).toBe('/out');
    for (const e of ['tiles.failed', 'run.progress', 'run.finished', 'batch.progress'] as const) {
      expect(api.current!.listeners(e), e).toBe(1);
    }
  });

  it('shows why the main process did not answer, and still follows runs, batches and tiles', async () => {
    api.current!.handle('settings.get', () => {
      throw new Error('settings.json is not valid JSON');
    });
    const { startStores, view } = await load();
    await startStores();
    expect(view.error).toBe('settings.json is not valid JSON');
    expect(view.panel).toBe('scene');
    expect(api.current!.listeners('run.finished')).toBe(1);
    expect(api.current!.listeners('tiles.failed')).toBe(1);
  });
});
