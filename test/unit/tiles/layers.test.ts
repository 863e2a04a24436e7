/**
 * The split tile service: every layer kind behind TileLayer, one PNG cache for all of them,
 * cancelled tiles (before and while decoding), and an inspector that keeps its GeoTIFF open.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFile, type GeoTIFF } from 'geotiff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tileResponse } from '../../../electron/api/tiles-route.js';
import { tileUrlPath } from '../../../electron/api/tile-url.js';
import type { RasterDecoder } from '../../../electron/core/raster/band-decoder.js';
import { getSharedDecoder } from '../../../electron/core/raster/jp2/index.js';
import type { DecodeRequest } from '../../../electron/core/raster/jp2/types.js';
import {
  lonLatToMercator,
  MERCATOR_HALF,
  TileService,
  type ImageStyle,
  type SceneInfo,
} from '../../../electron/core/tiles/index.js';
import type { TileLayer } from '../../../electron/core/tiles/tile-layer.js';
import { hasTool, SHARED_DATA } from '../../helpers/env.js';
import { safeIn, SMALL_L1C, SMALL_L2A } from './helpers.js';

const KM_L2A = join(SHARED_DATA, 'kappamask-predictions', 'L2A_kappamask.tif');
const l1c = safeIn(SMALL_L1C);
const l2a = safeIn(SMALL_L2A);

function tileAt(lon: number, lat: number, z: number): [number, number, number] {
  const [mx, my] = lonLatToMercator(lon, lat);
  const span = (2 * MERCATOR_HALF) / 2 ** z;
  return [z, Math.floor((mx + MERCATOR_HALF) / span), Math.floor((MERCATOR_HALF - my) / span)];
}

const centreOf = (b: readonly number[]): [number, number] => [
  ((b[0] as number) + (b[2] as number)) / 2,
  ((b[1] as number) + (b[3] as number)) / 2,
];

/** Checks the TileLayer shape at run time, and renders one tile through `render` directly. */
async function expectTileLayer<S>(
  layer: TileLayer<S, unknown>,
  style: S,
  other: S,
  tile: [number, number, number],
): Promise<void> {
  expect(layer.bounds).toHaveLength(4);
  expect(typeof layer.key).toBe('function');
  expect(layer.key(style)).toBe(layer.key(structuredClone(style)));
  expect(layer.key(other)).not.toBe(layer.key(style));
  const rgba = await layer.render(...tile, style);
  expect(rgba).toBeInstanceOf(Uint8Array);
  expect(rgba!.length).toBe(256 * 256 * 4);
}

