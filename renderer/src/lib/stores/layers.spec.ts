import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { VectorLayerDto } from '../../../../electron/api/contract';
import { fakeApi } from '../../test/fake-api';
import { maskDto, sceneView } from '../../test/scenes';

const api = vi.hoisted(() => ({ current: null as ReturnType<typeof fakeApi> | null }));
vi.mock('../api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api')>()),
  invoke: (c: never, a: never) => api.current!.invoke(c, a),
  on: (n: never, f: never) => api.current!.on(n, f),
}));

/** Fresh stores per test, with product A open (its image layer alone). */
async function load(open = true): Promise<{
  layers: typeof import('./layers.svelte').layers;
  scene: typeof import('./scene.svelte').scene;
  view: typeof import('./view.svelte').view;
}> {
  vi.resetModules();
  const { layers } = await import('./layers.svelte');
  const { scene } = await import('./scene.svelte');
  const { view } = await import('./view.svelte');
  if (open) await scene.open('/data/A.SAFE');
  return { layers, scene, view };
}

const A = sceneView('/data/A.SAFE', {
  bounds: [1, 43, 2, 44],
  stretches: {
    'false-colour': { bands: ['B08', 'B04', 'B03'], min: [0.05, 0.02, 0.03], max: [0.4, 0.2, 0.2] },
  },
});

const vector = (bounds: VectorLayerDto['bounds']): VectorLayerDto => ({
  layerId: 'vec-1',
  name: 'ALCD points',
  path: '/refs/Masks',
  geojson: { type: 'FeatureCollection', features: [{}, {}, {}] },
  classes: [{ id: 2, name: 'cloud', colour: [255, 255, 255], count: 3 }],
  bounds,
});

