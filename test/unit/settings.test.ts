import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defaultSettings,
  defaultSettingsPath,
  loadSettings,
  MAX_LAYOUT_BYTES,
  MAX_RECENT,
  saveSettings,
  settingsPathIn,
  settingsProblem,
  SettingsStore,
  withLastModel,
  withLastOutputFolder,
  withLayout,
  withoutRecentProduct,
  withRecentProduct,
} from '../../electron/core/settings.js';

const tmp = mkdtempSync(join(tmpdir(), 's2-settings-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(tmp, `case-${++n}`, 'settings.json');

describe('settings', () => {
  it('a missing file gives the defaults, without a warning', async () => {
    const r = await loadSettings(fresh());
    expect(r).toEqual({ settings: defaultSettings() });
    expect(settingsProblem(defaultSettings())).toBeUndefined();
  });

  it('saves atomically and loads back what was saved', async () => {
    const path = fresh();
    let s = withRecentProduct(defaultSettings(), {
      path: '/data/S2A_MSIL1C_X.SAFE',
      openedAt: '2024-03-01T10:00:00.000Z',
    });
    s = withLayout(s, { panels: { left: 320, bottom: null }, map: { zoom: 9.5, center: [1.5, 43.6] } });
    s = withLastOutputFolder(s, '/data/out');
    s = withLastModel(s, 'kappamask-l1c');
    await saveSettings(path, s);
    expect(readdirSync(join(path, '..'))).toEqual(['settings.json']); // no temporary file left
    const back = await loadSettings(path);
    expect(back.warning).toBeUndefined();
    expect(back.settings).toEqual(s);
    expect(back.settings.recentProducts[0]).toEqual({
      path: '/data/S2A_MSIL1C_X.SAFE',
      name: 'S2A_MSIL1C_X.SAFE',
      openedAt: '2024-03-01T10:00:00.000Z',
    });
  });

  it('keeps at most 10 recent products, most recent first, one per path', () => {
    let s = defaultSettings();
    for (let i = 0; i < 15; i++)
      s = withRecentProduct(s, { path: `/p/${i}.SAFE`, openedAt: new Date(1e12 + i) });
    expect(s.recentProducts).toHaveLength(MAX_RECENT);
    expect(s.recentProducts[0]!.path).toBe('/p/14.SAFE');
    expect(s.recentProducts.at(-1)!.path).toBe('/p/5.SAFE');
    s = withRecentProduct(s, { path: '/p/9.SAFE', name: 'Nine' });
    expect(s.recentProducts.map((r) => r.path).filter((p) => p === '/p/9.SAFE')).toHaveLength(1);
    expect(s.recentProducts[0]).toMatchObject({ path: '/p/9.SAFE', name: 'Nine' });
    expect(s.recentProducts).toHaveLength(MAX_RECENT);
    s = withoutRecentProduct(s, '/p/9.SAFE');
    expect(s.recentProducts.some((r) => r.path === '/p/9.SAFE')).toBe(false);
    expect(() => withRecentProduct(s, { path: '' })).toThrow(/path/);
  });

  it('caps the layout size and accepts only JSON', () => {
    const big = { blob: 'x'.repeat(MAX_LAYOUT_BYTES) };
    expect(() => withLayout(defaultSettings(), big)).toThrow(/limit/);
    expect(() => withLayout(defaultSettings(), 10n)).toThrow();
    expect(withLayout(defaultSettings(), null).layout).toBeNull();
    const layout = { a: [1, 'two', { three: true }] };
    const s = withLayout(defaultSettings(), layout);
    layout.a.push(4); // stored as a copy
    expect(s.layout).toEqual({ a: [1, 'two', { three: true }] });
  });

  for (const [what, text] of [
    ['not JSON', '{"version": 1, "recentProducts": ['],
    ['the wrong shape', JSON.stringify({ version: 1, recentProducts: 'none', layout: null })],
    ['an unknown version', JSON.stringify({ ...defaultSettings(), version: 7 })],
    ['a bad recent entry', JSON.stringify({ ...defaultSettings(), recentProducts: [{ path: 3 }] })],
    [
      'too many recent entries',
      JSON.stringify({
        ...defaultSettings(),
        recentProducts: Array.from({ length: 11 }, (_, i) => ({
          path: `/${i}`,
          name: `${i}`,
          openedAt: '2024-01-01',
        })),
      }),
    ],
    [
      'an oversized layout',
      JSON.stringify({ ...defaultSettings(), layout: 'x'.repeat(MAX_LAYOUT_BYTES + 1) }),
    ],
  ] as const) {
    it(`moves a file with ${what} aside as settings.json.bad-<time> and uses the defaults`, async () => {
      const path = fresh();
      await saveSettings(path, defaultSettings());
      writeFileSync(path, text);
      const warnings: string[] = [];
      const r = await loadSettings(path, (m) => warnings.push(m));
      expect(r.settings).toEqual(defaultSettings());
      expect(warnings).toEqual([r.warning]);
      expect(r.warning).toContain(path);
      expect(r.movedTo).toMatch(/settings\.json\.bad-\d{4}-\d\d-\d\dT[\d-]+Z$/);
      expect(readFileSync(r.movedTo!, 'utf8')).toBe(text); // kept for the user
      expect(existsSync(path)).toBe(false);
    });
  }

  it('drops unknown keys on load', async () => {
    const path = fresh();
    await saveSettings(path, defaultSettings());
    writeFileSync(path, JSON.stringify({ ...defaultSettings(), extra: 'x' }));
    const r = await loadSettings(path);
    expect(r.settings).toEqual(defaultSettings());
    expect(r.warning).toBeUndefined();
  });

  it('refuses to save invalid settings', async () => {
    await expect(
      saveSettings(fresh(), { ...defaultSettings(), lastModel: 5 as unknown as string }),
    ).rejects.toThrow(/lastModel/);
  });

  it('the store queues updates so none is lost, and persists them', async () => {
    const path = fresh();
    const store = new SettingsStore(path);
    await Promise.all(Array.from({ length: 5 }, (_, i) => store.addRecent(`/q/${i}.zip`)));
    const s = await store.get();
    expect(s.recentProducts.map((r) => r.path)).toEqual([
      '/q/4.zip',
      '/q/3.zip',
      '/q/2.zip',
      '/q/1.zip',
      '/q/0.zip',
    ]);
    expect((await loadSettings(path)).settings).toEqual(s);
    // A failing change rejects that call only.
    await expect(store.setLayout({ blob: 'x'.repeat(MAX_LAYOUT_BYTES) })).rejects.toThrow(/limit/);
    await expect(store.update({ lastModel: 'm' })).resolves.toMatchObject({ lastModel: 'm' });
  });

  it('the store gives the UI view: recent, an object layout, lastOutDir and lastModel when set', async () => {
    const store = new SettingsStore(settingsPathIn(join(tmp, `case-${++n}`)));
    expect(await store.load()).toEqual({ recent: [], layout: {} });
    await store.addRecent('/d/S2B.SAFE', 'S2B product');
    await store.setLayout({ sidebar: 280 });
    const view = await store.update({ lastOutDir: '/out', lastModel: 'dl-l8s2-uv-6b' });
    expect(view).toMatchObject({
      recent: [{ path: '/d/S2B.SAFE', name: 'S2B product' }],
      layout: { sidebar: 280 },
      lastOutDir: '/out',
      lastModel: 'dl-l8s2-uv-6b',
    });
    expect(await store.update({ lastOutDir: null })).not.toHaveProperty('lastOutDir');
    expect(await new SettingsStore(store.path).load()).toMatchObject({
      layout: { sidebar: 280 },
      lastModel: 'dl-l8s2-uv-6b',
    });
    expect(await store.removeRecent('/d/S2B.SAFE')).toMatchObject({ recent: [] });
  });

  it('the web host default path is under ~/.config (or XDG_CONFIG_HOME)', () => {
    expect(defaultSettingsPath({ HOME: '/home/a' })).toMatch(
      /[\\/]\.config[\\/]s2-cloud-studio[\\/]settings\.json$/,
    );
    expect(defaultSettingsPath({ XDG_CONFIG_HOME: '/x/cfg' })).toBe(
      join('/x/cfg', 's2-cloud-studio', 'settings.json'),
    );
  });
});
