import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHost, type WebHost } from '../../electron/web-host.js';
import { launchChromium } from '../helpers/browser.js';
import { DATA_DIR, hasTool, SHARED_DATA } from '../helpers/env.js';

const T31TCJ = join(SHARED_DATA, 'safe-T31TCJ-2024');
const SHOTS = join(DATA_DIR, 'screenshots');

describe.skipIf(!hasTool('chromium'))('scene browser in Chromium', () => {
  let host: WebHost;
  let browser: Browser;
  beforeAll(async () => {
    host = await startWebHost({ port: 0 });
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await host?.close();
  });

  it('scans a folder and shows each product with its metadata', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(host.url);
    await expect.poll(() => page.textContent('#app-info')).toContain('web');
    await page.fill('#path', T31TCJ);
    await page.click('#discover');
    await page.waitForSelector('.product h2');
    expect(await page.textContent('#status')).toBe('2 product(s) read, 0 with problems.');
    const titles = await page.$$eval('.product h2', (hs) => hs.map((h) => h.textContent));
    expect(titles.sort()).toEqual([
      'S2A_MSIL1C_20240120T105341_N0510_R051_T31TCJ_20240120T125244',
      'S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347',
    ]);
    await page.screenshot({ path: join(SHOTS, 'scene-browser.png'), fullPage: false });
    await page.close();
  });

  it('shows a problem in words for a path that is not a product', async () => {
    const page = await browser.newPage();
    await page.goto(host.url);
    await page.fill('#path', '/nonexistent/folder/S2A.SAFE');
    await page.click('button[data-mode="open"]');
    await expect.poll(() => page.textContent('#status')).toContain('/nonexistent/folder/S2A.SAFE');
    await page.close();
  });
});
