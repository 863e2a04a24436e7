import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileByteSource } from '../../../../electron/core/raster/byte-source.js';
import { Jp2Decoder } from '../../../../electron/core/raster/jp2/index.js';
import type { PixelWindow } from '../../../../electron/core/raster/grid.js';
import { TileCache } from '../../../../electron/core/raster/jp2/tile-cache.js';
import { hasTool } from '../../../helpers/env.js';
import { syntheticImage, writePgm16 } from './oracle.js';

/** A window's decode equals the whole image's pixels there, every `dy`-th row and `dx`-th column. */
function expectSampled(
  r: { data: ArrayLike<number> },
  win: PixelWindow,
  whole: { data: ArrayLike<number> },
  imageWidth: number,
  dy = 7,
  dx = 11,
): void {
  for (let y = 0; y < win.height; y += dy)
    for (let x = 0; x < win.width; x += dx)
      expect(r.data[y * win.width + x]).toBe(whole.data[(y + win.y) * imageWidth + x + win.x]);
}

describe('decoded-tile cache', () => {
  it('evicts the least recently used tiles beyond its byte budget', () => {
    const c = new TileCache(100);
    c.set('a', new ArrayBuffer(40));
    c.set('b', new ArrayBuffer(40));
    expect(c.get('a')).toBeDefined(); // a is now the most recent
    c.set('c', new ArrayBuffer(40));
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBeDefined();
    expect(c.size).toBe(80);
    c.set('huge', new ArrayBuffer(200));
    expect(c.get('huge')).toBeUndefined();
  });

  describe.skipIf(!hasTool('opj_compress'))('in the decoder', () => {
    const dir = mkdtempSync(join(tmpdir(), 's2-cache-'));
    const decoder = new Jp2Decoder({ workers: 2, tileCacheBytes: 8 * 2 ** 20 });
    afterAll(async () => {
      await decoder.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps only tiles a request covers in part, and serves them again unchanged', async () => {
      const pgm = join(dir, 'img.pgm');
      const jp2 = join(dir, 'img.jp2');
      writePgm16(pgm, 600, 400, syntheticImage(600, 400, 3));
      execFileSync('opj_compress', ['-i', pgm, '-o', jp2, '-t', '128,128', '-n', '4'], { stdio: 'ignore' });
      const src = await fileByteSource(jp2);
      try {
        await decoder.decode(src);
        expect(decoder.cachedBytes).toBe(0); // whole image: nothing will be asked for again
        const win = { x: 100, y: 100, width: 300, height: 100 };
        const first = await decoder.decode(src, { window: win });
        expect(decoder.cachedBytes).toBeGreaterThan(0);
        const again = await decoder.decode(src, { window: win });
        expect(Buffer.from(again.data.buffer).equals(Buffer.from(first.data.buffer))).toBe(true);
        const whole = await decoder.decode(src);
        expectSampled(first, win, whole, 600, 1, 37);
      } finally {
        await src.close();
      }
    });

    it('drops the cached tiles above a downward read, and only those', async () => {
      const pgm = join(dir, 'img3.pgm');
      const jp2 = join(dir, 'img3.jp2');
      writePgm16(pgm, 600, 400, syntheticImage(600, 400, 7));
      execFileSync('opj_compress', ['-i', pgm, '-o', jp2, '-t', '128,128', '-n', '4'], { stdio: 'ignore' });
      const row = 600 * 128 * 2; // bytes of one row of 128 px tiles
      for (const downward of [false, true]) {
        const fresh = new Jp2Decoder({ workers: 1, tileCacheBytes: 8 * 2 ** 20 });
        const src = await fileByteSource(jp2);
        try {
          // Rows 100-199: tile rows 0 and 1 in part, both cached.
          await fresh.decode(src, { window: { x: 0, y: 100, width: 600, height: 100 } });
          expect(fresh.cachedBytes).toBe(2 * row);
          // Rows 300-349: tile row 2 in part; rows 0 and 1 lie wholly above it.
          const win = { x: 0, y: 300, width: 600, height: 50 };
          const r = await fresh.decode(src, { window: win, downward });
          expect(fresh.cachedBytes).toBe(downward ? row : 3 * row);
          const whole = await fresh.decode(src);
          expectSampled(r, win, whole, 600);
        } finally {
          await src.close();
          await fresh.destroy();
        }
      }
    });

    it('decodes a straddling tile once when two reads ask for it at the same time', async () => {
      const pgm = join(dir, 'img2.pgm');
      const jp2 = join(dir, 'img2.jp2');
      writePgm16(pgm, 512, 384, syntheticImage(512, 384, 5));
      execFileSync('opj_compress', ['-i', pgm, '-o', jp2, '-t', '128,128', '-n', '4'], { stdio: 'ignore' });
      const fresh = new Jp2Decoder({ workers: 2, tileCacheBytes: 8 * 2 ** 20 });
      const src = await fileByteSource(jp2);
      try {
        const pool = (fresh as unknown as { pool: { run: (...a: unknown[]) => Promise<ArrayBuffer> } }).pool;
        const run = pool.run.bind(pool);
        let jobs = 0;
        pool.run = (...a: unknown[]): Promise<ArrayBuffer> => {
          jobs++;
          return run(...a);
        };
        // Rows 100-199 cover tile rows 0 and 1 (128 px) in part, rows 150-249 row 1: 8 distinct
        // tiles, 12 without sharing.
        const a = { x: 0, y: 100, width: 512, height: 100 };
        const b = { x: 0, y: 150, width: 512, height: 100 };
        const [ra, rb] = await Promise.all([
          fresh.decode(src, { window: a }),
          fresh.decode(src, { window: b }),
        ]);
        expect(jobs).toBe(8);
        const whole = await fresh.decode(src);
        for (const [r, w] of [
          [ra, a],
          [rb, b],
        ] as const)
          expectSampled(r, w, whole, 512);
      } finally {
        await src.close();
        await fresh.destroy();
      }
    });
  });
});
