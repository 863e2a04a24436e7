import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvokeResponse } from '../../../electron/api/contract.js';
import { startWebHost, type WebHost } from '../../../electron/web-host.js';
import { DATA_DIR, hasTool, SHARED_DATA } from '../../helpers/env.js';

const T31TCJ = join(SHARED_DATA, 'safe-T31TCJ-2024');
const CLOUDY = join(T31TCJ, 'S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE');

const SMALL = join(
  DATA_DIR,
  'scenes',
  'small-L1C',
  'S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE',
);

/** The XYZ tile holding a point. */
function tileAt(lon: number, lat: number, z: number): { x: number; y: number } {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return {
    x: Math.floor(((lon + 180) / 360) * n),
    y: Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n),
  };
}

describe('web host', () => {
  let host: WebHost;
  let home: string;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'web-host-'));
    host = await startWebHost({ port: 0, settingsPath: join(home, 'settings.json') });
  });
  afterAll(async () => {
    await host.close();
    rmSync(home, { recursive: true, force: true });
  });

  const invoke = async <C extends string>(channel: C, args: unknown): Promise<InvokeResponse<never>> => {
    const res = await fetch(new URL(`api/invoke/${channel}`, host.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-s2-token': host.token },
      body: JSON.stringify(args),
    });
    return (await res.json()) as InvokeResponse<never>;
  };

  /** A tile or event URL with the token, as the renderer builds it. */
  const tokened = (path: string): URL => {
    const u = new URL(path, host.origin);
    u.searchParams.set('s2token', host.token);
    return u;
  };

  it('prints a loopback address whose fragment holds a fresh token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/#token=${host.token}`);
    expect(host.token).toMatch(/^[\w-]{43}$/);
  });

  it('serves the renderer with a content security policy', async () => {
    const res = await fetch(host.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toContain('S2 Cloud Studio');
  });

  it('does not serve files outside the renderer', async () => {
    const res = await fetch(new URL('/..%2Fpackage.json', host.url));
    expect([403, 404]).toContain(res.status);
  });

  it('answers the contract: app.info and scene.open on a real product', async () => {
    const info = (await invoke('app.info', {})) as { ok: true; result: { shell: string } };
    expect(info.ok).toBe(true);
    expect(info.result.shell).toBe('web');
    const res = (await invoke('scene.open', { path: CLOUDY })) as {
      ok: true;
      result: {
        entry: { ok: true; metadata: { tileId: string; level: string } };
        map: { epsg: number; productMasks: string[]; bounds: number[] };
      };
    };
    expect(res.ok).toBe(true);
    expect(res.result.entry.metadata.tileId).toBe('31TCJ');
    expect(res.result.entry.metadata.level).toBe('L1C');
    expect(res.result.map.epsg).toBe(32631);
    expect(res.result.map.productMasks).toContain('msk-classi');
    // The shared band images are 30 x 30 placeholders: the map still opens, the full-tile mask too.
    expect(res.result.map.bounds[0]).toBeCloseTo(0.5, 0);
  });

  it('returns errors as data that name the file', async () => {
    const res = (await invoke('scene.open', { path: '/nonexistent/x.SAFE' })) as {
      ok: false;
      error: { code: string; message: string };
    };
    expect(res.ok).toBe(false);
    expect(res.error.message).toContain('/nonexistent/x.SAFE');
  });

  it('rejects unknown channels and malformed arguments', async () => {
    const unknown = await fetch(new URL('api/invoke/fs.delete', host.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-s2-token': host.token },
      body: '{}',
    });
    expect(unknown.status).toBe(404);
    const bad = (await invoke('scene.discover', 'not an object')) as { ok: boolean };
    expect(bad.ok).toBe(false);
  });

  it('discovers every product in a folder', async () => {
    const res = (await invoke('scene.discover', { folder: T31TCJ })) as { ok: true; result: unknown[] };
    expect(res.ok).toBe(true);
    expect(res.result.length).toBe(2);
  });

  it.skipIf(!hasTool('opj_compress'))(
    'serves map tiles: PNG over the scene, empty outside, 404 for nonsense',
    async () => {
      const open = (await invoke('scene.open', { path: SMALL })) as {
        ok: true;
        result: { map: { sceneId: string; bounds: [number, number, number, number] } };
      };
      const { sceneId, bounds } = open.result.map;
      const { x, y } = tileAt((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 12);
      const q = 'bands=B04,B03,B02&min=0,0,0&max=0.3,0.3,0.3&gamma=1';
      const inside = await fetch(tokened(`tiles/image/${sceneId}/12/${x}/${y}.png?${q}`));
      expect(inside.status).toBe(200);
      expect(inside.headers.get('content-type')).toBe('image/png');
      const png = Buffer.from(await inside.arrayBuffer());
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      const outside = await fetch(tokened(`tiles/image/${sceneId}/12/0/0.png?${q}`));
      expect(outside.status).toBe(204);
      const nonsense = await fetch(tokened(`tiles/image/${sceneId}/12/x/y.png`));
      expect(nonsense.status).toBe(404);
      const unknown = await fetch(tokened(`tiles/image/no-such-scene/12/${x}/${y}.png`));
      expect(unknown.status).toBe(404);
    },
  );

  it('pushes events to the page: a run that fails says why, in words', async () => {
    const ac = new AbortController();
    const stream = await fetch(tokened('api/events'), { signal: ac.signal });
    const reader = stream.body!.getReader();
    const started = (await invoke('run.start', { product: CLOUDY, modelId: 'no-such-model' })) as {
      ok: true;
      result: { runId: string };
    };
    expect(started.ok).toBe(true);
    let text = '';
    while (!text.includes('run.finished')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    ac.abort();
    const msg = JSON.parse(/data: (.*run\.finished.*)\n/.exec(text)![1]!) as {
      payload: { runId: string; ok: boolean; error: { message: string } };
    };
    expect(msg.payload.runId).toBe(started.result.runId);
    expect(msg.payload.ok).toBe(false);
    expect(msg.payload.error.message).toContain('no-such-model');
  });
});
