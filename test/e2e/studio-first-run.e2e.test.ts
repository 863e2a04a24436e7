/**
 * A new user's first minutes and the rough edges of everyday use, in Debian's Chromium against
 * the web host at 1280 x 800: the sample product from the empty screen to a mask on the map,
 * a damaged product that says why, a mask of another place refused with its location, a failed
 * open that leaves the app as it was, the metrics charts, the splitter, the batch bar when every
 * scene fails. Real products only: the embedded sample, the T31TCJ SAFEs whose band files are cut
 * to 30 x 30 px, the labelled Landsat-7 case and a KappaMask output of another continent.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage } from '../../electron/api/contract.js';
import { sampleProductPath } from '../../electron/core/sample/path.js';
import { startWebHost, type WebHost } from '../../electron/web-host.js';
import { launchChromium } from '../helpers/browser.js';
import { DATA_DIR, hasTool, SHARED_DATA } from '../helpers/env.js';

const SHOTS = join(DATA_DIR, 'screenshots');
const T31TCJ = join(SHARED_DATA, 'safe-T31TCJ-2024');
const DAMAGED = join(T31TCJ, 'S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE');
const DAMAGED_2 = join(T31TCJ, 'S2A_MSIL1C_20240120T105341_N0510_R051_T31TCJ_20240120T125244.SAFE');
const LABELLED = join(
  SHARED_DATA,
  'labelled-landsat7',
  'S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE',
);
const LABELS = join(SHARED_DATA, 'labelled-landsat7', 'reference_10m.tif');
const KAPPAMASK = join(SHARED_DATA, 'kappamask-predictions');
const ALCD_MASKS = join(T31TCJ, 'ref_inputs/Toulouse_31TCJ_20240305/In_data/Masks');

type Maps = Array<{ loaded(): boolean; areTilesLoaded(): boolean; getZoom(): number }>;

async function mapsIdle(page: Page, count = 1): Promise<void> {
  await page.waitForFunction((n) => {
    const maps = (globalThis as unknown as { __maps?: Maps }).__maps;
    return maps?.length === n && maps.every((m) => m.loaded() && m.areTilesLoaded());
  }, count);
}

/** Whether any panel or the layer column scrolls sideways (content cut or overflowing). */
async function overflowing(page: Page): Promise<string[]> {
  return page.$$eval('.panel, .left, .topbar, .statusbar', (els) =>
    els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.className),
  );
}

