/**
 * Label, score, suggest and teach in Chromium against the web host, on the embedded sample
 * product (issue 16): the default model's mask is run, labels are painted with the brush and
 * placed as points, the Metrics table against the labels changes as labels are added, the
 * suggested places are visited with the keyboard and labelled, the mask is refitted from the
 * labels under a new name, and the taught model is run from the Run panel and lands as a layer.
 * The taught card goes to a models folder of the test's own (a copy of the shipped cards), so
 * the checkout is left as it was. Screenshots: .data/screenshots/studio-{labelling,suggest,teach}.png
 * (S2_SHOT_SIZE=1000x700 takes them at another window size).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLabels } from '../../electron/core/labels/index.js';
import { modelsDir } from '../../electron/core/models/paths.js';
import { startWebHost, type WebHost } from '../../electron/web-host.js';
import { launchChromium } from '../helpers/browser.js';
import { DATA_DIR, hasTool } from '../helpers/env.js';

const SHOTS = join(DATA_DIR, 'screenshots');
const [WIDTH, HEIGHT] = (process.env.S2_SHOT_SIZE ?? '1400x900').split('x').map(Number) as [number, number];
const SUFFIX = WIDTH === 1400 && HEIGHT === 900 ? '' : `-${WIDTH}x${HEIGHT}`;
/** Refits and runs share two cores with other work: generous, never sleep-based. */
const SLOW = 240_000;

type Maps = Array<{ loaded(): boolean; areTilesLoaded(): boolean }>;

async function mapsIdle(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const maps = (globalThis as unknown as { __maps?: Maps }).__maps;
    return !!maps?.length && maps.every((m) => m.loaded() && m.areTilesLoaded());
  });
}

/**
 * A brush stroke from the map's centre to the right (the tools sit at the top left), at most
 * `dx` px long, `dy` px below the centre.
 */
async function paint(page: Page, dx: number, dy = 0): Promise<void> {
  const box = (await page.locator('main.center .map canvas').first().boundingBox())!;
  dx = Math.min(dx, box.width / 2 - 30);
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2 + dy;
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(x + (dx * i) / 8, y + (i % 2) * 6);
  await page.mouse.up();
}

async function labelCount(page: Page): Promise<number> {
  return Number((await page.textContent('[data-testid="label-total"]')) ?? '-1');
}