describe.skipIf(!l2a || !hasTool('gdal_translate'))(
  'every layer kind is a TileLayer behind one PNG cache',
  () => {
    const service = new TileService();
    let info: SceneInfo;
    let dir: string;
    let ids: { scl: string; cldprb: string; prob: string };
    beforeAll(async () => {
      info = await service.openScene(l2a!);
      dir = mkdtempSync(join(tmpdir(), 's2-layers-'));
      const granule = readdirSync(join(l2a!, 'GRANULE'))[0]!;
      const tif = join(dir, 'cldprb.tif');
      execFileSync('gdal_translate', [
        '-q',
        '-of',
        'GTiff',
        join(l2a!, 'GRANULE', granule, 'QI_DATA', 'MSK_CLDPRB_20m.jp2'),
        tif,
      ]);
      const scl = await service.addMaskLayer(info.sceneId, { kind: 'product', mask: 'scl' });
      const cldprb = await service.addMaskLayer(info.sceneId, { kind: 'product', mask: 'msk-cldprb' });
      const prob = await service.addMaskLayer(info.sceneId, { kind: 'probability', path: tif });
      ids = { scl: scl.layerId, cldprb: cldprb.layerId, prob: prob.layerId };
    });
    afterAll(async () => {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('image, class mask, probability mask and difference: bounds, key(style), render, inspect', async () => {
      const tile = tileAt(...centreOf(info.bounds), 12);
      const style = info.stretches['true-colour']!;
      const image = service.layerOf({ kind: 'image', sceneId: info.sceneId });
      await expectTileLayer<ImageStyle>(image, style, { ...style, gamma: 1.5 }, tile);
      const scl = service.layerOf({ kind: 'mask', layerId: ids.scl });
      await expectTileLayer(scl, {}, { visibleClasses: [2] }, tile);
      const prob = service.layerOf({ kind: 'mask', layerId: ids.prob });
      expect(prob.kind).toBe('probability');
      await expectTileLayer(prob, {}, { minProbability: 0.5 }, tile);
      const diff = service.layerOf({ kind: 'diff', a: ids.scl, b: ids.cldprb });
      await expectTileLayer(diff, {}, { shadow: 'cloud' }, tile);
      // A layer's keys start with its id: removing the layer finds its tiles.
      expect(scl.key({}).startsWith(`${ids.scl}|`)).toBe(true);
      expect(image.key(style).startsWith(`${info.sceneId}|`)).toBe(true);
      // The inspector is part of the layers that have one; a difference has none.
      expect((await image.inspect(...centreOf(info.bounds))).map((b) => b.band)).toEqual(info.bands);
      expect((await scl.inspect(...centreOf(info.bounds))).layerId).toBe(ids.scl);
      expect('inspect' in diff).toBe(false);
      // Bad styles and pairs fail in key() / construction, before any rendering.
      expect(() => image.key({ ...style, gamma: 0 })).toThrow(/gamma > 0/);
      expect(() => service.layerOf({ kind: 'diff', a: ids.scl, b: ids.prob })).toThrow(/two class layers/);
    });

    it('a second request of a tile in the same style is served from the cache, for every kind', async () => {
      const [z, x, y] = tileAt(...centreOf(info.bounds), 13);
      const style = info.stretches['true-colour']!;
      const kinds: Array<[string, (s: number) => Promise<Buffer | null>]> = [
        ['image', (g) => service.imageTile(info.sceneId, z, x, y, { ...style, gamma: g })],
        ['classes', (g) => service.maskTile(ids.scl, z, x, y, { visibleClasses: g === 1 ? [1, 2] : [2, 3] })],
        ['probability', (g) => service.maskTile(ids.prob, z, x, y, { minProbability: g === 1 ? 0 : 0.1 })],
        [
          'difference',
          (g) =>
            service.differenceTile(ids.scl, ids.cldprb, z, x, y, { shadow: g === 1 ? 'clear' : 'cloud' }),
        ],
      ];
      for (const [kind, get] of kinds) {
        const s0 = service.cacheStats();
        const first = await get(1);
        const s1 = service.cacheStats();
        expect({ kind, misses: s1.pngMisses - s0.pngMisses, hits: s1.pngHits - s0.pngHits }).toEqual({
          kind,
          misses: 1,
          hits: 0,
        });
        expect(first, kind).not.toBeNull();
        const again = await get(1);
        const s2 = service.cacheStats();
        expect(again, kind).toBe(first); // the very buffer kept, not a re-render
        expect({ kind, misses: s2.pngMisses - s1.pngMisses, hits: s2.pngHits - s1.pngHits }).toEqual({
          kind,
          misses: 0,
          hits: 1,
        });
        // Another style is another key: rendered, not served from the first one's entry.
        await get(2);
        expect(service.cacheStats().pngMisses - s2.pngMisses, kind).toBe(1);
      }
    });
  },
);

/**
 * The shared decoder, with every decode call recorded: `started` hooks run as a decode begins, and
 * while `hold` is on a decode waits for its signal to fire (the abort lands mid-decode).
 */
function recordingDecoder(): {
  decoder: RasterDecoder;
  calls: Array<{ req: DecodeRequest | undefined; signal: AbortSignal | undefined }>;
  hold: { on: boolean; started: Array<() => void> };
} {
  const real = getSharedDecoder();
  const calls: Array<{ req: DecodeRequest | undefined; signal: AbortSignal | undefined }> = [];
  const hold = { on: false, started: [] as Array<() => void> };
  return {
    calls,
    hold,
    decoder: {
      info: (src) => real.info(src),
      decode: async (src, req, signal) => {
        calls.push({ req, signal });
        for (const f of hold.started.splice(0)) f();
        if (hold.on && signal) {
          await new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => resolve(), { once: true }),
          );
        }
        return real.decode(src, req, signal);
      },
    },
  };
}

