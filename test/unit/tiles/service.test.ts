/**
 * TileService on the generated small products (L1C T31TCJ, L2A T34UCF) and the real KappaMask
 * GeoTIFFs: empty tiles outside the scene, level choice by zoom, stretch defaults, class toggles,
 * difference colours, the inspector against readReflectance and gdallocationinfo, mask layers.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classCounts, loadMask, SCL_TABLE } from '../../../electron/core/masks/adapters/index.js';
import { openProduct } from '../../../electron/core/scene/index.js';
import { readReflectance, type ReflectanceBand } from '../../../electron/core/scene/reflectance.js';
import type { Product } from '../../../electron/core/scene/types.js';
import {
  DIFFERENCE_LEGEND,
  MAP_CLASS_COLOURS,
  PRESETS,
  TileService,
  differenceCategories,
  fitZoom,
  lonLatToMercator,
  mercatorPixelSize,
  MERCATOR_HALF,
  tilesCovering,
  type SceneInfo,
} from '../../../electron/core/tiles/index.js';
import { hasTool, SHARED_DATA } from '../../helpers/env.js';
import { bandFile, decodePng, safeIn, SMALL_L1C, SMALL_L2A } from './helpers.js';

const KM_L2A = join(SHARED_DATA, 'kappamask-predictions', 'L2A_kappamask.tif');
const l1c = safeIn(SMALL_L1C);
const l2a = safeIn(SMALL_L2A);

function tileAt(lon: number, lat: number, z: number): [number, number, number] {
  const [mx, my] = lonLatToMercator(lon, lat);
  const span = (2 * MERCATOR_HALF) / 2 ** z;
  return [z, Math.floor((mx + MERCATOR_HALF) / span), Math.floor((MERCATOR_HALF - my) / span)];
}

/** Distinct RGBA colours of the opaque pixels of a PNG, with counts. */
function colours(png: Buffer): Map<string, number> {
  const { rgba } = decodePng(png);
  const out = new Map<string, number>();
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i + 3] === 0) continue;
    const k = `${rgba[i]},${rgba[i + 1]},${rgba[i + 2]}`;
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

const key = (c: readonly number[]): string => c.slice(0, 3).join(',');

