import { describe, expect, it } from 'vitest';
import { addClassCounts } from '../../../electron/core/pipeline/sinks.js';

describe('addClassCounts', () => {
  it('adds each value once per pixel, as a plain count would, values past the end included', () => {
    let seed = 11;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const classes = Uint8Array.from({ length: 5000 }, () => (rnd() < 0.01 ? 255 : Math.floor(rnd() * 5)));
    const into = [0, 0, 0, 0, 0];
    addClassCounts(classes, into);
    addClassCounts(classes.subarray(0, 100), into);
    const plain: number[] = [0, 0, 0, 0, 0];
    for (const v of [...classes, ...classes.subarray(0, 100)]) plain[v] = (plain[v] ?? 0) + 1;
    expect(into).toEqual(plain);
    expect(into[255]).toBeGreaterThan(0);
    expect(into.slice(0, 5).reduce((a, b) => a + b, 0) + into[255]!).toBe(5100);
  });
});
