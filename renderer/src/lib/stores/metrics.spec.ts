import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { MetricsRequest, MetricsResult, SceneView } from '../../../../electron/api/contract';
import { fakeApi } from '../../test/fake-api';
import { maskDto, sceneView } from '../../test/scenes';

const api = vi.hoisted(() => ({ current: null as ReturnType<typeof fakeApi> | null }));
vi.mock('../api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api')>()),
  invoke: (c: never, a: never) => api.current!.invoke(c, a),
  on: (n: never, f: never) => api.current!.on(n, f),
}));

/** An L1C whose own masks are MSK_CLASSI (what "the product's own masks" adds). */
function l1c(path: string): SceneView {
  const v = sceneView(path, { productMasks: ['msk-classi'] });
  return { ...v, entry: { ...v.entry, masks: [{ kind: 'MSK_CLASSI' }] } as unknown as SceneView['entry'] };
}

const RESULT = {
  report: { table: [] },
  csv: {},
  json: '{}',
  html: '',
  warnings: [],
} as unknown as MetricsResult;

/** Fresh stores per test with product A open and two mask files on the map. */
async function load(): Promise<{
  metrics: typeof import('./metrics.svelte').metrics;
  layers: typeof import('./layers.svelte').layers;
  scene: typeof import('./scene.svelte').scene;
}> {
  vi.resetModules();
  const { metrics } = await import('./metrics.svelte');
  const { layers } = await import('./layers.svelte');
  const { scene } = await import('./scene.svelte');
  await scene.open('/data/A.SAFE');
  layers.pushMask(maskDto('ours', 'ours 20 m', '/out/A_classes.tif'), 'studio');
  layers.pushMask(maskDto('fmask', 'Fmask', '/out/A_fmask.tif'));
  layers.pushMask({ ...maskDto('prob', 'probabilities', '/out/A_prob.tif'), kind: 'probability' });
  return { metrics, layers, scene };
}

const request = (): MetricsRequest =>
  api.current!.calls.filter((c) => c.channel === 'metrics.compute').at(-1)!.args as MetricsRequest;

describe('metrics store', () => {
  beforeEach(() => {
    api.current = fakeApi();
    api.current.handle('scene.open', ({ path }) => l1c(path));
    api.current.handle('settings.update', () => ({ recent: [], layout: {} }));
    api.current.handle('metrics.compute', () => RESULT);
  });

  it("scores the chosen mask files against a layer, read as they were added, with the product's own masks", async () => {
    const { metrics } = await load();
    expect(metrics.fileLayers.map((l) => l.id)).toEqual(['ours', 'fmask']);
    expect(metrics.ownMasks).toEqual(['MSK_CLASSI']);
    metrics.reference = 'fmask';
    metrics.chosen = { ours: true, fmask: true };
    const computing = metrics.compute();
    expect(metrics.running).toBe(true);
    await computing;
    expect(metrics.running).toBe(false);
    expect(request()).toEqual({
      reference: { path: '/out/A_fmask.tif', label: 'Fmask' },
      // The reference is not scored against itself.
      masks: [{ path: '/out/A_classes.tif', label: 'ours 20 m', adapter: 'studio' }],
      product: '/data/A.SAFE',
      productMasks: true,
    });
    expect(metrics.result).toBe(RESULT);
  });

  it("takes one of the product's own masks as the reference, and then does not add them again", async () => {
    const { metrics } = await load();
    metrics.reference = 'product:msk-classi';
    metrics.chosen = { ours: true };
    expect(metrics.productReference).toBe(true);
    await metrics.compute();
    expect(request()).toEqual({
      reference: { path: '/data/A.SAFE', adapter: 'msk-classi' },
      masks: [{ path: '/out/A_classes.tif', label: 'ours 20 m', adapter: 'studio' }],
      product: '/data/A.SAFE',
      productMasks: false,
    });
  });

  it('reads a reference file named by its last part, or compares pairwise without one', async () => {
    const { metrics } = await load();
    metrics.refFile = '/refs/Toulouse_31TCJ/Masks/';
    metrics.productMasks = false;
    await metrics.compute();
    expect(request()).toMatchObject({
      reference: { path: '/refs/Toulouse_31TCJ/Masks/', label: 'Masks' },
      masks: [],
    });
    expect(request().productMasks).toBe(false);
    metrics.refFile = '';
    await metrics.compute();
    expect(request().reference).toBeUndefined();
  });

  it('says in words why it failed, and drops the old result', async () => {
    const { metrics } = await load();
    await metrics.compute();
    api.current!.handle('metrics.compute', () => {
      throw new Error('Choose the masks to compare.');
    });
    await metrics.compute();
    expect(metrics.error).toBe('Choose the masks to compare.');
    expect(metrics.result).toBeNull();
    expect(metrics.running).toBe(false);
  });

  it('keeps its result across panels, and starts again for a new product', async () => {
    const { metrics, scene } = await load();
    metrics.reference = 'fmask';
    metrics.chosen = { ours: true };
    await metrics.compute();
    expect(metrics.result).toBe(RESULT);
    await scene.open('/data/B.SAFE');
    expect(metrics.reference).toBe('');
    expect(metrics.chosen).toEqual({});
    expect(metrics.result).toBeNull();
  });
});
