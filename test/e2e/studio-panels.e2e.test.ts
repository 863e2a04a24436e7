/**
 * The batch panel, the model manager and the compare views in Chromium against the web host, on
 * real-format products: a folder with usable and broken products is processed from the GUI.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHost, type WebHost } from '../../electron/web-host.js';
import { makeTheia } from '../fixtures/make-theia.js';
import { batchFolder, smallScenes } from '../unit/batch/fixtures.js';
import { launchChromium } from '../helpers/browser.js';
import { DATA_DIR, hasTool, SHARED_DATA } from '../helpers/env.js';

const SHOTS = join(DATA_DIR, 'screenshots');
const ALCD_MASKS = join(SHARED_DATA, 'safe-T31TCJ-2024/ref_inputs/Toulouse_31TCJ_20240305/In_data/Masks');

describe.skipIf(!hasTool('chromium') || !hasTool('opj_compress'))(
  'S2 Cloud Studio panels in Chromium',
  () => {
    let host: WebHost;
    let browser: Browser;
    let page: Page;
    let home: string;

    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), 's2studio-panels-'));
      host = await startWebHost({ port: 0, settingsPath: join(home, 'settings.json') });
      browser = await launchChromium();
      mkdirSync(SHOTS, { recursive: true });
      page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
      await page.goto(host.url);
      await page.waitForSelector('#app-info:has-text("web")');
    });
    afterAll(async () => {
      await browser?.close();
      await host?.close();
      rmSync(home, { recursive: true, force: true });
    });

    it('runs a batch over a folder: usable products done, broken ones listed with their reason', async () => {
      const folder = await batchFolder(['first', 'second']);
      const out = join(home, 'batch-out');
      await page.click('button[data-panel="batch"]');
      await page.fill('input[aria-label="Batch folder"]', folder);
      await page.fill('input[aria-label="Batch output folder"]', out);
      await page.selectOption('select[aria-label="Batch resolution"]', '60');
      await page.click('#batch-start');
      await page.waitForSelector('[data-testid="batch-table"] tbody tr');
      await expect
        .poll(() => page.textContent('section[aria-label="Batch"] .progress'), {
          timeout: 110_000,
          interval: 1000,
        })
        .toMatch(/finished/);
      const rows = await page.$$eval('[data-testid="batch-table"] tbody tr', (trs) =>
        trs.map((t) => ({ cls: t.className, text: t.textContent ?? '' })),
      );
      expect(rows.filter((r) => r.cls.includes('status-done'))).toHaveLength(2);
      const broken = rows.filter((r) => r.cls.includes('status-unusable') || r.cls.includes('status-failed'));
      expect(broken.length).toBe(3);
      expect(broken.map((r) => r.text).join('\n')).toMatch(/L1B/);
      // The same journal the CLI reads and resumes.
      const journal = JSON.parse(readFileSync(join(out, 's2cloud-batch.json'), 'utf8')) as {
        scenes: unknown;
      };
      expect(journal.scenes).toBeTruthy();
      // The reports are written just after the last scene's state.
      await expect.poll(() => existsSync(join(out, 's2cloud-batch-report.html'))).toBe(true);
      await page.screenshot({ path: join(SHOTS, 'studio-batch.png') });
      rmSync(folder, { recursive: true, force: true });
    });

    it('lists the models with their cards and which are installed', async () => {
      await page.click('button[data-panel="models"]');
      await page.waitForSelector('[data-testid="models"] li:has-text("DL-L8S2-UV")');
      const text = (await page.textContent('[data-testid="models"]')) ?? '';
      expect(text).toMatch(/DL-L8S2-UV.*default/);
      expect(text).toContain('installed');
      expect(text).toContain('Fmask (built-in)');
      await page.locator('[data-testid="models"] details').first().click();
      await page.screenshot({ path: join(SHOTS, 'studio-models.png') });
    });

    it('adds our mask from a file, shows it side by side with MSK_CLASSI, and their difference', async () => {
      const { l1c } = await smallScenes();
      await page.fill('#product-path', l1c);
      await page.click('#open-product');
      await page.waitForSelector('[data-add-product="msk-classi"]');
      await page.click('[data-add-product="msk-classi"]');
      await page.waitForSelector('.legend.classes');
      // The file browser: go to the batch output folder and pick the first 60 m mask.
      await page.click('text=Mask file…');
      await page.fill('.modal input[aria-label="Path"]', join(home, 'batch-out'));
      await page.click('.modal button[type="submit"]');
      await page.click('.modal .fs-list button:has-text("_60m.tif")');
      await expect.poll(() => page.locator('.layer-list li').count()).toBe(3);
      // Difference: ours against MSK_CLASSI.
      const options = await page.$$eval('select[aria-label="Difference: mask"] option', (os) =>
        os.map((o) => ({ value: o.getAttribute('value') ?? '', text: o.textContent ?? '' })),
      );
      const ours = options.find((o) => /first|second|dl-l8s2/.test(o.text))!;
      const classi = options.find((o) => /MSK_CLASSI/.test(o.text))!;
      await page.selectOption('select[aria-label="Difference: mask"]', ours.value);
      await page.selectOption('select[aria-label="Difference: reference"]', classi.value);
      await page.click('button:has-text("Difference")');
      await expect.poll(() => page.locator('.layer-list li').count()).toBe(4);
      expect(await page.textContent('.layer-props')).toContain('omission');
      await page.click('button[data-mode="side"]');
      await page.selectOption('select[aria-label="Layer of map 2"]', classi.value);
      await expect.poll(() => page.locator('.map canvas').count()).toBe(2);
      await page.waitForFunction(() => {
        const maps = (
          globalThis as unknown as { __maps?: Array<{ loaded(): boolean; areTilesLoaded(): boolean }> }
        ).__maps;
        return maps?.length === 2 && maps.every((m) => m.loaded() && m.areTilesLoaded());
      });
      await page.screenshot({ path: join(SHOTS, 'studio-side-by-side.png') });
      await page.click('button[data-mode="single"]');
    });

    it('draws a folder of ALCD shapefiles as a vector reference coloured by class', async () => {
      await page.click('text=Vector reference…');
      await page.fill('.modal input[aria-label="Path"]', ALCD_MASKS);
      await page.click('.modal button[type="submit"]');
      // "Use this folder" takes the folder on screen: wait until the listing is the one asked for.
      await page.waitForSelector('.modal .fs-list button:has-text("clouds_shadows.shp")');
      await page.click('.modal button:has-text("Use this folder")');
      await expect.poll(() => page.locator('.layer-list li', { hasText: 'Masks' }).count()).toBe(1);
      const legend = (await page.textContent('.legend.classes')) ?? '';
      expect(legend).toContain('cloud shadow');
      expect(legend).toContain('clear');
      // Hide the clear points: the class toggle works on vectors too.
      await page
        .locator('.legend.classes li', { hasText: 'clear' })
        .locator('input[type="checkbox"]')
        .uncheck();
      await page.keyboard.press('f');
      await page.waitForTimeout(800);
      await page.screenshot({ path: join(SHOTS, 'studio-vector.png') });
    });

    it('opens a THEIA L2A product: MAJA CLM as a layer and as the Metrics reference, by name', async () => {
      const { folder } = await makeTheia({ outDir: join(DATA_DIR, 'theia') });
      await page.fill('#product-path', folder);
      await page.click('#open-product');
      await page.waitForSelector('[data-add-product="maja"]');
      expect(await page.locator('[data-add-product]').allTextContents()).toEqual([
        'MAJA CLM',
        'MAJA MG2 (clouds, shadows)',
      ]);
      await page.click('[data-add-product="maja"]');
      await expect.poll(() => page.locator('.layer-list li', { hasText: 'MAJA CLM' }).count()).toBe(1);
      // MG2's cloud and shadow bits, read from its file with the maja-mg2 adapter, to score.
      await page.selectOption('select[aria-label="Mask format"]', 'maja-mg2');
      await page.click('text=Mask file…');
      await page.fill('.modal input[aria-label="Path"]', join(folder, 'MASKS'));
      await page.click('.modal button[type="submit"]');
      await page.click('.modal .fs-list button:has-text("_MG2_R2.tif")');
      await expect.poll(() => page.locator('.layer-list li').count()).toBe(3);
      await page.click('button[data-panel="metrics"]');
      const options = await page.locator('select[aria-label="Reference"] option').allTextContents();
      expect(options).toEqual(
        expect.arrayContaining(['product: MAJA CLM', 'product: MAJA MG2 (clouds, shadows)']),
      );
      // The box says which of the product's own masks it adds.
      expect(await page.textContent('section[aria-label="Metrics"] fieldset')).toContain(
        "The product's own masks (MAJA CLM)",
      );
      await page.selectOption('select[aria-label="Reference"]', 'product:maja');
      await page.locator('section[aria-label="Metrics"] fieldset input[type="checkbox"]').first().check();
      await page.click('#metrics-compute');
      await page.waitForSelector('[data-testid="metrics-table"] tbody tr', { timeout: 60_000 });
      expect(await page.textContent('[data-testid="metrics-table"]')).toContain('_MG2_R2');
      expect(await page.textContent('section[aria-label="Metrics"]')).toMatch(/Against .*MAJA CLM/);
      expect(await page.locator('section[aria-label="Metrics"] .error-text').count()).toBe(0);
    });
  },
);
