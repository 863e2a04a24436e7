/**
 * Map tiles on the full-size generated product (10980 x 10980 px at 10 m):
 * - first view: open the scene (metadata, the stretch of every preset from a reduced level) and
 *   render every true-colour tile covering the scene at the zoom that fits a 1400 x 900 window,
 *   all requested at once as the map does;
 * - single tiles at z12 and z13 around the scene centre, one after the other: cold (nothing
 *   decoded), warm (source blocks cached, new style so the PNG is rendered again) and hot (PNG
 *   cache hit); median and p95;
 * - a pan at z13: a 5 x 4 view moved one tile column at a time (the new column's tiles, concurrent);
 * - peak RSS of the process.
 *
 *   node --expose-gc --import tsx test/bench/tiles.bench.ts
 */
import { join } from 'node:path';
import { getSharedDecoder, destroySharedDecoder } from '../../electron/core/raster/jp2/index.js';
import {
  fitZoom,
  lonLatToMercator,
  MERCATOR_HALF,
  TileService,
  tilesCovering,
} from '../../electron/core/tiles/index.js';
import type { ImageStyle } from '../../electron/core/tiles/index.js';
import { makeScene } from '../fixtures/make-scene.js';
import { DATA_DIR } from '../helpers/env.js';

const ms = (t0: number): number => performance.now() - t0;
const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

function tileAt(lon: number, lat: number, z: number): [number, number] {
  const [mx, my] = lonLatToMercator(lon, lat);
  const span = (2 * MERCATOR_HALF) / 2 ** z;
  return [Math.floor((mx + MERCATOR_HALF) / span), Math.floor((MERCATOR_HALF - my) / span)];
}

async function main(): Promise<void> {
  const { safePath } = await makeScene({ size: 'full', outDir: join(DATA_DIR, 'scenes') });
  const decoder = getSharedDecoder();

  const service = new TileService();
  const rows: string[][] = [];

  // First view.
  const t0 = performance.now();
  const info = await service.openScene(safePath);
  const tOpen = ms(t0);
  const style = info.stretches['true-colour']!;
  const z = fitZoom(info.bounds, 1400, 900);
  const r = tilesCovering(info.bounds, z);
  const jobs: Array<Promise<Buffer | null>> = [];
  for (let x = r.x0; x <= r.x1; x++)
    for (let y = r.y0; y <= r.y1; y++) jobs.push(service.imageTile(info.sceneId, z, x, y, style));
  const pngs = await Promise.all(jobs);
  const tFirst = ms(t0);
  rows.push(['first view: open + stretch (3 presets, 5 bands)', `${tOpen.toFixed(0)} ms`, '', '']);
  rows.push([
    `first view: + all ${jobs.length} tiles at z${z} (1400 x 900 window)`,
    `${tFirst.toFixed(0)} ms`,
    `${pngs.filter(Boolean).length} non-empty`,
    `${(pngs.reduce((s, p) => s + (p?.length ?? 0), 0) / 1024).toFixed(0)} KiB PNG`,
  ]);

  const [clon, clat] = [(info.bounds[0] + info.bounds[2]) / 2, (info.bounds[1] + info.bounds[3]) / 2];
  for (const zz of [12, 13]) {
    const [cx, cy] = tileAt(clon, clat, zz);
    const tiles: Array<[number, number]> = [];
    for (let dx = -2; dx < 2; dx++) for (let dy = -2; dy < 2; dy++) tiles.push([cx + dx, cy + dy]);
    const run = async (s: ImageStyle): Promise<number[]> => {
      const out: number[] = [];
      for (const [x, y] of tiles) {
        const t = performance.now();
        await service.imageTile(info.sceneId, zz, x, y, s);
        out.push(ms(t));
      }
      return out;
    };
    const cold = await run(style);
    const warm = await run({ ...style, gamma: 1.2 });
    const hot = await run({ ...style, gamma: 1.2 });
    for (const [name, xs] of [
      ['cold (decode)', cold],
      ['warm (blocks cached, re-render)', warm],
      ['hot (PNG cached)', hot],
    ] as const) {
      rows.push([
        `z${zz} tile, ${name}, ${xs.length} tiles one by one`,
        `median ${pct(xs, 0.5).toFixed(1)} ms`,
        `p95 ${pct(xs, 0.95).toFixed(1)} ms`,
        `max ${Math.max(...xs).toFixed(1)} ms`,
      ]);
    }
  }

  // Pan at z13: a 5 x 4 tile view moved east one column at a time, 6 steps, away from the area above.
  const [px, py] = tileAt(info.bounds[0] + 0.1, clat - 0.25, 13);
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      service.imageTile(info.sceneId, 13, px + (i % 5), py + Math.floor(i / 5), style),
    ),
  );
  const tView = ms(t1);
  const steps: number[] = [];
  for (let s = 1; s <= 6; s++) {
    const t = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, (_, j) => service.imageTile(info.sceneId, 13, px + 4 + s, py + j, style)),
    );
    steps.push(ms(t));
  }
  rows.push(['z13 view of 5 x 4 tiles, cold, concurrent', `${tView.toFixed(0)} ms`, '', '']);
  rows.push([
    'z13 pan step (new column of 4 tiles, concurrent)',
    `median ${pct(steps, 0.5).toFixed(0)} ms`,
    `p95 ${pct(steps, 0.95).toFixed(0)} ms`,
    `max ${Math.max(...steps).toFixed(0)} ms`,
  ]);
  const stats = service.cacheStats();
  const rss = process.resourceUsage().maxRSS / 1024;
  rows.push([
    'peak RSS',
    `${rss.toFixed(0)} MB`,
    `blocks ${(stats.blockBytes / 2 ** 20).toFixed(0)} MiB, kept overviews ${(stats.pinnedBytes / 2 ** 20).toFixed(0)} MiB`,
    `PNGs ${(stats.pngBytes / 2 ** 20).toFixed(1)} MiB`,
  ]);
  await service.close();
  await destroySharedDecoder();

  console.log(
    `\nTiles on the full-size product (${decoder.workers} decode workers, codec ${decoder.codec})\n`,
  );
  console.log('| measure | time | | |');
  console.log('|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

await main();
