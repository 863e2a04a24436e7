import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type {
  LabelDto,
  LabelSetDto,
  MetricsResult,
  SuggestResultDto,
  TeachResultDto,
} from '../../../../electron/api/contract';
import { fakeApi } from '../../test/fake-api';
import { sceneView } from '../../test/scenes';

const api = vi.hoisted(() => ({ current: null as ReturnType<typeof fakeApi> | null }));
vi.mock('../api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api')>()),
  invoke: (c: never, a: never) => api.current!.invoke(c, a),
  on: (n: never, f: never) => api.current!.on(n, f),
}));

const FILE = '/data/labels/A.labels.gpkg';

/** A main process that keeps the labels with a history, as electron/api/labels.ts does. */
function labelServer(): void {
  let history: LabelDto[][] = [[]];
  let at = 0;
  const set = (sceneId: string): LabelSetDto => ({
    sceneId,
    file: FILE,
    epsg: 32631,
    labels: history[at]!,
    canUndo: at > 0,
    canRedo: at < history.length - 1,
  });
  api.current!.handle('labels.load', ({ sceneId }) => set(sceneId));
  api.current!.handle('labels.add', ({ sceneId, label }) => {
    history = [...history.slice(0, at + 1), [...history[at]!, label]];
    at++;
    return set(sceneId);
  });
  api.current!.handle('labels.undo', ({ sceneId }) => ((at = Math.max(0, at - 1)), set(sceneId)));
  api.current!.handle(
    'labels.redo',
    ({ sceneId }) => ((at = Math.min(history.length - 1, at + 1)), set(sceneId)),
  );
}

async function load(): Promise<{
  labels: typeof import('./labels.svelte').labels;
  metrics: typeof import('./metrics.svelte').metrics;
  view: typeof import('./view.svelte').view;
  runs: typeof import('./runs.svelte').runs;
  models: typeof import('./models.svelte').models;
}> {
  vi.resetModules();
  const { labels } = await import('./labels.svelte');
  const { metrics } = await import('./metrics.svelte');
  const { scene } = await import('./scene.svelte');
  const { view } = await import('./view.svelte');
  const { runs } = await import('./runs.svelte');
  const { models } = await import('./models.svelte');
  await scene.open('/data/A.SAFE');
  await vi.waitFor(() => expect(labels.set).not.toBeNull());
  return { labels, metrics, view, runs, models };
}