describe.skipIf(!l1c)('TileService on the small generated L1C', () => {
  const service = new TileService();
  let info: SceneInfo;
  let product: Product;
  const centre = (): [number, number] => [
    (info.bounds[0] + info.bounds[2]) / 2,
    (info.bounds[1] + info.bounds[3]) / 2,
  ];

  beforeAll(async () => {
    info = await service.openScene(l1c!);
    product = await openProduct(l1c!);
  });
  afterAll(async () => {
    await service.close();
    await product.close();
  });

  it('describes the scene: bounds, footprint, bands, zooms, product masks', () => {
    expect(info.level).toBe('L1C');
    expect(info.quantity).toBe('TOA');
    expect(info.epsg).toBe(32631);
    const [w, s, e, n] = info.bounds;
    expect(w).toBeCloseTo(1.3707, 3);
    expect(n).toBeCloseTo(44.0789, 3);
    expect(e - w).toBeGreaterThan(0.13);
    expect(n - s).toBeGreaterThan(0.09);
    for (const [lon, lat] of info.footprint.coordinates[0]!) {
      expect(lon).toBeGreaterThan(w - 0.01);
      expect(lon).toBeLessThan(e + 0.01);
      expect(lat).toBeGreaterThan(s - 0.01);
      expect(lat).toBeLessThan(n + 0.01);
    }
    expect(info.bands).toHaveLength(13);
    expect(info.bandResolutions.B12).toBe(20);
    expect(info.nativeZoom).toBe(13); // 156543 * cos(44) / 2^13 = 13.7 m
    expect(info.minZoom).toBeLessThan(info.nativeZoom);
    expect(info.maxZoom).toBe(15);
    expect(info.productMasks).toEqual(['msk-classi']);
    expect(Object.keys(info.stretches).sort()).toEqual(Object.keys(PRESETS).sort());
  });

  it('stretch: 2nd and 98th percentiles of the valid reflectances, per band', async () => {
    const s = info.stretches['true-colour']!;
    expect(s.bands).toEqual(['B04', 'B03', 'B02']);
    const stack = await readReflectance(product, { bands: ['B04', 'B03', 'B02'], resolution: 10 });
    stack.data.forEach((band, c) => {
      const v = Array.from(band.filter((x) => !Number.isNaN(x))).sort((a, b) => a - b);
      expect(s.min[c]).toBeCloseTo(v[Math.floor(0.02 * v.length)]!, 2); // taken at level 1
      expect(s.max[c]).toBeCloseTo(v[Math.floor(0.98 * v.length)]!, 2);
    });
    // Sensible: clear land (mean B04 0.117 in the fixture report) sits inside the range.
    expect(s.min[0]).toBeLessThan(0.117);
    expect(s.max[0]).toBeGreaterThan(0.117);
    expect(s.max[0]).toBeLessThan(1.5);
    expect(await service.stretch(info.sceneId, ['B04', 'B03', 'B02'])).toEqual({ min: s.min, max: s.max });
  });

  it('tiles outside the scene are empty (null), inside ones are 256 x 256 RGBA PNGs', async () => {
    const style = info.stretches['true-colour']!;
    // Far away (Paris) and just west of the scene.
    expect(
      await service.imageTile(
        info.sceneId,
        13,
        ...(tileAt(2.35, 48.85, 13).slice(1) as [number, number]),
        style,
      ),
    ).toBeNull();
    const [, wx, wy] = tileAt(info.bounds[0] - 0.03, centre()[1], 13);
    expect(await service.imageTile(info.sceneId, 13, wx, wy, style)).toBeNull();
    const [, x, y] = tileAt(...centre(), 13);
    const png = await service.imageTile(info.sceneId, 13, x, y, style);
    const img = decodePng(png!);
    expect([img.width, img.height]).toEqual([256, 256]);
    // A tile on the scene's western edge is partly transparent.
    const [, ex, ey] = tileAt(info.bounds[0] + 0.001, centre()[1], 13);
    const edge = decodePng((await service.imageTile(info.sceneId, 13, ex, ey, style))!);
    let clear = 0;
    let opaque = 0;
    for (let i = 3; i < edge.rgba.length; i += 4) {
      if (edge.rgba[i] === 0) clear++;
      else opaque++;
    }
    expect(clear).toBeGreaterThan(0);
    expect(opaque).toBeGreaterThan(0);
    await expect(
      service.imageTile(info.sceneId, 13, x, y, { ...style, bands: ['B04', 'B03', 'B99'] }),
    ).rejects.toThrow(/Unknown band B99/);
  });

  it('image pixels are the stretched band values (nearest), and the PNG is cached', async () => {
    const style = {
      bands: ['B08', 'B04', 'B03'] as [string, string, string],
      min: [0, 0, 0] as [number, number, number],
      max: [0.5, 0.5, 0.5] as [number, number, number],
      gamma: 1,
    };
    const [z, x, y] = tileAt(...centre(), 14);
    const png = (await service.imageTile(info.sceneId, z, x, y, style))!;
    expect(await service.imageTile(info.sceneId, z, x, y, style)).toBe(png);
    const { rgba } = decodePng(png);
    const dn = (await service.bandTileDn(info.sceneId, 'B08', z, x, y))!.data;
    const offset = product.metadata.offsets.B08;
    let checked = 0;
    for (let i = 0; i < dn.length; i += 97) {
      if (dn[i] === 0) continue;
      const refl = (dn[i]! + offset) / product.metadata.quantificationValue;
      expect(rgba[i * 4]).toBe(Math.round(255 * Math.min(1, Math.max(0, refl / 0.5))));
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
    const bright = decodePng((await service.imageTile(info.sceneId, z, x, y, { ...style, gamma: 2 }))!).rgba;
    let sumA = 0;
    let sumB = 0;
    for (let i = 0; i < rgba.length; i += 4) {
      sumA += rgba[i]!;
      sumB += bright[i]!;
    }
    expect(sumB).toBeGreaterThan(sumA); // gamma > 1 brightens
  });

  it('chooses the JPEG2000 level just finer than the tile pixels, per zoom and band resolution', async () => {
    const lat = centre()[1];
    const ground = (z: number): number => mercatorPixelSize(z) * Math.cos((lat * Math.PI) / 180);
    for (const z of [15, 14, 13, 12, 11, 10, 9, 8]) {
      const [, x, y] = tileAt(...centre(), z);
      for (const band of ['B04', 'B12', 'B01'] as const) {
        const res = info.bandResolutions[band]!;
        let expected = 0;
        while (expected < 5 && res * 2 ** (expected + 1) <= ground(z)) expected++;
        const got = await service.bandTileDn(info.sceneId, band, z, x, y);
        expect({ z, band, level: got!.level }).toEqual({ z, band, level: expected });
      }
    }
  });

  it.skipIf(!hasTool('gdallocationinfo'))(
    'inspect: every band equals readReflectance and gdallocationinfo at the point',
    async () => {
      const [lon, lat] = [1.4123, 44.0412];
      const r = await service.inspect(info.sceneId, lon, lat);
      expect(r.inside).toBe(true);
      expect(r.epsg).toBe(32631);
      const [ox, , , oy] = product.metadata.grids[10]!.transform;
      expect(r.col).toBe(Math.floor((r.easting - ox) / 10));
      expect(r.row).toBe(Math.floor((oy - r.northing) / 10));
      expect(r.reflectances.map((b) => b.band)).toEqual(info.bands);
      for (const b of r.reflectances) {
        const stack = await readReflectance(product, {
          bands: [b.band],
          resolution: b.resolution,
          window: { x: b.col, y: b.row, width: 1, height: 1 },
        });
        const v = stack.data[0]![0]!;
        // readReflectance returns float32; the inspector keeps the double.
        expect(b.value === null ? null : Math.fround(b.value)).toBe(Number.isNaN(v) ? null : v);
        const out = execFileSync(
          'gdallocationinfo',
          ['-valonly', '-wgs84', bandFile(l1c!, b.band), String(lon), String(lat)],
          {
            encoding: 'utf8',
          },
        );
        expect(b.dn).toBe(Number(out.trim()));
      }
      // Outside the scene: no values, no error.
      const far = await service.inspect(info.sceneId, 1.0, 44.0);
      expect(far.inside).toBe(false);
      expect(far.reflectances.every((b) => b.value === null && b.dn === null)).toBe(true);
    },
  );

  it('MSK_CLASSI layer: classes with counts, toggles hide classes, colours are the map palette', async () => {
    const layer = await service.addMaskLayer(info.sceneId, { kind: 'product', mask: 'msk-classi' });
    expect(layer.kind).toBe('classes');
    const mask = await loadMask(l1c!, { adapter: 'msk-classi' });
    const counts = classCounts(mask.data);
    expect(layer.classes.map((c) => [c.id, c.count])).toEqual(
      counts.map((n, id) => [id, n]).filter(([, n]) => n! > 0),
    );
    const [z, x, y] = tileAt(...centre(), 12);
    const all = colours((await service.maskTile(layer.layerId, z, x, y))!);
    const cloudOnly = colours((await service.maskTile(layer.layerId, z, x, y, { visibleClasses: [2] }))!);
    expect(all.size).toBeGreaterThan(1);
    expect([...cloudOnly.keys()]).toEqual([key(MAP_CLASS_COLOURS[2])]);
    expect([...all.keys()].every((k) => [1, 2, 3, 4].some((c) => key(MAP_CLASS_COLOURS[c as 1]) === k))).toBe(
      true,
    );
    const red = colours(
      (await service.maskTile(layer.layerId, z, x, y, { visibleClasses: [2], colours: { 2: [255, 0, 0] } }))!,
    );
    expect([...red.keys()]).toEqual(['255,0,0']);
    expect(red.get('255,0,0')).toBe(cloudOnly.get(key(MAP_CLASS_COLOURS[2])));
    expect(await service.maskTile(layer.layerId, z, x, y, { visibleClasses: [] })).toBeNull();
    // Self-difference: agreement only.
    const self = colours((await service.differenceTile(layer.layerId, layer.layerId, z, x, y))!);
    const legend = (c: string): string => key(DIFFERENCE_LEGEND.find((l) => l.category === c)!.colour!);
    expect([...self.keys()]).toEqual([legend('agreement-cloud')]);
    // Inspect gives the class and the packed MSK_CLASSI code.
    const r = await service.inspect(info.sceneId, ...centre());
    const m = r.masks.find((k) => k.layerId === layer.layerId)!;
    expect(m.className).toBe(
      ['no data', 'clear', 'cloud', 'semi-transparent cloud', 'cloud shadow'][m.classId!],
    );
    expect([0, 1, 2, 3, 4, 5, 6, 7]).toContain(m.value);
    await service.removeMaskLayer(layer.layerId);
  });

  it('fits the scene in a 1400 x 900 window at a zoom whose tiles all render', async () => {
    const z = fitZoom(info.bounds, 1400, 900);
    const r = tilesCovering(info.bounds, z);
    let n = 0;
    for (let x = r.x0; x <= r.x1; x++)
      for (let y = r.y0; y <= r.y1; y++)
        if (await service.imageTile(info.sceneId, z, x, y, info.stretches.swir!)) n++;
    expect(n).toBe((r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1));
  });
});

describe.skipIf(!l2a)('TileService on the small generated L2A: SCL, MSK_CLDPRB, differences', () => {
  const service = new TileService();
  let info: SceneInfo;
  beforeAll(async () => {
    info = await service.openScene(l2a!);
  });
  afterAll(() => service.close());
  const centre = (): [number, number] => [
    (info.bounds[0] + info.bounds[2]) / 2,
    (info.bounds[1] + info.bounds[3]) / 2,
  ];

  it('reads BOA reflectance with the L2A offsets, and AOT/WVP', async () => {
    expect(info.quantity).toBe('BOA');
    expect(info.bands).toContain('AOT');
    expect(info.bands).not.toContain('B10');
    expect(info.productMasks).toEqual(['scl', 'msk-classi', 'msk-cldprb']);
    const product = await openProduct(l2a!);
    try {
      const r = await service.inspect(info.sceneId, ...centre());
      for (const b of r.reflectances) {
        const s = await readReflectance(product, {
          bands: [b.band as ReflectanceBand],
          resolution: b.resolution,
          window: { x: b.col, y: b.row, width: 1, height: 1 },
        });
        const v = s.data[0]![0]!;
        expect(b.value === null ? null : Math.fround(b.value)).toBe(Number.isNaN(v) ? null : v);
      }
    } finally {
      await product.close();
    }
  });

  it('SCL layer: classes through the SCL table; inspect gives the SCL code and its class', async () => {
    const layer = await service.addMaskLayer(info.sceneId, { kind: 'product', mask: 'scl' });
    expect(layer.source).toBe('Sen2Cor SCL');
    expect(layer.resolution).toBe(20);
    const mask = await loadMask(l2a!, { adapter: 'scl' });
    expect(layer.classes.reduce((s, c) => s + c.count, 0)).toBe(mask.data.length);
    expect(layer.classes.map((c) => c.count)).toEqual(classCounts(mask.data).filter((n) => n > 0));
    let seen = 0;
    for (const [dx, dy] of [
      [0, 0],
      [0.02, 0.01],
      [-0.03, -0.02],
      [0.04, -0.03],
      [-0.01, 0.03],
    ]) {
      const r = await service.inspect(info.sceneId, centre()[0] + dx!, centre()[1] + dy!);
      const m = r.masks.find((k) => k.layerId === layer.layerId)!;
      expect(m.classId).toBe(SCL_TABLE[String(m.value)]);
      expect(m.classId).toBe(mask.data[m.row * mask.grid.width + m.col]);
      seen++;
    }
    expect(seen).toBe(5);
    const [z, x, y] = tileAt(...centre(), 13);
    expect(await service.maskTile(layer.layerId, z, x, y)).not.toBeNull();
  });

  it('difference SCL (A) vs MSK_CLDPRB (B = reference): legend colours, categories as the binary view', async () => {
    const a = await service.addMaskLayer(info.sceneId, { kind: 'product', mask: 'scl' });
    const b = await service.addMaskLayer(info.sceneId, { kind: 'product', mask: 'msk-cldprb' });
    const [z, x, y] = tileAt(...centre(), 12);
    const got = colours((await service.differenceTile(a.layerId, b.layerId, z, x, y))!);
    const legend = new Set(DIFFERENCE_LEGEND.filter((l) => l.colour).map((l) => key(l.colour!)));
    expect([...got.keys()].every((k) => legend.has(k))).toBe(true);
    expect(got.size).toBeGreaterThan(1);
    // Categories: 1 agreement clear, 2 agreement cloud, 3 omission (B cloud only), 4 commission.
    expect([...differenceCategories([1, 2, 3, 1, 2, 4, 4, 0], [1, 3, 1, 2, 1, 2, 1, 2], 'clear')]).toEqual([
      1, 2, 4, 3, 4, 3, 1, 0,
    ]);
    expect([...differenceCategories([4, 4], [2, 1], 'exclude')]).toEqual([0, 0]);
    expect([...differenceCategories([4, 4], [2, 1], 'cloud')]).toEqual([2, 4]);
    // Swapping A and B swaps omission and commission.
    const swapped = colours((await service.differenceTile(b.layerId, a.layerId, z, x, y))!);
    const om = key(DIFFERENCE_LEGEND.find((l) => l.category === 'omission')!.colour!);
    const co = key(DIFFERENCE_LEGEND.find((l) => l.category === 'commission')!.colour!);
    expect(swapped.get(om) ?? 0).toBe(got.get(co) ?? 0);
    expect(swapped.get(co) ?? 0).toBe(got.get(om) ?? 0);
  });

  it.skipIf(!hasTool('gdal_translate'))(
    'probability layer (MSK_CLDPRB as GeoTIFF): colour ramp and probability in inspect',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 's2-tiles-prob-'));
      try {
        const tif = join(dir, 'cldprb.tif');
        const jp2 = join(
          l2a!,
          'GRANULE',
          (await import('node:fs')).readdirSync(join(l2a!, 'GRANULE'))[0]!,
          'QI_DATA',
          'MSK_CLDPRB_20m.jp2',
        );
        execFileSync('gdal_translate', ['-q', '-of', 'GTiff', jp2, tif]);
        const layer = await service.addMaskLayer(info.sceneId, { kind: 'probability', path: tif });
        expect(layer.kind).toBe('probability');
        expect(layer.probability!.max).toBeLessThanOrEqual(1);
        const [z, x, y] = tileAt(...centre(), 12);
        const all = colours((await service.maskTile(layer.layerId, z, x, y))!);
        const high = colours((await service.maskTile(layer.layerId, z, x, y, { minProbability: 0.65 }))!);
        expect(all.size).toBeGreaterThan(3);
        const sum = (m: Map<string, number>): number => [...m.values()].reduce((s, v) => s + v, 0);
        expect(sum(high)).toBeLessThan(sum(all));
        const r = await service.inspect(info.sceneId, ...centre());
        const m = r.masks.find((k) => k.layerId === layer.layerId)!;
        expect(m.probability).toBeCloseTo(m.value! / 100, 6);
        expect(m.classId).toBeNull();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe.skipIf(!l1c)('KappaMask GeoTIFF layer (real, EPSG:32638, outside the scene)', () => {
  const service = new TileService();
  afterAll(() => service.close());

  it('loads through loadMask, renders its own area, and reports the class and KappaMask code in inspect', async () => {
    const info = await service.openScene(l1c!);
    const layer = await service.addMaskLayer(info.sceneId, { kind: 'file', path: KM_L2A });
    expect(layer.source).toMatch(/^KappaMask/);
    expect(layer.epsg).toBe(32638);
    expect(layer.overlapsScene).toBe(false);
    expect(layer.path).toBe(KM_L2A);
    const mask = await loadMask(KM_L2A);
    expect(layer.classes.map((c) => [c.id, c.count])).toEqual(
      classCounts(mask.data)
        .map((n, id) => [id, n])
        .filter(([, n]) => n! > 0),
    );
    const [w, s, e, n] = layer.bounds;
    const [z, x, y] = tileAt((w + e) / 2, (s + n) / 2, 14);
    const png = await service.maskTile(layer.layerId, z, x, y);
    expect(png).not.toBeNull();
    expect(
      [...colours(png!).keys()].every((k) => [1, 2, 3, 4].some((c) => key(MAP_CLASS_COLOURS[c as 1]) === k)),
    ).toBe(true);
    // Far from the mask: nothing.
    expect(await service.maskTile(layer.layerId, 14, 0, 0)).toBeNull();
    const r = await service.inspect(info.sceneId, (w + e) / 2, (s + n) / 2);
    const m = r.masks[0]!;
    expect(m.classId).toBe(mask.data[m.row * 509 + m.col]);
    // KappaMask codes: 1 clear, 2 shadow, 3 semi-transparent, 4 cloud, 5 missing.
    expect(m.classId).toBe({ 1: 1, 2: 4, 3: 3, 4: 2, 5: 0 }[m.value as 1]);
  });
});
