import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppInfo, SettingsDto } from '../../../../electron/api/contract';
import { fakeApi } from '../../test/fake-api';

const api = vi.hoisted(() => ({ current: null as ReturnType<typeof fakeApi> | null }));
vi.mock('../api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api')>()),
  invoke: (c: never, a: never) => api.current!.invoke(c, a),
  on: (n: never, f: never) => api.current!.on(n, f),
}));

const INFO: AppInfo = {
  name: 'S2 Cloud Studio',
  version: '0.1.0',
  shell: 'web',
  platform: 'linux',
  tileBase: 'tiles/',
  home: '/home/me',
  sample: '/app/samples/S2B_MSIL1C.SAFE',
};

async function fresh(): Promise<typeof import('./settings.svelte').settings> {
  vi.resetModules();
  return (await import('./settings.svelte')).settings;
}

describe('settings store', () => {
  let saved: SettingsDto;
  beforeEach(() => {
    saved = { recent: [], layout: { panel: 'run' }, lastModel: 'dl-l8s2-uv-6b' };
    api.current = fakeApi();
    api.current.handle('app.info', () => INFO);
    api.current.handle('settings.get', () => saved);
    api.current.handle('settings.update', ({ patch, recent }) => {
      saved = {
        ...saved,
        ...patch,
        recent: recent ? [{ ...recent, openedAt: '2026-01-01T00:00:00Z' }, ...saved.recent] : saved.recent,
      };
      return saved;
    });
  });

  it('loads the app info, then the saved settings', async () => {
    const settings = await fresh();
    await settings.load();
    expect(settings.info?.sample).toBe('/app/samples/S2B_MSIL1C.SAFE');
    expect(settings.current?.lastModel).toBe('dl-l8s2-uv-6b');
    expect(api.current!.calls.map((c) => c.channel)).toEqual(['app.info', 'settings.get']);
  });

  it('keeps what the main process returns after a save, the recent product included', async () => {
    const settings = await fresh();
    await settings.load();
    await settings.update({}, { path: '/data/A.SAFE', name: 'A' });
    expect(api.current!.calls.at(-1)).toEqual({
      channel: 'settings.update',
      args: { patch: {}, recent: { path: '/data/A.SAFE', name: 'A' } },
    });
    expect(settings.current?.recent.map((r) => r.path)).toEqual(['/data/A.SAFE']);
    await settings.update({ lastOutDir: '/out' });
    expect(api.current!.calls.at(-1)!.args).toEqual({ patch: { lastOutDir: '/out' } });
    expect(settings.current?.lastOutDir).toBe('/out');
  });

  it('throws a failed save to its caller, and swallows a failed convenience', async () => {
    const settings = await fresh();
    await settings.load();
    api.current!.handle('settings.update', () => {
      throw new Error('settings.json is read-only');
    });
    await expect(settings.update({ lastModel: 'x' })).rejects.toThrow(/read-only/);
    await expect(settings.remember({ layout: { panel: 'scene' } })).resolves.toBeUndefined();
    // The copy the panels read is still the last good one.
    expect(settings.current?.lastModel).toBe('dl-l8s2-uv-6b');
  });

  it('fails to load in words when the main process does not answer', async () => {
    api.current!.handle('app.info', () => {
      throw new Error('The web host refused the request');
    });
    const settings = await fresh();
    await expect(settings.load()).rejects.toThrow(/refused/);
    expect(settings.info).toBeNull();
    expect(settings.current).toBeNull();
  });
});
