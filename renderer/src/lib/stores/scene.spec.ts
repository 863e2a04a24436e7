import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { InspectDto, SceneView } from '../../../../electron/api/contract';
import { fakeApi } from '../../test/fake-api';
import { sceneView } from '../../test/scenes';

const api = vi.hoisted(() => ({ current: null as ReturnType<typeof fakeApi> | null }));
vi.mock('../api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api')>()),
  invoke: (c: never, a: never) => api.current!.invoke(c, a),
  on: (n: never, f: never) => api.current!.on(n, f),
}));

/** Fresh stores per test (they are module singletons); the layers follow the scene. */
async function load(): Promise<{
  scene: typeof import('./scene.svelte').scene;
  layers: typeof import('./layers.svelte').layers;
  settings: typeof import('./settings.svelte').settings;
  view: typeof import('./view.svelte').view;
}> {
  vi.resetModules();
  const { scene } = await import('./scene.svelte');
  const { layers } = await import('./layers.svelte');
  const { settings } = await import('./settings.svelte');
  const { view } = await import('./view.svelte');
  return { scene, layers, settings, view };
}

const A = sceneView('/data/A.SAFE', {
  stretches: {
    'true-colour': { bands: ['B04', 'B03', 'B02'], min: [0.01, 0.02, 0.03], max: [0.2, 0.21, 0.22] },
  },
  warnings: ['B10 cannot be read: truncated codestream', 'MTD_TL.xml has no sun angles'],
});
const B = sceneView('/data/B.SAFE');