describe.skipIf(!l1c)('cancelled tiles', () => {
  const rec = recordingDecoder();
  // Small whole levels, so tiles at z14 read blocks (the path a pan cancels).
  const service = new TileService({ decoder: rec.decoder, overviewMax: 256 });
  let info: SceneInfo;
  const failures: Array<{ layer: string; message: string }> = [];
  beforeAll(async () => {
    info = await service.openScene(l1c!);
    service.onTileFailure((f) => failures.push(f));
  });
  afterAll(() => service.close());

  const style = (gamma: number): ImageStyle => ({ ...info.stretches['true-colour']!, gamma });

  it('aborted before decoding: CANCELLED, nothing decoded, nothing cached, no failure event', async () => {
    const [z, x, y] = tileAt(...centreOf(info.bounds), 14);
    const ctrl = new AbortController();
    ctrl.abort();
    const calls = rec.calls.length;
    const s0 = service.cacheStats();
    await expect(
      service.imageTile(info.sceneId, z, x, y, style(1.1), { signal: ctrl.signal }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(rec.calls.length).toBe(calls);
    expect(service.cacheStats().pngBytes).toBe(s0.pngBytes);
    // Through the tile route: an empty answer, not reported as a failure.
    const path = tileUrlPath({ kind: 'image', sceneId: info.sceneId, style: style(1.1) }, { z, x, y });
    const [p, q] = path.split('?') as [string, string];
    const t = await tileResponse(service, p, new URLSearchParams(q), ctrl.signal);
    expect([t.status, t.body]).toEqual([204, '']);
    expect(failures).toEqual([]);
    // Not cached: the next request (not cancelled) renders it.
    const s1 = service.cacheStats();
    expect(await service.imageTile(info.sceneId, z, x, y, style(1.1))).not.toBeNull();
    expect(service.cacheStats().pngMisses - s1.pngMisses).toBe(1);
  });

  it('aborted while decoding: the decoder sees the abort, CANCELLED, not cached, no failure event', async () => {
    const [z, x, y] = tileAt(...centreOf(info.bounds), 14);
    const [, x2, y2] = [z, x + 1, y + 1];
    const path = tileUrlPath(
      { kind: 'image', sceneId: info.sceneId, style: style(1.3) },
      { z, x: x2, y: y2 },
    );
    const [p, q] = path.split('?') as [string, string];
    const ctrl = new AbortController();
    const started = new Promise<void>((resolve) => rec.hold.started.push(resolve));
    rec.hold.on = true;
    const from = rec.calls.length;
    const s0 = service.cacheStats();
    const pending = tileResponse(service, p, new URLSearchParams(q), ctrl.signal);
    try {
      await started;
      ctrl.abort();
      const t = await pending;
      expect([t.status, t.body]).toEqual([204, '']);
    } finally {
      rec.hold.on = false;
    }
    // Every block decode this tile started got an aborted signal (queued JP2 jobs are dropped).
    const mine = rec.calls.slice(from);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((c) => c.signal?.aborted === true)).toBe(true);
    expect(failures).toEqual([]);
    expect(service.cacheStats().pngBytes).toBe(s0.pngBytes);
    const s1 = service.cacheStats();
    expect(await service.imageTile(info.sceneId, z, x2, y2, style(1.3))).not.toBeNull();
    expect(service.cacheStats().pngMisses - s1.pngMisses).toBe(1);
  });

  it('a tile cancelled while waiting for a shared whole level leaves that level to the others', async () => {
    // A low zoom reads a kept whole level: the cancelled tile stops waiting, the decode runs on.
    const lowService = new TileService({ decoder: rec.decoder });
    try {
      const low = await lowService.openScene(l1c!);
      const [z, x, y] = tileAt(...centreOf(low.bounds), 15);
      const st = { ...low.stretches['true-colour']!, gamma: 1.7 };
      const ctrl = new AbortController();
      const decoding = new Promise<void>((resolve) => rec.hold.started.push(resolve));
      const a = lowService.imageTile(low.sceneId, z, x, y, st, { signal: ctrl.signal });
      await decoding; // a started the level-0 decode (1098 px: kept whole)
      const b = lowService.imageTile(low.sceneId, z, x + 1, y, st);
      ctrl.abort();
      await expect(a).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(await b).not.toBeNull();
    } finally {
      await lowService.close();
    }
  });
});

describe.skipIf(!l1c)('the inspector keeps a mask GeoTIFF open', () => {
  let opens = 0;
  let closes = 0;
  const service = new TileService({
    openTiff: async (path): Promise<GeoTIFF> => {
      opens++;
      const tiff = await fromFile(path);
      const close = tiff.close.bind(tiff);
      tiff.close = (): ReturnType<GeoTIFF['close']> => {
        closes++;
        return close();
      };
      return tiff;
    },
  });
  afterAll(() => service.close());

  it('opens the file once for many clicks, and closes it with the layer', async () => {
    const info = await service.openScene(l1c!);
    const layer = await service.addMaskLayer(info.sceneId, { kind: 'file', path: KM_L2A });
    expect(opens).toBe(0); // opened at the first click, not before
    const [w, s, e, n] = layer.bounds;
    const values: Array<number | null> = [];
    for (const [fx, fy] of [
      [0.5, 0.5],
      [0.3, 0.6],
      [0.7, 0.2],
      [0.45, 0.55],
    ] as const) {
      const r = await service.inspect(info.sceneId, w + fx * (e - w), s + fy * (n - s));
      values.push(r.masks[0]!.value);
    }
    expect(values.every((v) => v !== null && v >= 1 && v <= 5)).toBe(true);
    expect(opens).toBe(1);
    expect(closes).toBe(0);
    await service.removeMaskLayer(layer.layerId);
    expect(closes).toBe(1);
    // Closing the scene closes the readers of the layers still on it.
    const again = await service.addMaskLayer(info.sceneId, { kind: 'file', path: KM_L2A });
    await service.inspect(info.sceneId, ...centreOf(again.bounds));
    expect(opens).toBe(2);
    await service.closeScene(info.sceneId);
    expect(closes).toBe(2);
  });
});
