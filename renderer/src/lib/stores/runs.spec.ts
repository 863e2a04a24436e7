import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { MaskLayerDto, ModelDto, SceneView } from '../../../../electron/api/contract';
import { fakeApi } from '../../test/fake-api';

const api = vi.hoisted(() => ({ current: null as ReturnType<typeof fakeApi> | null }));
vi.mock('../api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api')>()),
  invoke: (c: never, a: never) => api.current!.invoke(c, a),
  on: (n: never, f: never) => api.current!.on(n, f),
}));

const MODEL: ModelDto = {
  id: 'dl-l8s2-uv-6b',
  name: 'DL-L8S2-UV 6 bands',
  version: '1',
  bands: ['B02', 'B03', 'B04', 'B08', 'B11', 'B12'],
  resolution: 20,
  classes: ['clear', 'cloud'],
  licence: 'MIT',
  source: 'x',
  installed: true,
  isDefault: true,
};

function sceneView(path: string): SceneView {
  return {
    entry: { path, ok: true } as SceneView['entry'],
    map: { sceneId: `scene-${path}` } as SceneView['map'],
  };
}

const maskDto = (path: string): MaskLayerDto => ({
  layerId: `mask-${path}`,
  name: path,
  kind: 'classes',
  path,
  classes: [{ id: 2, name: 'cloud', colour: [255, 255, 255], count: 5 }],
  bounds: [0, 0, 1, 1],
});

/** Fresh stores per test (they are module singletons). */
async function load(): Promise<{
  runs: typeof import('./runs.svelte').runs;
  scene: typeof import('./scene.svelte').scene;
  layers: typeof import('./layers.svelte').layers;
  view: typeof import('./view.svelte').view;
}> {
  vi.resetModules();
  const { runs } = await import('./runs.svelte');
  const { scene } = await import('./scene.svelte');
  const { layers } = await import('./layers.svelte');
  const { view } = await import('./view.svelte');
  return { runs, scene, layers, view };
}

describe('runs store', () => {
  beforeEach(() => {
    const f = fakeApi();
    f.handle('models.list', () => [MODEL]);
    f.handle('run.start', () => ({ runId: 'r1' }));
    f.handle('run.cancel', () => null);
    f.handle('settings.update', () => ({}) as never);
    f.handle('map.addMask', ({ source }) => maskDto(source.kind === 'file' ? source.path : 'probabilities'));
    api.current = f;
  });

  it('subscribes once for the session and picks the default model', async () => {
    const { runs } = await load();
    runs.init();
    runs.init();
    await vi.waitFor(() => expect(runs.modelId).toBe('dl-l8s2-uv-6b'));
    expect(api.current!.listeners('run.finished')).toBe(1);
    expect(api.current!.listeners('run.progress')).toBe(1);
  });

  it('puts the mask of a finished run on the map with no panel mounted', async () => {
    const { runs, scene, layers } = await load();
    scene.current = sceneView('/data/A.SAFE');
    runs.init();
    await vi.waitFor(() => expect(runs.modelId).not.toBe(''));
    await runs.start();
    expect(runs.runId).toBe('r1');
    api.current!.emit('run.progress', { runId: 'r1', stage: 'cnn', fraction: 0.25 });
    expect(runs.progress).toEqual({ stage: 'cnn', fraction: 0.25 });
    // Another run's events are not this run's.
    api.current!.emit('run.progress', { runId: 'other', stage: 'write', fraction: 0.9 });
    expect(runs.progress?.fraction).toBe(0.25);
    api.current!.emit('run.finished', {
      runId: 'r1',
      ok: true,
      result: {
        modelId: 'dl-l8s2-uv-6b',
        resolution: 20,
        classesOut: '/out/A_classes.tif',
        probabilitiesOut: '/out/A_probabilities.tif',
        seconds: 3,
        provider: 'cpu',
        shares: { clear: 60, cloud: 40 },
      },
    });
    await vi.waitFor(() =>
      expect(layers.list.map((l) => l.name)).toEqual(['/out/A_classes.tif', 'probabilities']),
    );
    expect(runs.runId).toBeNull();
    expect(runs.progress).toBeNull();
    expect(runs.last?.classesOut).toBe('/out/A_classes.tif');
    const add = api.current!.calls.find((c) => c.channel === 'map.addMask')!.args as {
      sceneId: string;
      source: object;
    };
    expect(add).toEqual({
      sceneId: 'scene-/data/A.SAFE',
      source: { kind: 'file', path: '/out/A_classes.tif', name: 'dl-l8s2-uv-6b 20 m', adapter: 'studio' },
    });
  });

  it('does not put a mask on the map of another product opened meanwhile', async () => {
    const { runs, scene, layers, view } = await load();
    scene.current = sceneView('/data/A.SAFE');
    runs.init();
    await runs.start();
    scene.current = sceneView('/data/B.SAFE');
    api.current!.emit('run.finished', {
      runId: 'r1',
      ok: true,
      result: {
        modelId: 'm',
        resolution: 20,
        classesOut: '/out/A.tif',
        seconds: 1,
        provider: 'cpu',
        shares: {},
      },
    });
    await vi.waitFor(() => expect(view.status).toMatch(/another product/));
    expect(layers.list).toEqual([]);
    expect(api.current!.calls.some((c) => c.channel === 'map.addMask')).toBe(false);
  });

  it('keeps a failed run in words and a cancelled one in the status', async () => {
    const { runs, scene, view } = await load();
    scene.current = sceneView('/data/A.SAFE');
    runs.init();
    await runs.start();
    runs.cancel();
    expect(api.current!.calls.at(-1)).toEqual({ channel: 'run.cancel', args: { runId: 'r1' } });
    api.current!.emit('run.finished', { runId: 'r1', ok: false, cancelled: true });
    expect(view.status).toMatch(/cancelled/);
    await runs.start();
    api.current!.emit('run.finished', {
      runId: 'r1',
      ok: false,
      error: { code: 'MISSING_FILE', message: 'B11 is missing from /data/A.SAFE' },
    });
    expect(runs.error).toBe('B11 is missing from /data/A.SAFE');
  });

  it('says why a run could not start, and starts nothing without an open product', async () => {
    const { runs, scene } = await load();
    runs.init();
    await runs.start();
    expect(api.current!.calls.some((c) => c.channel === 'run.start')).toBe(false);
    scene.current = sceneView('/data/A.SAFE');
    api.current!.handle('run.start', () => {
      throw new Error('The model is not installed');
    });
    await runs.start();
    expect(runs.error).toMatch(/not installed/);
    expect(runs.runId).toBeNull();
  });
});
