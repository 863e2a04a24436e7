import { describe, expect, it } from 'vitest';
import { labelComponents } from '../../../../electron/core/masks/shadow/components.js';
import { dilateSquare } from '../../../../electron/core/masks/shadow/dilate.js';
import { fillHoles } from '../../../../electron/core/masks/shadow/reconstruct.js';
import { searchHeights, shadowOffsetPerMetre } from '../../../../electron/core/masks/shadow/project.js';

describe('fillHoles (grey-scale reconstruction by erosion)', () => {
  it('fills a pit to its rim and leaves border-connected valleys', () => {
    // prettier-ignore
    const img = Uint16Array.from([
      5, 5, 5, 5, 5,
      5, 9, 9, 9, 5,
      5, 9, 1, 9, 5,
      5, 9, 9, 9, 5,
      2, 2, 5, 5, 5,
    ]);
    const out = fillHoles(img, 5, 5, new Uint8Array(25).fill(1), 0);
    expect(out[12]).toBe(9);
    expect(out[20]).toBe(2);
    expect(out[6]).toBe(9);
  });
  it('raises border pits to the border level, treats no-data as outside', () => {
    const img = Uint16Array.from([1, 5, 5, 5, 0, 5, 5, 1, 5]);
    const valid = Uint8Array.from([1, 1, 1, 1, 0, 1, 1, 1, 1]);
    const out = fillHoles(img, 3, 3, valid, 3);
    expect(out[0]).toBe(3);
    expect(out[7]).toBe(3);
    expect(out[4]).toBe(0);
  });
  it('matches a brute-force reconstruction on random images', () => {
    let s = 7;
    const rand = (): number => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % 50) | 0;
    const w = 23;
    const h = 17;
    const img = Uint16Array.from({ length: w * h }, rand);
    const valid = Uint8Array.from({ length: w * h }, (_, i) => (i % 37 === 5 ? 0 : 1));
    const fast = fillHoles(img, w, h, valid, 10);
    // Brute force: iterate f = max(img, min over 4-neighbours of f) from f = inf, border = max(img, 10).
    const f = Float64Array.from(img, () => Infinity);
    for (let changed = true; changed;) {
      changed = false;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const p = y * w + x;
          if (!valid[p]) continue;
          let m = Infinity;
          const nb = [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1];
          for (const q of nb) m = Math.min(m, q < 0 || !valid[q] ? -Infinity : (f[q] as number));
          const v = Math.max(img[p] as number, m === -Infinity ? Math.max(img[p] as number, 10) : m);
          if (v !== f[p]) {
            f[p] = v;
            changed = true;
          }
        }
      }
    }
    for (let p = 0; p < w * h; p++) if (valid[p]) expect(fast[p]).toBe(f[p]);
  });
});

describe('labelComponents', () => {
  it('joins diagonal neighbours (8-connectivity) and U shapes', () => {
    // prettier-ignore
    const m = Uint8Array.from([
      1, 0, 1, 0, 0,
      0, 1, 1, 0, 1,
      0, 0, 0, 0, 1,
      1, 0, 1, 0, 1,
      1, 1, 1, 0, 0,
    ]);
    const c = labelComponents(m, 5, 5);
    expect(c.count).toBe(3);
    expect(c.labels[0]).toBe(c.labels[7]);
    expect(c.labels[15]).toBe(c.labels[17]);
    const sizes = Array.from(
      { length: c.count },
      (_, k) => (c.start[k + 1] as number) - (c.start[k] as number),
    );
    expect(sizes.sort()).toEqual([3, 4, 5]);
  });
});

describe('labelComponents against a flood fill', () => {
  // Ids in the order of each object's first pixel in raster order, pixels in raster order.
  function floodLabels(m: Uint8Array, w: number, h: number): Int32Array {
    const labels = new Int32Array(w * h);
    let id = 0;
    for (let s = 0; s < w * h; s++) {
      if (!m[s] || labels[s]) continue;
      labels[s] = ++id;
      const stack = [s];
      while (stack.length) {
        const p = stack.pop() as number;
        const x = p % w;
        const y = (p / w) | 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const nx = x + dx;
            const ny = y + dy;
            if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
            const q = ny * w + nx;
            if (m[q] && !labels[q]) {
              labels[q] = id;
              stack.push(q);
            }
          }
      }
    }
    return labels;
  }

  it('gives the same objects, ids and pixel lists on random masks of every density', () => {
    let seed = 3;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (const density of [0.2, 0.45, 0.6, 0.8]) {
      const w = 37;
      const h = 23;
      const m = Uint8Array.from({ length: w * h }, () => (rnd() < density ? 1 : 0));
      const c = labelComponents(m, w, h);
      const ref = floodLabels(m, w, h);
      expect(Array.from(c.labels)).toEqual(Array.from(ref));
      for (let k = 1; k <= c.count; k++) {
        const px = Array.from(c.pixels.subarray(c.start[k - 1], c.start[k]));
        expect(px.every((p) => ref[p] === k)).toBe(true);
        expect(px).toEqual([...px].sort((a, b) => a - b));
      }
    }
  });
});

describe('dilateSquare', () => {
  it('grows a point into a (2r+1) square, clipped at the edge', () => {
    const m = new Uint8Array(49);
    m[0] = 1;
    m[24] = 1;
    const d = dilateSquare(m, 7, 7, 2);
    let n = 0;
    for (const v of d) n += v;
    expect(n).toBe(25 + 9 - 4); // the two squares share 2 x 2
  });

  it('equals the brute-force (2r+1) square on random masks', () => {
    let seed = 5;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const w = 31;
    const h = 17;
    const m = Uint8Array.from({ length: w * h }, () => (rnd() < 0.04 ? 1 : 0));
    for (const r of [1, 2, 3, 5, 40]) {
      const d = dilateSquare(m, w, h, r);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let hit = 0;
          for (let j = Math.max(0, y - r); j <= Math.min(h - 1, y + r); j++)
            for (let i = Math.max(0, x - r); i <= Math.min(w - 1, x + r); i++) hit |= m[j * w + i] as number;
          expect(d[y * w + x]).toBe(hit);
        }
    }
  });
});

describe('shadow geometry', () => {
  it('casts shadows away from the sun in both hemispheres', () => {
    const north = shadowOffsetPerMetre({ sun: { zenith: 45, azimuth: 150 } }, 20);
    expect(north.drow).toBeLessThan(0); // northward = rows up
    expect(north.dcol).toBeLessThan(0); // westward
    const south = shadowOffsetPerMetre({ sun: { zenith: 45, azimuth: 30 } }, 20);
    expect(south.drow).toBeGreaterThan(0);
    expect(south.dcol).toBeLessThan(0);
    expect(Math.hypot(north.dcol, north.drow) * 1000).toBeCloseTo(50, 6); // 1 km at 45 deg: 50 px
  });
  it('steps one pixel of displacement', () => {
    const per = shadowOffsetPerMetre({ sun: { zenith: 45, azimuth: 180 } }, 20);
    const hs = searchHeights(per, 200, 12000);
    expect(hs[1]! - hs[0]!).toBeCloseTo(20, 6);
    expect(hs.at(-1)).toBeLessThanOrEqual(12000);
  });
});