describe('layers store', () => {
  beforeEach(() => {
    api.current = fakeApi();
    api.current.handle('scene.open', () => A);
    api.current.handle('settings.update', () => ({ recent: [], layout: {} }));
    api.current.handle('map.addMask', ({ source }) =>
      source.kind === 'product'
        ? maskDto(`scene:/data/A.SAFE/${source.mask}`, 'MSK_CLASSI')
        : maskDto(`mask:${source.path}`, source.path.split('/').pop(), source.path),
    );
  });

  it('adds a mask of the open scene with no data and clear hidden, on top and selected', async () => {
    const { layers } = await load();
    const layer = await layers.addMask({ kind: 'file', path: '/out/A_fmask.tif', adapter: 'fmask4' });
    expect(api.current!.calls.at(-1)).toEqual({
      channel: 'map.addMask',
      args: {
        sceneId: 'scene:/data/A.SAFE',
        source: { kind: 'file', path: '/out/A_fmask.tif', adapter: 'fmask4' },
      },
    });
    expect(layer).toMatchObject({
      id: 'mask:/out/A_fmask.tif',
      kind: 'mask',
      opacity: 0.6,
      adapter: 'fmask4',
    });
    expect(layer!.classes.map((c) => [c.name, c.visible])).toEqual([
      ['no data', false],
      ['clear', false],
      ['cloud', true],
      ['cloud shadow', true],
    ]);
    expect(layers.list.map((l) => l.id)).toEqual(['image', 'mask:/out/A_fmask.tif']);
    expect(layers.selected).toBe('mask:/out/A_fmask.tif');
    // The same layer again replaces it instead of stacking a copy.
    await layers.addMask({ kind: 'file', path: '/out/A_fmask.tif' });
    expect(layers.list.map((l) => l.id)).toEqual(['image', 'mask:/out/A_fmask.tif']);
    expect(layers.maskLayers()[0]!.adapter).toBeUndefined();
  });

  it('adds nothing without an open product, and shows a refused mask over the map', async () => {
    const { layers: closed } = await load(false);
    expect(await closed.addMask({ kind: 'product', mask: 'msk-classi' })).toBeNull();
    expect(api.current!.calls).toEqual([]);
    const { layers: again, view } = await load();
    api.current!.handle('map.addMask', () => {
      throw new Error('L1C_kappamask.tif does not overlap A: it lies near 36.00 E 0.50 S');
    });
    expect(await again.addMask({ kind: 'file', path: '/out/L1C_kappamask.tif' })).toBeNull();
    expect(view.error).toMatch(/does not overlap/);
    expect(again.list.map((l) => l.id)).toEqual(['image']);
  });

  it('adds a picked file as a mask (guessed or with its format), a probability or a vector', async () => {
    const { layers } = await load();
    api.current!.handle('map.addVector', () => vector([1.2, 43.2, 1.4, 43.4]));
    await layers.addFile('mask', '/out/a.tif');
    await layers.addFile('mask', '/out/b.tif', 'kappamask');
    await layers.addFile('probability', '/out/p.tif', 'kappamask');
    await layers.addFile('vector', '/refs/Masks');
    expect(api.current!.calls.filter((c) => c.channel.startsWith('map.')).map((c) => c.args)).toEqual([
      { sceneId: 'scene:/data/A.SAFE', source: { kind: 'file', path: '/out/a.tif' } },
      { sceneId: 'scene:/data/A.SAFE', source: { kind: 'file', path: '/out/b.tif', adapter: 'kappamask' } },
      { sceneId: 'scene:/data/A.SAFE', source: { kind: 'probability', path: '/out/p.tif' } },
      { path: '/refs/Masks' },
    ]);
  });

  it('draws a vector reference that overlaps the scene and fits the map to it', async () => {
    const { layers, view } = await load();
    api.current!.handle('map.addVector', () => vector([1.2, 43.2, 1.4, 43.4]));
    const fit = view.fitRequest;
    await layers.addVector('/refs/Masks');
    expect(layers.list.at(-1)).toMatchObject({
      id: 'vec-1',
      kind: 'vector',
      opacity: 0.9,
      path: '/refs/Masks',
    });
    expect(layers.selected).toBe('vec-1');
    expect(view.status).toBe('ALCD points: 3 feature(s).');
    expect(view.fitRequest).toBe(fit + 1);
    expect(view.fitTarget).toEqual([1.2, 43.2, 1.4, 43.4]);
  });

  it('refuses a vector reference of another place and says where each lies', async () => {
    const { layers, view } = await load();
    api.current!.handle('map.addVector', () => vector([36, -1, 37, 0]));
    await layers.addVector('/refs/kenya.geojson');
    expect(view.error).toBe(
      'ALCD points does not overlap A: its features lie near 36.50 E 0.50 S, the scene near 1.50 E 43.50 N.',
    );
    expect(layers.list.map((l) => l.id)).toEqual(['image']);
  });

  it('moves, toggles and removes layers; the image stays and the selection falls to the top', async () => {
    const { layers } = await load();
    await layers.addMask({ kind: 'file', path: '/out/a.tif' });
    await layers.addMask({ kind: 'file', path: '/out/b.tif' });
    const ids = (): string[] => layers.list.map((l) => l.id);
    expect(ids()).toEqual(['image', 'mask:/out/a.tif', 'mask:/out/b.tif']);
    layers.moveLayer('mask:/out/b.tif', -1);
    expect(ids()).toEqual(['image', 'mask:/out/b.tif', 'mask:/out/a.tif']);
    layers.moveLayer('mask:/out/a.tif', 1);
    layers.moveLayer('image', -1);
    expect(ids()).toEqual(['image', 'mask:/out/b.tif', 'mask:/out/a.tif']);
    // Key 1 is the top of the stack.
    layers.toggleByKey(1);
    expect(layers.list[2]!.visible).toBe(false);
    layers.toggleByKey(3);
    expect(layers.list[0]!.visible).toBe(false);
    layers.toggleByKey(9);
    layers.removeLayer('image');
    expect(ids()).toHaveLength(3);
    layers.selected = 'mask:/out/a.tif';
    layers.removeLayer('mask:/out/a.tif');
    expect(ids()).toEqual(['image', 'mask:/out/b.tif']);
    expect(layers.selected).toBe('mask:/out/b.tif');
    expect(layers.selectedLayer?.name).toBe('b.tif');
  });

  it('makes the difference of two masks chosen by id, once', async () => {
    const { layers } = await load();
    await layers.addMask({ kind: 'file', path: '/out/a.tif' });
    await layers.addMask({ kind: 'product', mask: 'msk-classi' });
    layers.addDifferenceOf('mask:/out/a.tif', 'gone');
    expect(layers.list).toHaveLength(3);
    layers.addDifferenceOf('mask:/out/a.tif', 'scene:/data/A.SAFE/msk-classi');
    layers.addDifferenceOf('mask:/out/a.tif', 'scene:/data/A.SAFE/msk-classi');
    expect(layers.list.filter((l) => l.kind === 'difference')).toEqual([
      {
        id: 'diff:mask:/out/a.tif:scene:/data/A.SAFE/msk-classi',
        kind: 'difference',
        name: 'a.tif vs MSK_CLASSI',
        visible: true,
        opacity: 0.8,
        a: 'mask:/out/a.tif',
        b: 'scene:/data/A.SAFE/msk-classi',
      },
    ]);
  });

  it("takes a preset's stretch from the product, or asks for one", async () => {
    const { layers, view } = await load();
    const image = layers.list[0]!;
    if (image.kind !== 'image') throw new Error('the first layer is the image');
    layers.setPreset(image, 'false-colour');
    expect(image).toMatchObject({
      preset: 'false-colour',
      bands: ['B08', 'B04', 'B03'],
      max: [0.4, 0.2, 0.2],
    });
    expect(api.current!.calls.some((c) => c.channel === 'map.stretch')).toBe(false);
    api.current!.handle('map.stretch', () => ({ min: [0.1, 0.1, 0.1], max: [0.5, 0.5, 0.5] }));
    layers.setPreset(image, 'swir');
    await vi.waitFor(() => expect(image.max).toEqual([0.5, 0.5, 0.5]));
    expect(api.current!.calls.at(-1)).toEqual({
      channel: 'map.stretch',
      args: { sceneId: 'scene:/data/A.SAFE', bands: image.bands },
    });
    // Custom: the bands stay as they are until one is changed.
    layers.setPreset(image, 'custom');
    expect(image.preset).toBe('custom');
    api.current!.handle('map.stretch', () => {
      throw new Error('B13 is not a band of this product');
    });
    await layers.restretch(image);
    expect(view.error).toBe('B13 is not a band of this product');
  });

  it("opens a batch output's product and puts its mask on that product's map", async () => {
    const { layers, scene } = await load(false);
    await layers.openWithMask('/data/A.SAFE', '/out/A_classes.tif');
    expect(scene.current?.entry.path).toBe('/data/A.SAFE');
    expect(layers.list.map((l) => l.id)).toEqual(['image', 'mask:/out/A_classes.tif']);
    expect(api.current!.calls.at(-1)).toEqual({
      channel: 'map.addMask',
      args: { sceneId: 'scene:/data/A.SAFE', source: { kind: 'file', path: '/out/A_classes.tif' } },
    });
  });

  it('names a layer whose tiles fail in the status, once, and lists the reason for the banner', async () => {
    const { layers, scene, view } = await load();
    layers.init();
    layers.init();
    expect(api.current!.listeners('tiles.failed')).toBe(1);
    await layers.addMask({ kind: 'product', mask: 'msk-classi' });
    api.current!.emit('tiles.failed', {
      layer: 'scene:/data/A.SAFE/msk-classi',
      message: 'MSK_CLASSI_B00.jp2 is truncated',
    });
    expect(view.status).toBe('Tiles of MSK_CLASSI cannot be drawn: MSK_CLASSI_B00.jp2 is truncated');
    view.status = '';
    api.current!.emit('tiles.failed', {
      layer: 'scene:/data/A.SAFE/msk-classi',
      message: 'MSK_CLASSI_B00.jp2 is truncated',
    });
    api.current!.emit('tiles.failed', { layer: 'scene:/data/B.SAFE', message: 'of another product' });
    expect(view.status).toBe('');
    api.current!.emit('tiles.failed', { layer: 'scene:/data/A.SAFE', message: 'B04.jp2 is truncated' });
    expect(view.status).toBe('Tiles of the image cannot be drawn: B04.jp2 is truncated');
    expect(scene.readProblems()).toEqual(['MSK_CLASSI_B00.jp2 is truncated', 'B04.jp2 is truncated']);
  });
});
