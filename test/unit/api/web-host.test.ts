import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvokeResponse } from '../../../electron/api/contract.js';
import { startWebHost, type WebHost } from '../../../electron/web-host.js';
import { SHARED_DATA } from '../../helpers/env.js';

const T31TCJ = join(SHARED_DATA, 'safe-T31TCJ-2024');
const CLOUDY = join(T31TCJ, 'S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE');

describe('web host', () => {
  let host: WebHost;
  beforeAll(async () => {
    host = await startWebHost({ port: 0 });
  });
  afterAll(async () => host.close());

  const invoke = async <C extends string>(channel: C, args: unknown): Promise<InvokeResponse<never>> => {
    const res = await fetch(new URL(`api/invoke/${channel}`, host.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    return (await res.json()) as InvokeResponse<never>;
  };

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
      result: { ok: true; metadata: { tileId: string; level: string } };
    };
    expect(res.ok).toBe(true);
    expect(res.result.metadata.tileId).toBe('31TCJ');
    expect(res.result.metadata.level).toBe('L1C');
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
    const unknown = await fetch(new URL('api/invoke/fs.delete', host.url), { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    const bad = (await invoke('scene.discover', 'not an object')) as { ok: boolean };
    expect(bad.ok).toBe(false);
  });

  it('discovers every product in a folder', async () => {
    const res = (await invoke('scene.discover', { folder: T31TCJ })) as { ok: true; result: unknown[] };
    expect(res.ok).toBe(true);
    expect(res.result.length).toBe(2);
  });
});
