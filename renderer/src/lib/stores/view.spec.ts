import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SettingsDto } from '../../../../electron/api/contract';
import { fakeApi } from '../../test/fake-api';

const api = vi.hoisted(() => ({ current: null as ReturnType<typeof fakeApi> | null }));
vi.mock('../api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api')>()),
  invoke: (c: never, a: never) => api.current!.invoke(c, a),
  on: (n: never, f: never) => api.current!.on(n, f),
}));

async function fresh(): Promise<typeof import('./view.svelte').view> {
  vi.resetModules();
  return (await import('./view.svelte')).view;
}

/** The layouts saved, in order. */
function layouts(): unknown[] {
  return api
    .current!.calls.filter((c) => c.channel === 'settings.update')
    .map((c) => (c.args as { patch: Partial<SettingsDto> }).patch.layout);
}

describe('view store', () => {
  beforeEach(() => {
    api.current = fakeApi();
    api.current.handle('settings.update', ({ patch }) => ({ recent: [], layout: {}, ...patch }));
    // happy-dom's window: the splitter leaves the map 560 px, so the panel is at most 464 px.
    window.innerWidth = 1024;
  });

  it('takes the saved panel and width, within what the window allows, and starts single', async () => {
    const view = await fresh();
    view.applyLayout({ panel: 'metrics', compare: 'side', rightWidth: 2000 });
    expect(view.panel).toBe('metrics');
    expect(view.rightWidth).toBe(464);
    expect(view.compare.mode).toBe('single');
    view.applyLayout({ rightWidth: 100 });
    expect(view.rightWidth).toBe(320);
    expect(view.panel).toBe('metrics');
  });

  it('saves the layout when the panel or the compare mode changes', async () => {
    const view = await fresh();
    view.setRightWidth(400.4);
    view.showPanel('batch');
    view.setMode('swipe');
    expect(layouts()).toEqual([
      { panel: 'batch', compare: 'single', rightWidth: 400 },
      { panel: 'batch', compare: 'swipe', rightWidth: 400 },
    ]);
  });

  it('cycles the compare modes with S and keeps the swipe grabbable', async () => {
    const view = await fresh();
    const seen = [view.compare.mode];
    for (let i = 0; i < 3; i++) {
      view.nextMode();
      seen.push(view.compare.mode);
    }
    expect(seen).toEqual(['single', 'swipe', 'side', 'single']);
    view.setSwipe(-1);
    expect(view.compare.swipe).toBe(0.02);
    view.setSwipe(1.5);
    expect(view.compare.swipe).toBe(0.98);
    view.setSwipe(0.3);
    expect(view.compare.swipe).toBe(0.3);
  });

  it('sets what each extra pane shows, and clears every pane for a new product', async () => {
    const view = await fresh();
    view.setPane(1, 'mask-1');
    view.setPane(0, 'diff:a:b');
    expect(view.compare.other).toEqual([['diff:a:b'], ['mask-1'], []]);
    view.setPane(1, '');
    expect(view.compare.other).toEqual([['diff:a:b'], [], []]);
    view.clearPanes();
    expect(view.compare.other).toEqual([[], [], []]);
  });

  it('asks the maps to fit the scene or a target, and shows a failure in words', async () => {
    const view = await fresh();
    const before = view.fitRequest;
    view.fit([1, 2, 3, 4]);
    expect(view.fitRequest).toBe(before + 1);
    expect(view.fitTarget).toEqual([1, 2, 3, 4]);
    view.fit();
    expect(view.fitRequest).toBe(before + 2);
    expect(view.fitTarget).toBeNull();
    view.fail(new Error('B04 cannot be read: /data/A.SAFE/GRANULE/…/B04.jp2'));
    expect(view.error).toBe('B04 cannot be read: /data/A.SAFE/GRANULE/…/B04.jp2');
  });
});