describe('scene store', () => {
  let products: Record<string, SceneView>;
  beforeEach(() => {
    products = { '/data/A.SAFE': A, '/data/B.SAFE': B };
    api.current = fakeApi();
    api.current.handle('scene.open', ({ path }) => {
      const p = products[path];
      if (!p) throw new Error(`${path} is not a Sentinel-2 product (no MTD_MSIL1C.xml or MTD_MSIL2A.xml)`);
      return p;
    });
    api.current.handle('scene.close', () => null);
    api.current.handle('settings.update', ({ recent }) => ({
      recent: recent ? [{ ...recent, openedAt: 'now' }] : [],
      layout: {},
    }));
  });

  it('opens a product: its image alone, fitted, named in the status and remembered as recent', async () => {
    const { scene, layers, settings, view } = await load();
    view.setPane(0, 'old-mask');
    view.bannerClosed = true;
    const fit = view.fitRequest;
    const opening = scene.open('/data/A.SAFE');
    expect(scene.busy).toBe(true);
    expect(view.status).toBe('Opening /data/A.SAFE…');
    await opening;
    expect(scene.busy).toBe(false);
    expect(scene.current?.map.sceneId).toBe('scene:/data/A.SAFE');
    expect(scene.id).toBe('scene:/data/A.SAFE');
    expect(scene.productPath).toBe('/data/A.SAFE');
    expect(view.status).toBe('A opened, with 2 warnings (Scene panel).');
    expect(view.fitRequest).toBe(fit + 1);
    expect(view.bannerClosed).toBe(false);
    expect(view.compare.other).toEqual([[], [], []]);
    expect(layers.list).toEqual([
      {
        id: 'image',
        kind: 'image',
        name: 'Image',
        visible: true,
        opacity: 1,
        preset: 'true-colour',
        bands: ['B04', 'B03', 'B02'],
        min: [0.01, 0.02, 0.03],
        max: [0.2, 0.21, 0.22],
        gamma: 1,
      },
    ]);
    expect(layers.selected).toBe('image');
    expect(api.current!.calls.at(-1)).toEqual({
      channel: 'settings.update',
      args: { patch: {}, recent: { path: '/data/A.SAFE', name: 'A' } },
    });
    expect(settings.current?.recent[0]?.path).toBe('/data/A.SAFE');
  });

  it('closes the previous product only once the next one has opened', async () => {
    const { scene, layers } = await load();
    await scene.open('/data/A.SAFE');
    layers.pushMask({
      layerId: 'scene:/data/A.SAFE/m1',
      name: 'SCL',
      kind: 'classes',
      classes: [],
      bounds: [0, 0, 1, 1],
    });
    await scene.open('/data/B.SAFE');
    const channels = api.current!.calls.map((c) => c.channel);
    expect(channels.indexOf('scene.close')).toBeGreaterThan(channels.lastIndexOf('scene.open'));
    expect(api.current!.calls.find((c) => c.channel === 'scene.close')!.args).toEqual({
      sceneId: 'scene:/data/A.SAFE',
    });
    // No stretch from the product: the default true colour.
    expect(layers.list.map((l) => l.id)).toEqual(['image']);
    expect(layers.list[0]).toMatchObject({
      bands: ['B04', 'B03', 'B02'],
      min: [0, 0, 0],
      max: [0.3, 0.3, 0.3],
    });
  });

  it('keeps the layers of a product asked for again, and only fits it', async () => {
    const { scene, layers, view } = await load();
    await scene.open('/data/A.SAFE');
    layers.pushMask({ layerId: 'm1', name: 'SCL', kind: 'classes', classes: [], bounds: [0, 0, 1, 1] });
    const calls = api.current!.calls.length;
    const fit = view.fitRequest;
    await scene.open('/data/A.SAFE');
    expect(api.current!.calls.length).toBe(calls);
    expect(view.fitRequest).toBe(fit + 1);
    expect(view.status).toBe('A is already open; its layers are kept.');
    expect(layers.list.map((l) => l.id)).toEqual(['image', 'm1']);
  });

  it('leaves the app as it was when a product fails to open, and says why', async () => {
    const { scene, layers, view } = await load();
    await scene.open('/data/A.SAFE');
    await scene.open('/data/no-such-product.SAFE');
    expect(view.error).toMatch(/no-such-product.SAFE is not a Sentinel-2 product/);
    expect(view.status).toBe('A is still open.');
    expect(scene.current?.entry.path).toBe('/data/A.SAFE');
    expect(scene.busy).toBe(false);
    expect(layers.list.map((l) => l.id)).toEqual(['image']);
    expect(api.current!.calls.some((c) => c.channel === 'scene.close')).toBe(false);
    // The next open clears the old error.
    await scene.open('/data/B.SAFE');
    expect(view.error).toBeNull();
  });

  it('opens the sample the app ships, and nothing when there is none', async () => {
    const { scene, settings } = await load();
    await scene.openSample();
    expect(api.current!.calls).toEqual([]);
    settings.info = { sample: '/data/B.SAFE' } as typeof settings.info;
    await scene.openSample();
    expect(scene.current?.entry.path).toBe('/data/B.SAFE');
  });

  it("lists read problems once: the map's own, then tile failures of this scene only", async () => {
    products['/data/A.SAFE'] = sceneView(
      '/data/A.SAFE',
      { warnings: ['B10 cannot be read: truncated codestream', 'MTD_TL.xml has no sun angles'] },
      { warnings: ['MTD_TL.xml has no sun angles'] },
    );
    const { scene } = await load();
    expect(scene.readProblems()).toEqual([]);
    await scene.open('/data/A.SAFE');
    expect(scene.addTileFailure('scene:/data/A.SAFE', 'B04 is 30 x 30 px, the grid 10980 x 10980')).toBe(
      true,
    );
    expect(scene.addTileFailure('scene:/data/A.SAFE/m1', 'B04 is 30 x 30 px, the grid 10980 x 10980')).toBe(
      false,
    );
    expect(scene.addTileFailure('scene:/data/B.SAFE', 'another scene')).toBe(false);
    expect(scene.readProblems()).toEqual([
      'B10 cannot be read: truncated codestream',
      'B04 is 30 x 30 px, the grid 10980 x 10980',
    ]);
    await scene.open('/data/B.SAFE');
    expect(scene.tileFailures).toEqual([]);
  });

  it('inspects a pixel of the open scene, and shows a failure over the map', async () => {
    const { scene, view } = await load();
    await scene.inspectAt(1.5, 43.5);
    expect(api.current!.calls.some((c) => c.channel === 'map.inspect')).toBe(false);
    await scene.open('/data/A.SAFE');
    const px = { lon: 1.5, lat: 43.5, row: 10, col: 20, inside: true } as InspectDto;
    api.current!.handle('map.inspect', () => px);
    await scene.inspectAt(1.5, 43.5);
    expect(api.current!.calls.at(-1)).toEqual({
      channel: 'map.inspect',
      args: { sceneId: 'scene:/data/A.SAFE', lon: 1.5, lat: 43.5 },
    });
    expect(scene.inspect).toEqual(px);
    api.current!.handle('map.inspect', () => {
      throw new Error('B11 cannot be read');
    });
    await scene.inspectAt(1.6, 43.6);
    expect(view.error).toBe('B11 cannot be read');
    // A new product closes the inspector.
    await scene.open('/data/B.SAFE');
    expect(scene.inspect).toBeNull();
  });
});
