/**
 * The web host cancels a tile whose client went away: MapLibre aborts the fetch of a tile that
 * left the view, the socket closes, and the signal handed to the tile service fires, so the
 * decode for it stops. A tile that was answered is not aborted afterwards.
 */
import { request, type ClientRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { S2Error } from '../../../electron/core/errors.js';
import type { TileRequestOptions } from '../../../electron/core/tiles/index.js';
import { startWebHost, type WebHost } from '../../../electron/web-host.js';

describe('web host tile cancelling', () => {
  let host: WebHost;
  let home: string;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'web-host-abort-'));
    host = await startWebHost({ port: 0, settingsPath: join(home, 'settings.json') });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await host.close();
    rmSync(home, { recursive: true, force: true });
  });

  const tilePath = (x: number): string =>
    `/tiles/image/scene-1/12/${x}/1500.png?bands=B04,B03,B02&min=0,0,0&max=0.3,0.3,0.3&gamma=1&s2token=${host.token}`;

  /** Replaces imageTile: hands over the signal it got, and answers only when `answer` says so. */
  function stubTile(answer: 'never' | 'empty'): Promise<AbortSignal | undefined> {
    return new Promise((resolve) => {
      vi.spyOn(host.api.tiles, 'imageTile').mockImplementationOnce(
        (_s: string, _z: number, _x: number, _y: number, _st: unknown, opts?: TileRequestOptions) => {
          resolve(opts?.signal);
          if (answer === 'empty') return Promise.resolve(null);
          return new Promise<Buffer | null>((_, reject) => {
            opts?.signal?.addEventListener('abort', () => reject(new S2Error('CANCELLED', 'cancelled')), {
              once: true,
            });
          });
        },
      );
    });
  }

  const get = (path: string): { req: ClientRequest; done: Promise<number> } => {
    let req!: ClientRequest;
    const done = new Promise<number>((resolve, reject) => {
      req = request({ host: '127.0.0.1', port: host.port, path }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    return { req, done };
  };

  it('aborts the tile when the client disconnects mid-flight', async () => {
    const seen = stubTile('never');
    const { req, done } = get(tilePath(2071));
    done.catch(() => undefined); // the client destroys its own request
    const signal = await seen;
    expect(signal).toBeDefined();
    expect(signal!.aborted).toBe(false);
    const aborted = new Promise<void>((resolve) => signal!.addEventListener('abort', () => resolve()));
    req.destroy();
    await aborted;
    expect(signal!.aborted).toBe(true);
  });

  it('does not abort a tile that was answered', async () => {
    const seen = stubTile('empty');
    const { done } = get(tilePath(2072));
    expect(await done).toBe(204);
    const signal = await seen;
    expect(signal!.aborted).toBe(false);
  });
});
