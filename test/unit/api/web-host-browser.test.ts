/**
 * The web host in a real browser (Debian's Chromium): the renderer works through the token and
 * keeps it out of the address bar; a page from another origin cannot drive the API with the
 * requests a browser lets it send (a no-cors text/plain POST, an EventSource, an image tile);
 * a DNS-rebinding name gets nothing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHost, type WebHost } from '../../../electron/web-host.js';
import { launchChromium } from '../../helpers/browser.js';

describe('web host in a browser', () => {
  let host: WebHost;
  let browser: Browser;
  let attacker: Server;
  let attackerUrl: string;
  let home: string;
  let settingsPath: string;
  const statuses: Array<{ url: string; status: number }> = [];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'web-host-browser-'));
    settingsPath = join(home, 'settings.json');
    host = await startWebHost({ port: 0, settingsPath });
    // The rebinding name resolves to loopback, as a rebinding attacker's DNS would make it.
    browser = await launchChromium(['--host-resolver-rules=MAP rebind.example 127.0.0.1']);
    // Another origin on this machine (another port): what any page the user opens can be.
    const target = host.origin;
    const page = `<!doctype html><script>
      const api = ${JSON.stringify(target)} + 'api/invoke/';
      const post = (channel, args) => fetch(api + channel, { method: 'POST', mode: 'no-cors',
        headers: { 'content-type': 'text/plain' }, body: JSON.stringify(args) }).catch(() => {});
      Promise.all([
        post('settings.update', { patch: { lastOutDir: '/tmp/attacker-chose-this' } }),
        post('fs.list', { path: '/etc' }),
      ]).then(() => { document.title += ' posted'; });
      const es = new EventSource(${JSON.stringify(target)} + 'api/events');
      es.onopen = () => { document.title += ' events-settled'; es.close(); };
      es.onerror = () => { document.title += ' events-settled'; es.close(); };
      const img = new Image();
      img.onload = img.onerror = () => { document.title += ' tile-settled'; };
      img.src = ${JSON.stringify(target)} + 'tiles/image/x/1/0/0.png';
    </script>`;
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const addr = attacker.address();
    attackerUrl = `http://localhost:${typeof addr === 'object' && addr ? addr.port : 0}/`;
  });
  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
    rmSync(home, { recursive: true, force: true });
  });

  it('opens through the token, drops it from the address bar, keeps working after a reload, asks nothing of the network', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('response', (r) => statuses.push({ url: r.url(), status: r.status() }));
    await page.goto(host.url);
    await page.waitForSelector('#app-info:has-text("web")');
    expect(page.url()).toBe(host.origin);
    // Strings, not functions: the test is type-checked without the DOM library.
    expect(await page.evaluate("sessionStorage.getItem('s2-token')")).toBe(host.token);
    await page.reload();
    await page.waitForSelector('#app-info:has-text("web")');
    expect(statuses.filter((s) => s.url.includes('/api/') && s.status !== 200)).toEqual([]);
    // Everything the interface loads comes from the host itself: no network beyond it.
    expect(requested.filter((u) => !u.startsWith(host.origin) && !/^(data|blob):/.test(u))).toEqual([]);
    await page.close();
  });

  it('without the token the page loads but its data requests are refused', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const refused = page.waitForResponse((r) => r.url().includes('/api/invoke/') && r.status() === 403);
    await page.goto(host.origin);
    expect((await refused).status()).toBe(403);
    await context.close();
  });

  it('a page from another origin cannot change settings, list folders, stream events or read tiles', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const seen: Array<{ url: string; status: number }> = [];
    page.on('response', (r) => {
      if (r.url().startsWith(host.origin)) seen.push({ url: r.url(), status: r.status() });
    });
    await page.goto(attackerUrl);
    const settled = (flags: string[]): Promise<unknown> =>
      page.waitForFunction(`${JSON.stringify(flags)}.every((w) => document.title.includes(w))`, undefined, {
        timeout: 30_000,
      });
    await settled(['posted', 'tile-settled']);
    const saved = existsSync(settingsPath) ? readFileSync(settingsPath, 'utf8') : '';
    expect(saved).not.toContain('attacker-chose-this');
    await settled(['events-settled']);
    // Every request that reached the host was refused (403: foreign Origin or no token).
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(s.status, s.url).toBe(403);
    await context.close();
  });

  it('a DNS-rebinding name gets a refusal, not the page', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`http://rebind.example:${host.port}/`);
    expect(res?.status()).toBe(403);
    expect(await page.textContent('body')).toContain("'rebind.example:");
    await page.close();
  });
});