describe('labels store', () => {
  beforeEach(() => {
    api.current = fakeApi();
    api.current.handle('scene.open', ({ path }) => sceneView(path));
    api.current.handle('settings.update', () => ({ recent: [], layout: {} }));
    labelServer();
  });
  afterEach(() => vi.useRealTimers());

  it("loads the product's labels when it opens, and adds, undoes and redoes with the class in hand", async () => {
    const { labels } = await load();
    expect(labels.set?.file).toBe(FILE);
    expect(labels.count).toBe(0);
    labels.cls = 4;
    await labels.addPoint(1.5, 43.2);
    labels.cls = 2;
    await labels.addPolygon([
      [
        [1, 43],
        [1.1, 43],
        [1.1, 43.1],
        [1, 43],
      ],
    ]);
    expect(labels.counts).toMatchObject({ 2: 1, 4: 1 });
    const added = api
      .current!.calls.filter((c) => c.channel === 'labels.add')
      .map((c) => c.args as { label: LabelDto; sceneId: string });
    expect(added[0]!.label).toEqual({ cls: 4, geometry: { type: 'Point', coordinates: [1.5, 43.2] } });
    expect(added[0]!.sceneId).toBe('scene:/data/A.SAFE');
    expect(labels.geojson.features.map((f) => f.properties?.cls)).toEqual([4, 2]);
    await labels.undo();
    expect(labels.count).toBe(1);
    expect(labels.set?.canRedo).toBe(true);
    await labels.redo();
    expect(labels.count).toBe(2);
  });

  it('rescores the metrics against the labels once the labelling pauses', async () => {
    const { labels, metrics } = await load();
    let computed = 0;
    api.current!.handle(
      'metrics.compute',
      () =>
        (computed++,
        { report: { table: [] }, csv: {}, json: '{}', html: '', warnings: [] }) as unknown as MetricsResult,
    );
    await labels.addPoint(1, 43);
    metrics.reference = 'labels';
    await metrics.compute();
    expect(computed).toBe(1);
    const req = api.current!.calls.filter((c) => c.channel === 'metrics.compute').at(-1)!.args as {
      reference?: { path: string };
    };
    expect(req.reference?.path).toBe(FILE);
    vi.useFakeTimers();
    await labels.addPoint(1, 43.01);
    await labels.addPoint(1, 43.02);
    await labels.addPoint(1, 43.03);
    expect(computed).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    // Three labels in quick succession: one more table, not three.
    expect(computed).toBe(2);
    // Another reference: labels no longer touch the table.
    metrics.reference = '';
    await labels.addPoint(1, 43.04);
    await vi.advanceTimersByTimeAsync(1000);
    expect(computed).toBe(2);
  });

  it('suggests places and moves between them, the map following', async () => {
    const { labels, view } = await load();
    const places = [0, 1, 2].map((i) => ({
      rank: i + 1,
      lon: 1 + i / 10,
      lat: 43,
      score: 0.5,
      reasons: ['edge'],
      mask: 1,
      fmask: 0,
      productMask: null,
    }));
    api.current!.handle(
      'labels.suggest',
      () => ({ modelId: 'm', compared: ['Fmask'], notes: [], places, seconds: 1 }) satisfies SuggestResultDto,
    );
    await labels.suggest();
    expect(labels.place).toBe(0);
    expect(view.fitTarget![0]).toBeLessThan(1);
    expect(view.fitTarget![2]).toBeGreaterThan(1);
    labels.step(1);
    expect(labels.currentPlace?.rank).toBe(2);
    labels.step(-1);
    labels.step(-1);
    expect(labels.currentPlace?.rank).toBe(3);
  });

  it('teaches under the name typed, refreshes the models and offers the new one to the Run panel', async () => {
    const { labels, runs, view, models } = await load();
    const result = {
      modelId: 'base-taught-north',
      accepted: true,
      verdict: 'Refit kept.',
      lambda: 30,
    } as TeachResultDto;
    api.current!.handle('labels.teach', () => result);
    api.current!.handle('models.list', () => [{ id: 'base-taught-north', installed: true } as never]);
    labels.teachName = '  north ';
    await labels.teach();
    const args = api.current!.calls.find((c) => c.channel === 'labels.teach')!.args as { name: string };
    expect(args.name).toBe('north');
    expect(labels.taught?.modelId).toBe('base-taught-north');
    expect(models.list.map((m) => m.id)).toContain('base-taught-north');
    labels.useTaught();
    expect(runs.modelId).toBe('base-taught-north');
    expect(view.panel).toBe('run');
  });

  it('keeps the labels in a file the user names, and says why one cannot be used', async () => {
    const { labels } = await load();
    api.current!.handle('labels.load', ({ sceneId, file }) => {
      if (file === '/bad.tif') throw new Error('Labels are kept in a GeoPackage');
      return { sceneId, file: file ?? FILE, epsg: 32631, labels: [], canUndo: false, canRedo: false };
    });
    await labels.useFile('  /home/me/north.gpkg ');
    expect(labels.set?.file).toBe('/home/me/north.gpkg');
    await labels.useFile('/bad.tif');
    expect(labels.error).toMatch(/GeoPackage/);
    expect(labels.set?.file).toBe('/home/me/north.gpkg');
  });

  it('says why a refit failed, in words', async () => {
    const { labels } = await load();
    api.current!.handle('labels.teach', () => {
      throw new Error('teaching needs at least 4 labels');
    });
    labels.teachName = 'x';
    await labels.teach();
    expect(labels.teachError).toMatch(/at least 4/);
    expect(labels.teaching).toBe(false);
  });
});
