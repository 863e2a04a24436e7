/**
 * The whole application in Debian's Chromium against the web host, on a generated product whose
 * metadata and clouds come from the real T31TCJ scene: open it, see the RGB, toggle a class, move
 * the swipe, inspect a pixel, run the default model, read the metrics table.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHost, type WebHost } from '../../electron/web-host.js';
import { launchChromium } from '../helpers/browser.js';
import { DATA_DIR, hasTool } from '../helpers/env.js';
import { compareScreenshot, decodePng } from '../helpers/screenshot-compare.js';

const PRODUCT = join(
  DATA_DIR,
  'scenes',
  'small-L1C',
  'S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE',
);
const SHOTS = join(DATA_DIR, 'screenshots');

/** Share of pixels in a PNG screenshot region that differ from the map's empty background. */
async function imageryShare(page: Page): Promise<number> {
  const { rgba } = decodePng(await page.locator('[data-testid="map-area"]').screenshot());
  let coloured = 0;
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4 * 7) {
    n++;
    // Background #1d232b and land #2a323c are dark blue-grey; imagery is brighter.
    if (rgba[i]! + rgba[i + 1]! + rgba[i + 2]! > 200) coloured++;
  }
  return coloured / n;
}

describe.skipIf(!hasTool('chromium') || !hasTool('opj_compress'))('S2 Cloud Studio in Chromium', () => {
  let host: WebHost;
  let browser: Browser;
  let page: Page;
  let home: string;
  const tileRequests: string[] = [];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 's2studio-e2e-'));
    host = await startWebHost({ port: 0, settingsPath: join(home, 'settings.json') });
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
    page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    page.on('request', (r) => {
      if (r.url().includes('/tiles/')) tileRequests.push(r.url());
    });
    await page.goto(host.url);
  });
  afterAll(async () => {
    await browser?.close();
    await host?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('opens a product and shows its RGB composite and metadata', async () => {
    await expect.poll(() => page.textContent('#app-info')).toContain('web');
    await page.fill('#product-path', PRODUCT);
    await page.click('#open-product');
    await page.waitForSelector('[data-testid="scene-meta"]');
    const meta = await page.textContent('[data-testid="scene-meta"]');
    expect(meta).toContain('S2B_MSIL1C_20240305T104819');
    expect(meta).toContain('05.10');
    expect(meta).toContain('-1000 DN');
    await expect
      .poll(() => tileRequests.some((u) => u.includes('/tiles/image/')), { timeout: 30_000 })
      .toBe(true);
    await expect.poll(() => imageryShare(page), { timeout: 30_000 }).toBeGreaterThan(0.2);
    await page.screenshot({ path: join(SHOTS, 'studio-rgb.png') });
  });

  it('adds the product mask as a layer and toggles a class', async () => {
    await page.click('[data-add-product="msk-classi"]');
    await page.waitForSelector('[data-layer^="mask"], .legend.classes');
    const before = tileRequests.length;
    const cloudToggle = page.locator('input[data-class="2"]');
    expect(await cloudToggle.isChecked()).toBe(true);
    await cloudToggle.uncheck();
    // New tiles are asked for without class 2.
    await expect
      .poll(() =>
        tileRequests
          .slice(before)
          .some((u) => u.includes('/tiles/mask/') && !/classes=[^&]*2/.test(decodeURIComponent(u))),
      )
      .toBe(true);
    await cloudToggle.check();
  });

  it('moves the swipe divider', async () => {
    await page.click('button[data-mode="swipe"]');
    const handle = page.locator('.swipe-handle');
    await handle.waitFor();
    const box = (await page.locator('[data-testid="map-area"]').boundingBox())!;
    const h = (await handle.boundingBox())!;
    await page.mouse.move(h.x + 2, h.y + h.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.25, h.y + h.height / 2, { steps: 5 });
    await page.mouse.up();
    const now = Number(await handle.getAttribute('aria-valuenow'));
    expect(now).toBeGreaterThan(20);
    expect(now).toBeLessThan(30);
    await page.screenshot({ path: join(SHOTS, 'studio-swipe.png') });
    await page.click('button[data-mode="single"]');
    await page.waitForFunction(() => {
      const maps = (globalThis as unknown as { __maps?: Array<{ loaded(): boolean }> }).__maps;
      return maps?.length === 1 && maps[0]!.loaded();
    });
  });

  it('inspects a pixel: coordinates, reflectances and the mask class there', async () => {
    const box = (await page.locator('[data-testid="map-area"]').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('[data-testid="inspector"]');
    const text = (await page.textContent('[data-testid="inspector"]')) ?? '';
    expect(text).toContain('EPSG:32631');
    expect(text).toMatch(/B04\s*0\.\d{4}/);
    expect(text).toMatch(/MSK_CLASSI/);
  });

  it('runs the default model; the mask appears as a layer; the metrics table reads it', async () => {
    await page.click('button[data-panel="run"]');
    await page.waitForSelector('#run-model option[value="dl-l8s2-uv-6b"]', { state: 'attached' });
    await page.selectOption('select[aria-label="Resolution"]', '60');
    await page.fill('input[aria-label="Output folder"]', home);
    await page.click('#run-start');
    await page.waitForSelector('[data-testid="run-result"], section[aria-label="Run a model"] .error-text', {
      timeout: 110_000,
    });
    expect(await page.locator('section[aria-label="Run a model"] .error-text').count()).toBe(0);
    expect(await page.textContent('[data-testid="run-result"]')).toContain('dl-l8s2-uv-6b');
    await page.click('button[data-panel="metrics"]');
    await page.selectOption('select[aria-label="Reference"]', 'product:msk-classi');
    await page.locator('fieldset input[type="checkbox"]').first().check();
    await page.click('#metrics-compute');
    await page.waitForSelector(
      '[data-testid="metrics-table"] tbody tr, section[aria-label="Metrics"] .error-text',
      {
        timeout: 60_000,
      },
    );
    expect(await page.locator('section[aria-label="Metrics"] .error-text').allTextContents()).toEqual([]);
    const rows = await page.$$eval('[data-testid="metrics-table"] tbody tr', (trs) =>
      trs.map((t) => t.textContent ?? ''),
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.join('\n')).toMatch(/dl-l8s2-uv-6b/);
    // One reference for every row: named once above the table instead of in a column.
    expect(await page.textContent('section[aria-label="Metrics"]')).toMatch(/Against .*MSK_CLASSI/);
    await page.screenshot({ path: join(SHOTS, 'studio-metrics.png') });
  });

  it('runs the built-in Fmask from the run panel; it appears as a layer with Fmask classes', async () => {
    await page.click('button[data-panel="run"]');
    await page.waitForSelector('#run-model option[value="dl-l8s2-uv-6b"]', { state: 'attached' });
    await page.selectOption('#run-model', 'fmask');
    await page.selectOption('select[aria-label="Resolution"]', '60');
    await page.click('#run-start');
    // The previous run's result is on screen until this one ends: wait for this one's.
    await expect
      .poll(
        async () =>
          (await page.locator('section[aria-label="Run a model"] .error-text').allTextContents()).join(' ') ||
          ((await page.locator('[data-testid="run-result"]').count()) > 0
            ? await page.textContent('[data-testid="run-result"]')
            : ''),
        { timeout: 110_000, interval: 500 },
      )
      .toContain('fmask-builtin_60m.tif');
    await expect.poll(() => page.textContent('.layer-list')).toMatch(/fmask/i);
    // Shown through the Fmask adapter: clouds and shadows in the legend.
    expect(await page.textContent('.legend.classes')).toContain('cloud shadow');
    // Keep the main screenshot as it was: remove the Fmask layer again.
    await page
      .locator('.layer-list li', { hasText: /fmask/i })
      .locator('button[aria-label^="Remove"]')
      .click();
  });

  it('looks like the reference screenshot (tolerant)', async () => {
    await page.click('button[data-panel="scene"]');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => {
      const maps = (
        globalThis as unknown as { __maps?: Array<{ loaded(): boolean; areTilesLoaded(): boolean }> }
      ).__maps;
      return maps?.length === 1 && maps[0]!.loaded() && maps[0]!.areTilesLoaded();
    });
    await page.waitForTimeout(300);
    const shot = join(SHOTS, 'studio-main.png');
    await page.screenshot({ path: shot });
    const cmp = await compareScreenshot(shot, 'studio-main', { maxDiffFraction: 0.08, threshold: 40 });
    expect(cmp.match, cmp.message).toBe(true);
  });
});
