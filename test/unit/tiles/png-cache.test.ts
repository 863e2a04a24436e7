/** The one PNG cache every layer kind draws through: get-or-render, empty tiles, cancelling, byte bound. */
import { describe, expect, it } from 'vitest';
import { S2Error } from '../../../electron/core/errors.js';
import { PngCache } from '../../../electron/core/tiles/png-cache.js';
import { decodePng } from './helpers.js';

/** A 256 x 256 RGBA tile of one colour. */
const solid = (r: number): Uint8Array => {
  const rgba = new Uint8Array(256 * 256 * 4);
  for (let i = 0; i < rgba.length; i += 4) rgba.set([r, 0, 0, 255], i);
  return rgba;
};

describe('PngCache', () => {
  it('renders a key once, then serves the same PNG', async () => {
    const cache = new PngCache(1 << 20);
    let renders = 0;
    const render = (): Promise<Uint8Array> => {
      renders++;
      return Promise.resolve(solid(200));
    };
    const a = await cache.tile('layer|style|1/0/0', render);
    const b = await cache.tile('layer|style|1/0/0', render);
    expect(renders).toBe(1);
    expect(b).toBe(a);
    expect(decodePng(a!).rgba.subarray(0, 4)).toEqual(new Uint8Array([200, 0, 0, 255]));
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
    // Another key (another style or tile) renders again.
    await cache.tile('layer|other|1/0/0', render);
    expect(renders).toBe(2);
  });

  it('keeps empty tiles as empty: null, not rendered twice', async () => {
    const cache = new PngCache(1 << 20);
    let renders = 0;
    const render = (): Promise<null> => {
      renders++;
      return Promise.resolve(null);
    };
    expect(await cache.tile('k', render)).toBeNull();
    expect(await cache.tile('k', render)).toBeNull();
    expect(renders).toBe(1);
    expect(cache.has('k')).toBe(true);
  });

  it('a tile cancelled before or while rendering rejects with CANCELLED and is not kept', async () => {
    const cache = new PngCache(1 << 20);
    const before = new AbortController();
    before.abort();
    let renders = 0;
    await expect(
      cache.tile(
        'k',
        () => {
          renders++;
          return Promise.resolve(solid(1));
        },
        before.signal,
      ),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(renders).toBe(0);
    expect(cache.has('k')).toBe(false);

    // Aborted while rendering: the pixels arrive, but the PNG is neither encoded nor kept.
    const during = new AbortController();
    const p = cache.tile(
      'k',
      async () => {
        during.abort();
        await Promise.resolve();
        return solid(2);
      },
      during.signal,
    );
    await expect(p).rejects.toBeInstanceOf(S2Error);
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(cache.has('k')).toBe(false);
    expect(cache.bytes).toBe(0);
  });

  it('is bounded in bytes: the least recently used tile goes first', async () => {
    const one = (await new PngCache(1 << 20).tile('x', () => Promise.resolve(solid(9))))!.length + 64;
    const cache = new PngCache(one * 2);
    for (const k of ['a', 'b']) await cache.tile(k, () => Promise.resolve(solid(9)));
    await cache.tile('a', () => Promise.resolve(solid(9))); // a is now the most recent
    await cache.tile('c', () => Promise.resolve(solid(9)));
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
    expect(cache.bytes).toBeLessThanOrEqual(one * 2);
  });
});
