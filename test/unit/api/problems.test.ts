/**
 * Problems reach the user where they happen (the API side): read errors of a damaged product in
 * the scene's warnings, a tile's reason sent once per layer and reason (not once per tile), a
 * mask of another place refused with both locations, and the sample product offered by app.info.
 * Real data: the T31TCJ SAFE whose band files are cut to 30 x 30 px, a KappaMask output near
 * 43.7 E 30.7 N, and the embedded sample.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage, TileFailureDto } from '../../../electron/api/contract.js';
import { createApi, dispatch, type ApiContext } from '../../../electron/api/handlers.js';
import { tileResponse } from '../../../electron/api/tiles-route.js';
import { SHARED_DATA } from '../../helpers/env.js';

const DAMAGED = join(
  SHARED_DATA,
  'safe-T31TCJ-2024',
  'S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE',
);
const KAPPAMASK = join(SHARED_DATA, 'kappamask-predictions', 'L1C_kappamask.tif');

describe('API: problems where they happen', () => {
  let dir: string;
  let api: ApiContext;
  const events: EventMessage[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'api-problems-'));
    api = createApi({
      app: { name: 'S2 Cloud Studio', version: 'test', shell: 'web' },
      tileBase: 'tiles/',
      settingsPath: join(dir, 'settings.json'),
    });
    api.events.subscribe((m) => events.push(m));
  });
  afterAll(async () => {
    await api.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('app.info offers the embedded sample product', async () => {
    const info = await api.handlers['app.info']({});
    expect(info.sample).toMatch(/S2B_MSIL1C_.*\.SAFE$/);
    expect(existsSync(info.sample!)).toBe(true);
  });

  it('a damaged product opens with its read errors; its tiles say why once per reason', async () => {
    const view = await api.handlers['scene.open']({ path: DAMAGED });
    expect(view.map.warnings.join('\n')).toMatch(
      /B0\d\.jp2 is 30 x 30 px but the tile metadata \(MTD_TL\.xml\) gives 10980/,
    );
    const id = view.map.sceneId;
    // Six tiles over the scene at zoom 9, each failing on one of the three band files.
    const tiles = ['9/257/186', '9/257/187', '9/258/186', '9/258/187', '9/256/186', '9/256/187'];
    const q = new URLSearchParams({ bands: 'B04,B03,B02', min: '0,0,0', max: '0.3,0.3,0.3', gamma: '1' });
    for (const t of tiles) {
      const r = await tileResponse(api.tiles, `image/${id}/${t}.png`, q);
      expect(r.status).toBe(204);
      expect(r.error).toMatch(/30 x 30 px/);
    }
    const failed = events.filter((e) => e.name === 'tiles.failed').map((e) => e.payload as TileFailureDto);
    // One event per band file at most (the reason names the file), never one per tile.
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThanOrEqual(3);
    expect(new Set(failed.map((f) => f.message)).size).toBe(failed.length);
    for (const f of failed) {
      expect(f.layer).toBe(id);
      expect(f.message).toMatch(/B0[234]\.jp2 is 30 x 30 px/);
    }
    await api.handlers['scene.close']({ sceneId: id });
  });

  it('refuses a mask of another place, naming where it lies and where the scene is', async () => {
    const view = await api.handlers['scene.open']({ path: DAMAGED });
    const r = await dispatch(api.handlers, 'map.addMask', {
      sceneId: view.map.sceneId,
      source: { kind: 'file', path: KAPPAMASK },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('INVALID_ARGUMENT');
    expect(r.error.message).toMatch(
      /L1C_kappamask\.tif does not overlap .*near 43\.\d\d E 30\.\d\d N.*tile 31TCJ.*near 1\.\d\d E 43\.\d\d N/,
    );
    expect(r.error.file).toBe(KAPPAMASK);
    // Nothing is left behind on the scene.
    expect(api.tiles.maskLayers(view.map.sceneId)).toEqual([]);
    await api.handlers['scene.close']({ sceneId: view.map.sceneId });
  });
});
