import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ModelDto } from '../../../../electron/api/contract';
import { fakeApi } from '../../test/fake-api';

const api = vi.hoisted(() => ({ current: null as ReturnType<typeof fakeApi> | null }));
vi.mock('../api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api')>()),
  invoke: (c: never, a: never) => api.current!.invoke(c, a),
  on: (n: never, f: never) => api.current!.on(n, f),
}));

const model = (id: string, installed: boolean, isDefault = false): ModelDto => ({
  id,
  name: id,
  version: '1',
  bands: ['B02'],
  resolution: 20,
  classes: ['clear', 'cloud'],
  licence: 'MIT',
  source: 'x',
  installed,
  isDefault,
});

async function fresh(): Promise<typeof import('./models.svelte').models> {
  vi.resetModules();
  return (await import('./models.svelte')).models;
}

describe('models store', () => {
  let catalogue: ModelDto[];
  beforeEach(() => {
    catalogue = [model('a', true), model('b', true, true), model('s2cloudless', false)];
    api.current = fakeApi();
    api.current.handle('models.list', () => catalogue.map((m) => ({ ...m })));
  });

  it('loads once for callers that ask together, and knows the default and the installed', async () => {
    const models = await fresh();
    await Promise.all([models.load(), models.load(), models.load()]);
    expect(api.current!.calls.filter((c) => c.channel === 'models.list')).toHaveLength(1);
    expect(models.defaultId).toBe('b');
    expect(models.installed.map((m) => m.id)).toEqual(['a', 'b']);
  });

  it('offers a model installed by an import at once', async () => {
    const models = await fresh();
    await models.load();
    api.current!.handle('models.import', ({ onnxPath }) => {
      catalogue[2] = { ...catalogue[2]!, installed: true };
      return { ...catalogue[2]!, name: onnxPath };
    });
    const m = await models.import('/home/me/s2cloudless.txt');
    expect(m.name).toBe('/home/me/s2cloudless.txt');
    expect(api.current!.calls.at(-2)).toEqual({
      channel: 'models.import',
      args: { onnxPath: '/home/me/s2cloudless.txt' },
    });
    expect(models.installed.map((m) => m.id)).toEqual(['a', 'b', 's2cloudless']);
  });

  it('keeps a failure to list in words, and clears it on the next good load', async () => {
    const models = await fresh();
    api.current!.handle('models.list', () => {
      throw new Error('native-models is not readable');
    });
    await models.load();
    expect(models.error).toMatch(/not readable/);
    expect(models.list).toEqual([]);
    api.current!.handle('models.list', () => catalogue);
    await models.load();
    expect(models.error).toBeNull();
    expect(models.list).toHaveLength(3);
  });
});
