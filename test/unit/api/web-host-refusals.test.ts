/**
 * The web host refuses what a hostile page can send: a foreign Host (DNS rebinding), a foreign
 * Origin, a text/plain POST (a no-cors fetch or a form), and any data request without this
 * launch's token. Raw HTTP, so the Host and Origin headers are exactly what an attacker sends.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHost, type WebHost } from '../../../electron/web-host.js';

interface Reply {
  status: number;
  type: string;
  body: string;
}

describe('web host refusals', () => {
  let host: WebHost;
  let home: string;
  let settingsPath: string;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'web-host-refusals-'));
    settingsPath = join(home, 'settings.json');
    host = await startWebHost({ port: 0, settingsPath });
  });
  afterAll(async () => {
    await host.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** One raw request; `host` defaults to the server's own. */
  const send = (
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: host.port,
          method,
          path,
          setHost: false,
          headers: { host: `127.0.0.1:${host.port}`, ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              type: String(res.headers['content-type'] ?? ''),
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          // The event stream never ends on its own: its headers are enough.
          if (res.headers['content-type'] === 'text/event-stream') {
            resolve({ status: res.statusCode ?? 0, type: 'text/event-stream', body: '' });
            req.destroy();
          }
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const json = { 'content-type': 'application/json' };
  const withToken = (): Record<string, string> => ({ ...json, 'x-s2-token': host.token });
  const settingsPatch = JSON.stringify({ patch: { lastOutDir: '/tmp/attacker-chose-this' } });

  it('answers its own page, under each loopback name', async () => {
    for (const name of ['127.0.0.1', 'localhost', '[::1]', 'LOCALHOST']) {
      const r = await send('GET', '/', { host: `${name}:${host.port}` });
      expect(r.status, name).toBe(200);
    }
    const info = await send('POST', '/api/invoke/app.info', withToken(), '{}');
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body)).toMatchObject({ ok: true });
  });

  it('refuses a foreign Host (DNS rebinding), even for the static page and with the token', async () => {
    for (const h of [`evil.example:${host.port}`, '127.0.0.1:1', `127.0.0.1.evil.example:${host.port}`]) {
      const page = await send('GET', '/', { host: h });
      expect(page.status, h).toBe(403);
      expect(page.type).toContain('text/plain');
      expect(page.body).toContain(`'${h}'`);
      const api = await send('POST', '/api/invoke/fs.list', { ...withToken(), host: h }, '{"path":"/etc"}');
      expect(api.status, h).toBe(403);
      expect(api.body).not.toContain('passwd');
    }
    const none = await send('GET', '/', { host: '' });
    expect(none.status).toBe(403);
  });

  it('refuses a foreign Origin, even with the token', async () => {
    for (const origin of ['http://evil.example', 'null', `http://localhost:${host.port}`]) {
      const r = await send('POST', '/api/invoke/app.info', { ...withToken(), origin }, '{}');
      expect(r.status, origin).toBe(403);
      expect(r.type).toContain('text/plain');
      expect(r.body).toContain(`'${origin}'`);
    }
    const own = await send(
      'POST',
      '/api/invoke/app.info',
      { ...withToken(), origin: `http://127.0.0.1:${host.port}` },
      '{}',
    );
    expect(own.status).toBe(200);
  });

  it('refuses a text/plain POST (what a cross-site no-cors fetch sends) with 415', async () => {
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded']) {
      const r = await send(
        'POST',
        '/api/invoke/settings.update',
        { 'content-type': type, 'x-s2-token': host.token },
        settingsPatch,
      );
      expect(r.status, type).toBe(415);
      expect(r.type).toContain('text/plain');
      expect(r.body).toContain('application/json');
    }
    const untyped = await send('POST', '/api/invoke/app.info', { 'x-s2-token': host.token }, '{}');
    expect(untyped.status).toBe(415);
    const charset = await send(
      'POST',
      '/api/invoke/app.info',
      { 'content-type': 'application/json; charset=utf-8', 'x-s2-token': host.token },
      '{}',
    );
    expect(charset.status).toBe(200);
  });

  it('refuses an API call without a token, or with a wrong one, and changes nothing', async () => {
    const none = await send('POST', '/api/invoke/settings.update', json, settingsPatch);
    expect(none.status).toBe(403);
    expect(none.type).toContain('text/plain');
    expect(none.body).toContain('no access token');
    const wrong = await send(
      'POST',
      '/api/invoke/settings.update',
      { ...json, 'x-s2-token': host.token.slice(0, -1) + (host.token.endsWith('A') ? 'B' : 'A') },
      settingsPatch,
    );
    expect(wrong.status).toBe(403);
    expect(wrong.body).toContain('wrong access token');
    const inQuery = await send('POST', `/api/invoke/fs.list?s2token=nope`, json, '{"path":"/etc"}');
    expect(inQuery.status).toBe(403);
    // Nothing reached the settings store.
    const saved = existsSync(settingsPath) ? readFileSync(settingsPath, 'utf8') : '';
    expect(saved).not.toContain('attacker-chose-this');
    // The control: the same patch with the token does land there.
    const ok = await send('POST', '/api/invoke/settings.update', withToken(), settingsPatch);
    expect(ok.status).toBe(200);
    expect(readFileSync(settingsPath, 'utf8')).toContain('attacker-chose-this');
  });

  it('refuses the event stream and the tiles without the token', async () => {
    expect((await send('GET', '/api/events')).status).toBe(403);
    expect((await send('GET', '/api/events?s2token=bad')).status).toBe(403);
    const events = await send('GET', `/api/events?s2token=${host.token}`);
    expect(events.status).toBe(200);
    expect(events.type).toBe('text/event-stream');

    const tile = '/tiles/image/no-such-scene/12/2048/1500.png';
    const bare = await send('GET', tile);
    expect(bare.status).toBe(403);
    expect(bare.type).toContain('text/plain');
    expect((await send('GET', `${tile}?s2token=bad`)).status).toBe(403);
    // With the token the tile route answers (404: the scene is not open).
    expect((await send('GET', `${tile}?s2token=${host.token}`)).status).toBe(404);
    expect((await send('GET', tile, { 'x-s2-token': host.token })).status).toBe(404);
  });

  it('serves the UI files without the token (they hold no data)', async () => {
    const page = await send('GET', '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('S2 Cloud Studio');
  });

  it('will not bind to a non-loopback address', async () => {
    await expect(startWebHost({ host: '0.0.0.0', port: 0 })).rejects.toThrow(/loopback only/);
  });
});
