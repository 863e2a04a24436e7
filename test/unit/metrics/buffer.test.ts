import { describe, expect, it } from 'vitest';
import { boundaryBuffer } from '../../../electron/core/metrics/index.js';

/** Rows of the mask as strings, for readable expectations. */
const rows = (m: Uint8Array, w: number): string[] =>
  Array.from({ length: m.length / w }, (_, y) => Array.from(m.subarray(y * w, (y + 1) * w)).join(''));

/** The definition, by brute force: within Chebyshev N - 1 of a pixel with a different 8-neighbour. */
function bruteForce(ref: Uint8Array, w: number, h: number, n: number): Uint8Array {
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= w || y >= h ? 0 : ref[y * w + x]!);
  const seed = (x: number, y: number): boolean => {
    const c = at(x, y);
    if (c === 0) return false;
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const d = at(x + dx, y + dy);
        if (d !== 0 && d !== c) return true;
      }
    return false;
  };
  const out = new Uint8Array(w * h);
  if (n === 0) return out;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let dy = -(n - 1); dy <= n - 1 && !out[y * w + x]; dy++)
        for (let dx = -(n - 1); dx <= n - 1; dx++)
          if (x + dx >= 0 && y + dy >= 0 && x + dx < w && y + dy < h && seed(x + dx, y + dy)) {
            out[y * w + x] = 1;
            break;
          }
  return out;
}

describe('boundary buffer', () => {
  // 6x3, clear | cloud: the edge lies between columns 2 and 3.
  const ref = Uint8Array.from([1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2]);
  it('hand-made vertical edge', () => {
    expect(rows(boundaryBuffer(ref, 6, 3, 0), 6)).toEqual(['000000', '000000', '000000']);
    // N = 1: the pixels touching the edge, one on each side.
    expect(rows(boundaryBuffer(ref, 6, 3, 1), 6)).toEqual(['001100', '001100', '001100']);
    // N = 2: two on each side.
    expect(rows(boundaryBuffer(ref, 6, 3, 2), 6)).toEqual(['011110', '011110', '011110']);
    expect(rows(boundaryBuffer(ref, 6, 3, 3), 6)).toEqual(['111111', '111111', '111111']);
  });

  it('a single cloud pixel: 3x3 then 5x5 squares (Chebyshev)', () => {
    const w = 7;
    const m = new Uint8Array(49).fill(1);
    m[3 * w + 3] = 2;
    expect(rows(boundaryBuffer(m, w, 7, 1), w)).toEqual([
      '0000000',
      '0000000',
      '0011100',
      '0011100',
      '0011100',
      '0000000',
      '0000000',
    ]);
    expect(rows(boundaryBuffer(m, w, 7, 2), w)).toEqual([
      '0000000',
      '0111110',
      '0111110',
      '0111110',
      '0111110',
      '0111110',
      '0000000',
    ]);
  });

  it('no data is not a class boundary', () => {
    const m = Uint8Array.from([1, 1, 0, 0, 1, 1]);
    expect(Array.from(boundaryBuffer(m, 6, 1, 2))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('matches the definition on random masks', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
    for (const [w, h, n] of [
      [17, 13, 1],
      [17, 13, 2],
      [20, 9, 3],
      [5, 31, 4],
    ] as const) {
      // blobby: class changes rarely along a row
      const m = new Uint8Array(w * h);
      for (let i = 0; i < m.length; i++) m[i] = rnd() < 0.15 ? Math.floor(rnd() * 5) : i > 0 ? m[i - 1]! : 1;
      expect(Array.from(boundaryBuffer(m, w, h, n))).toEqual(Array.from(bruteForce(m, w, h, n)));
    }
  });

  it('rejects a bad radius', () => {
    expect(() => boundaryBuffer(ref, 6, 3, -1)).toThrow(/whole number/);
    expect(() => boundaryBuffer(ref, 6, 3, 1.5)).toThrow(/whole number/);
  });
});