describe.skipIf(!hasTool('chromium'))('S2 Cloud Studio, first run and everyday use', () => {
  let host: WebHost;
  let browser: Browser;
  let page: Page;
  let home: string;
  const events: EventMessage[] = [];
  const tileRequests: string[] = [];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 's2studio-first-'));
    host = await startWebHost({ port: 0, settingsPath: join(home, 'settings.json') });
    host.api.events.subscribe((m) => events.push(m));
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('request', (r) => {
      if (r.url().includes('/tiles/')) tileRequests.push(r.url());
    });
    await page.goto(host.url);
    await page.waitForSelector('#app-info:has-text("web")');
  });
  afterAll(async () => {
    await browser?.close();
    await host?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('the empty screen offers the sample product and says how to open one of your own', async () => {
    const empty = page.locator('[data-testid="empty-screen"]');
    await empty.waitFor();
    expect(await empty.textContent()).toMatch(/\.SAFE.*\.zip.*Browse/s);
    expect(await page.locator('#open-sample').isVisible()).toBe(true);
    expect(await overflowing(page)).toEqual([]);
    // The app icon, not a 404.
    const icon = await page.evaluate(async () => {
      const r = await fetch('/favicon.ico');
      return { status: r.status, bytes: (await r.arrayBuffer()).byteLength };
    });
    expect(icon.status).toBe(200);
    expect(icon.bytes).toBeGreaterThan(1000);
    await mapsIdle(page);
    await page.screenshot({ path: join(SHOTS, 'studio-empty.png') });
  });

  it('opens the sample and puts a mask on the map with the defaults, well under a minute', async () => {
    const t0 = Date.now();
    await page.click('#open-sample');
    await page.waitForSelector('[data-testid="scene-meta"]');
    expect(await page.textContent('[data-testid="scene-meta"]')).toContain('T31PGN');
    expect(await page.locator('[data-testid="empty-screen"]').count()).toBe(0);
    await page.click('button[data-panel="run"]');
    await page.waitForSelector('#run-model option[value="dl-l8s2-uv-6b"]', { state: 'attached' });
    await page.click('#run-start');
    // The run goes on while another panel is shown, and its mask still lands on the map.
    await page.waitForSelector('[data-testid="run-progress"]');
    await page.click('button[data-panel="scene"]');
    await expect.poll(() => page.locator('.layer-list li').count(), { timeout: 60_000 }).toBe(2);
    await page.click('button[data-panel="run"]');
    await page.waitForSelector('[data-testid="run-result"], section[aria-label="Run a model"] .error-text', {
      timeout: 60_000,
    });
    expect(await page.locator('section[aria-label="Run a model"] .error-text').allTextContents()).toEqual([]);
    await expect.poll(() => tileRequests.some((u) => u.includes('/tiles/mask/'))).toBe(true);
    await mapsIdle(page);
    const seconds = (Date.now() - t0) / 1000;
    process.stdout.write(`sample: open to mask on the map in ${seconds.toFixed(1)} s\n`);
    expect(seconds).toBeLessThan(60);
    // The sample's outputs do not land inside the application's folder.
    const written = (await page.textContent('[data-testid="run-result"]')) ?? '';
    expect(written).toContain(join(tmpdir(), 's2cloud-sample-output'));
    expect(written).not.toContain(sampleProductPath());
    expect(await overflowing(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'studio-sample-mask.png') });
  });

  it('refuses a vector reference of another place and says where it lies', async () => {
    // The ALCD points are over T31TCJ (Toulouse); the sample is T31PGN (Benin/Nigeria).
    await page.click('text=Vector reference…');
    await page.fill('.modal input[aria-label="Path"]', ALCD_MASKS);
    await page.click('.modal button[type="submit"]');
    await page.waitForSelector('.modal .fs-list button:has-text("clouds_shadows.shp")');
    await page.click('.modal button:has-text("Use this folder")');
    const error = page.locator('[data-testid="error"]');
    await error.waitFor();
    expect(await error.textContent()).toMatch(
      /does not overlap .*near 1\.\d\d E 43\.\d\d N.*near \d\.\d\d E 11\.\d\d N/,
    );
    expect(await page.locator('.layer-list li').count()).toBe(2);
    await page.click('[data-testid="error"] button');
  });

  it('a product whose band files are damaged says why: banner, Scene panel, status bar once', async () => {
    const from = tileRequests.length;
    await page.fill('#product-path', DAMAGED);
    await page.click('#open-product');
    await page.click('button[data-panel="scene"]');
    const banner = page.locator('[data-testid="map-banner"]');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/band files are damaged:.*B0\d\.jp2 is 30 x 30 px/);
    expect(await page.textContent('[data-testid="scene-problems"]')).toMatch(/30 x 30 px.*10980 x 10980/);
    // Every image tile fails the same way: the status bar hears it, the server says it once.
    await expect
      .poll(() => page.textContent('#status'), { timeout: 30_000 })
      .toMatch(/cannot be drawn: .*30 x 30 px/);
    const failures = events.filter((e) => e.name === 'tiles.failed').map((e) => JSON.stringify(e.payload));
    expect(failures.length).toBeGreaterThan(0);
    expect(new Set(failures).size).toBe(failures.length);
    expect(tileRequests.slice(from).filter((u) => u.includes('/tiles/image/')).length).toBeGreaterThan(
      failures.length,
    );
    await page.screenshot({ path: join(SHOTS, 'studio-damaged.png') });
  });

  it('refuses a mask of another place and says where it lies', async () => {
    const before = await page.locator('.layer-list li').count();
    await page.click('text=Mask file…');
    await page.fill('.modal input[aria-label="Path"]', KAPPAMASK);
    await page.click('.modal button[type="submit"]');
    await page.click('.modal .fs-list button:has-text("L1C_kappamask.tif")');
    const error = page.locator('[data-testid="error"]');
    await error.waitFor();
    expect(await error.textContent()).toMatch(
      /does not overlap .* near 43\.\d\d E 30\.\d\d N.*near 1\.\d\d E 43\.\d\d N/,
    );
    expect(await page.locator('.layer-list li').count()).toBe(before);
    await page.click('[data-testid="error"] button');
  });

  it('a product that fails to open leaves the open one as it was', async () => {
    await page.click('[data-add-product="msk-classi"]');
    await expect.poll(() => page.locator('.layer-list li').count(), { timeout: 30_000 }).toBe(2);
    await page.fill('#product-path', join(home, 'no-such-product.SAFE'));
    await page.click('#open-product');
    await page.locator('[data-testid="error"]').waitFor();
    expect(await page.textContent('[data-testid="error"]')).toContain('no-such-product.SAFE');
    expect(await page.textContent('[data-testid="scene-meta"]')).toContain('S2B_MSIL1C_20240305T104819');
    expect(await page.locator('.layer-list li').count()).toBe(2);
    expect(await page.textContent('#status')).toMatch(/still open/);
    // Its mask tiles are still served: the scene was not closed under the layers.
    const masks = tileRequests.filter((u) => u.includes('/tiles/mask/')).length;
    await page.keyboard.press('f');
    await page.evaluate(() =>
      (globalThis as unknown as { __maps: Array<{ zoomIn(): void }> }).__maps[0]!.zoomIn(),
    );
    await expect
      .poll(() => tileRequests.filter((u) => u.includes('/tiles/mask/')).length)
      .toBeGreaterThan(masks);
    await page.click('[data-testid="error"] button');
  });

  it('re-opening the open product keeps its layers', async () => {
    await page.fill('#product-path', DAMAGED);
    await page.click('#open-product');
    await expect.poll(() => page.textContent('#status')).toMatch(/already open; its layers are kept/);
    expect(await page.locator('.layer-list li').count()).toBe(2);
  });

  it('recent products with the same name show their folders', async () => {
    await page.fill('#product-path', LABELLED);
    await page.click('#open-product');
    await expect
      .poll(() => page.textContent('[data-testid="scene-meta"]'), { timeout: 30_000 })
      .toContain('labelled-landsat7');
    const recent = (): Promise<string[]> =>
      page.$$eval('select[aria-label="Recent products"] option', (os) =>
        os.map((o) => o.textContent ?? '').filter((t) => t.startsWith('S2B_MSIL1C_20240305')),
      );
    await expect.poll(recent).toHaveLength(2);
    const labels = await recent();
    expect(new Set(labels).size).toBe(2);
    expect(labels.join('\n')).toMatch(/labelled-landsat7/);
  });

  it('metrics: per-class F1 and class shares as charts, n/a for a class the reference lacks', async () => {
    await page.click('button[data-panel="run"]');
    await page.selectOption('select[aria-label="Resolution"]', '20');
    await page.fill('input[aria-label="Output folder"]', home);
    await page.click('#run-start');
    await expect
      .poll(
        async () =>
          (await page
            .locator('[data-testid="run-result"]')
            .textContent()
            .catch(() => '')) ?? '',
        {
          timeout: 90_000,
        },
      )
      .toContain(home);
    await expect.poll(() => page.locator('.layer-list li').count()).toBe(2);
    await page.click('button[data-panel="metrics"]');
    await page.fill('input[aria-label="Reference file"]', LABELS);
    await page.locator('fieldset input[type="checkbox"]').first().check();
    await page.click('#metrics-compute');
    await page.waitForSelector('[data-testid="metrics-table"] tbody tr', { timeout: 60_000 });
    const table = (await page.textContent('[data-testid="metrics-table"]')) ?? '';
    expect(table).toMatch(/dl-l8s2-uv-6b 20 m/);
    // The labels have no semi-transparent class: its F1 says nothing of the mask.
    expect(table).toContain('n/a');
    expect(await page.textContent('section[aria-label="Metrics"]')).toContain('Against reference_10m.tif');
    // The overlap figure is a note, not a warning; no CLI words about the app's own mask.
    const warns = await page.locator('section[aria-label="Metrics"] .warn').allTextContents();
    expect(warns.join('\n')).not.toMatch(/Overlap/);
    expect(await page.textContent('[data-testid="metrics-notes"]')).toMatch(/Overlap: \d+ px/);
    expect(await page.textContent('section[aria-label="Metrics"]')).not.toMatch(/ID=file/);
    // Two charts from the same report: a bar per class and mask, a stacked bar per mask.
    expect(await page.locator('[data-testid="f1-chart"] rect[fill]').count()).toBeGreaterThanOrEqual(6);
    expect(await page.locator('[data-testid="shares-chart"] rect[fill]').count()).toBeGreaterThanOrEqual(6);
    // The table fits: the shadow F1 column is in view without sideways scrolling.
    const fit = await page.$eval('[data-testid="metrics-table"]', (t) => {
      const panel = t.closest('.panel')!;
      const last = t.querySelector('tbody tr td:last-child')!.getBoundingClientRect();
      return {
        right: last.right,
        panelRight: panel.getBoundingClientRect().right,
        scroll: panel.scrollWidth - panel.clientWidth,
      };
    });
    expect(fit.right).toBeLessThanOrEqual(fit.panelRight);
    expect(fit.scroll).toBeLessThanOrEqual(1);
    // The screenshot shows the table and both charts.
    await page.locator('[data-testid="metrics-table"]').evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(SHOTS, 'studio-metrics-charts.png') });
    await page.click('[data-testid="metrics-wide"]');
    expect(await page.textContent('[data-testid="metrics-table-wide"]')).toMatch(/vs.*shadow/s);
    await page.click('button[aria-label="Close the wide view"]');
  });

  it('the splitter resizes the right panel and the width is kept', async () => {
    const width = (): Promise<number> => page.$eval('aside.right', (e) => e.getBoundingClientRect().width);
    const before = await width();
    const s = (await page.locator('[data-testid="splitter"]').boundingBox())!;
    await page.mouse.move(s.x + s.width / 2, s.y + 200);
    await page.mouse.down();
    await page.mouse.move(s.x - 120, s.y + 200, { steps: 5 });
    await page.mouse.up();
    await expect.poll(width).toBeGreaterThan(before + 100);
    const after = await width();
    const saved = (): number =>
      Number(/"rightWidth":\s*(\d+)/.exec(readFileSync(join(home, 'settings.json'), 'utf8'))?.[1]);
    await expect.poll(saved).toBeCloseTo(after, 0);
    await page.reload();
    await page.waitForSelector('#app-info:has-text("web")');
    await expect.poll(width).toBeCloseTo(after, 0);
  });

  it('side by side and back: the single map returns to its camera', async () => {
    await page.click('button[data-panel="scene"]');
    await page.fill('#product-path', LABELLED);
    await page.click('#open-product');
    await page.waitForSelector('[data-testid="scene-meta"]');
    await mapsIdle(page);
    const zoom = (): Promise<number> =>
      page.evaluate(() => (globalThis as unknown as { __maps: Maps }).__maps[0]!.getZoom());
    const single = await zoom();
    await page.click('button[data-mode="side"]');
    await page.waitForFunction(() => {
      const maps = (globalThis as unknown as { __maps?: Maps }).__maps;
      return maps?.length === 2 && maps.every((m) => m.loaded());
    });
    // Smaller panes: people zoom out to see the scene whole.
    await page.evaluate(() =>
      (globalThis as unknown as { __maps: Array<{ jumpTo(c: { zoom: number }): void }> }).__maps[0]!.jumpTo({
        zoom: 9,
      }),
    );
    await page.click('button[data-mode="single"]');
    await mapsIdle(page);
    expect(await zoom()).toBeCloseTo(single, 1);
  });

  it('a batch whose every scene fails says failed, and its rows name tile and date', async () => {
    const folder = mkdtempSync(join(tmpdir(), 's2-batch-damaged-'));
    symlinkSync(DAMAGED, join(folder, 'a.SAFE'));
    symlinkSync(DAMAGED_2, join(folder, 'b.SAFE'));
    await page.click('button[data-panel="batch"]');
    await page.fill('input[aria-label="Batch folder"]', folder);
    await page.fill('input[aria-label="Batch output folder"]', join(home, 'batch-damaged'));
    await page.selectOption('select[aria-label="Batch resolution"]', '60');
    await page.click('#batch-start');
    await expect
      .poll(() => page.textContent('[data-testid="batch-state"]'), { timeout: 90_000, interval: 500 })
      .toMatch(/^failed · all 2 failed/);
    const names = await page.$$eval('[data-testid="batch-table"] td.name', (tds) =>
      tds.map((t) => t.textContent),
    );
    expect(names.sort()).toEqual(['T31TCJ · 2024-01-20', 'T31TCJ · 2024-03-05']);
    expect(await overflowing(page)).toEqual([]);
    rmSync(folder, { recursive: true, force: true });
  });

  it('no panel overflows at 1920 x 1080 either', async () => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    for (const p of ['scene', 'run', 'metrics', 'models', 'batch']) {
      await page.click(`button[data-panel="${p}"]`);
      expect(await overflowing(page), p).toEqual([]);
    }
  });
});