describe.skipIf(!hasTool('chromium'))('S2 Cloud Studio: label, score, suggest and teach', () => {
  let host: WebHost;
  let browser: Browser;
  let page: Page;
  let home: string;
  let models: string;
  const saved = process.env.S2_MODELS_DIR;
  const name = `e2e${Date.now().toString(36)}`;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 's2studio-labels-'));
    // The shipped cards, copied (small; the catalogue lists real folders only) and the built
    // networks linked: a taught card is written here, not into the checkout.
    models = join(home, 'models');
    mkdirSync(models);
    const shipped = modelsDir();
    for (const e of readdirSync(shipped, { withFileTypes: true })) {
      if (e.name === 'build') symlinkSync(join(shipped, e.name), join(models, e.name));
      else if (e.isDirectory()) cpSync(join(shipped, e.name), join(models, e.name), { recursive: true });
    }
    process.env.S2_MODELS_DIR = models;
    host = await startWebHost({ port: 0, settingsPath: join(home, 'settings.json') });
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
    page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } });
    await page.goto(host.url);
    await page.waitForSelector('#app-info:has-text("web")');
    await page.click('#open-sample');
    await page.waitForSelector('[data-testid="scene-meta"]');
  });
  afterAll(async () => {
    await browser?.close();
    await host?.close();
    if (saved === undefined) delete process.env.S2_MODELS_DIR;
    else process.env.S2_MODELS_DIR = saved;
    rmSync(home, { recursive: true, force: true });
  });

  it('runs the default mask, then paints labels that are saved as a GeoPackage at once, with undo', async () => {
    await page.click('button[data-panel="run"]');
    await page.waitForSelector('#run-model option[value="dl-l8s2-uv-6b"]', { state: 'attached' });
    await page.click('#run-start');
    await page.waitForSelector('[data-testid="run-result"]', { timeout: SLOW });
    await page.waitForSelector('.layer-list li:has-text("dl-l8s2-uv-6b")');

    await page.click('button[data-panel="label"]');
    await page.click('#label-toggle');
    await page.waitForSelector('[data-testid="label-toolbar"]');
    // Cloud with the brush (the C key), a stroke across the centre.
    await page.keyboard.press('c');
    await page.keyboard.press('b');
    expect(await page.getAttribute('[data-label-class="2"]', 'aria-checked')).toBe('true');
    await paint(page, 120);
    await expect.poll(() => labelCount(page)).toBe(1);
    // Clear as points (L, then O), below the stroke.
    await page.keyboard.press('l');
    await page.keyboard.press('o');
    const box = (await page.locator('main.center .map canvas').first().boundingBox())!;
    await page.mouse.click(box.x + box.width / 2 + 20, box.y + box.height / 2 + 90);
    await expect.poll(() => labelCount(page)).toBe(2);
    // Undo and redo, from the keyboard.
    await page.keyboard.press('Control+z');
    await expect.poll(() => labelCount(page)).toBe(1);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => labelCount(page)).toBe(2);

    const file = (await page.textContent('[data-testid="label-file"]'))!.trim();
    expect(file.startsWith(join(home, 'labels'))).toBe(true);
    const stored = await readLabels(file);
    expect(stored.labels.map((l) => [l.geometry.type, l.cls])).toEqual([
      ['Polygon', 2],
      ['Point', 1],
    ]);
    await mapsIdle(page);
    await page.screenshot({ path: join(SHOTS, `studio-labelling${SUFFIX}.png`) });
  });

  it('scores the mask against the labels, and the table changes as labels are added', async () => {
    await page.click('#label-score');
    await page.waitForSelector('[data-testid="metrics-table"] tbody tr', { timeout: SLOW });
    const before = await page.textContent('[data-testid="metrics-table"]');
    expect(await page.textContent('section[aria-label="Metrics"]')).toContain('my labels');
    // The toolbar stays over the map while the Metrics panel is shown: label more, watch the table.
    await page.keyboard.press('h');
    await page.keyboard.press('b');
    await paint(page, 80, -100);
    await page.keyboard.press('t');
    await paint(page, 80, 120);
    await expect.poll(() => labelCount(page).catch(() => -1)).not.toBe(0);
    await expect
      .poll(() => page.textContent('[data-testid="metrics-table"]'), { timeout: SLOW, interval: 500 })
      .not.toBe(before);
    await page.screenshot({ path: join(SHOTS, `studio-label-metrics${SUFFIX}.png`) });
  });

  it('suggests places, and the keyboard moves between them', async () => {
    await page.click('button[data-panel="label"]');
    await page.click('#label-suggest');
    await page.waitForSelector('[data-testid="suggest-position"]', { timeout: SLOW });
    expect(await page.textContent('[data-testid="suggest-position"]')).toMatch(/^1 \/ \d+/);
    await page.keyboard.press('n');
    await expect.poll(() => page.textContent('[data-testid="suggest-position"]')).toMatch(/^2 \//);
    await page.keyboard.press('Shift+N');
    await expect.poll(() => page.textContent('[data-testid="suggest-position"]')).toMatch(/^1 \//);
    // The whole scene with its markers (F fits it), then back to the first place.
    await page.keyboard.press('f');
    await mapsIdle(page);
    await page.screenshot({ path: join(SHOTS, `studio-suggest${SUFFIX}.png`) });
    await page.keyboard.press('n');
    await page.keyboard.press('Shift+N');
    // Label the first places as the mask calls them (cloud or clear), each at the map's centre.
    for (let i = 0; i < 8; i++) {
      const text = (await page.textContent('[data-testid="suggest-place"]')) ?? '';
      await page.keyboard.press(/mask says cloud/.test(text) ? 'c' : 'l');
      const n = await labelCount(page);
      await paint(page, 16);
      await expect.poll(() => labelCount(page)).toBe(n + 1);
      await page.keyboard.press('n');
    }
  });

  it('refits from the labels, shows before and after, and runs the taught model as a layer', async () => {
    await page.fill('input[aria-label="Taught model name"]', name);
    await page.click('#label-teach');
    await page.waitForSelector('[data-testid="teach-result"]', { timeout: SLOW });
    const result = (await page.textContent('[data-testid="teach-result"]')) ?? '';
    const id = `dl-l8s2-uv-6b-taught-${name}`;
    expect(result).toContain(id);
    expect(result).toMatch(/default.*refit/s);
    expect(existsSync(join(models, id, 'model.json'))).toBe(true);
    await page.waitForSelector('#label-teach:has-text("Refit from my labels")');
    await page.locator('[data-testid="teach-result"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, `studio-teach${SUFFIX}.png`) });

    // The Run panel offers it at once; run it and see its mask on the map.
    await page.click('#label-use-taught');
    await page.waitForSelector(`#run-model option[value="${id}"]`, { state: 'attached' });
    expect(await page.inputValue('#run-model')).toBe(id);
    await page.click('#run-start');
    await page.waitForSelector('[data-testid="run-result"]', { timeout: SLOW });
    await page.waitForSelector(`.layer-list li:has-text("taught-${name}")`, { timeout: SLOW });
  });
});
