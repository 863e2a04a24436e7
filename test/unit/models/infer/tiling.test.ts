import { describe, expect, it } from 'vitest';
import { planTiles, reflectIndex, spanSourceRange } from '../../../../electron/core/models/infer/tiling.js';

describe('tile planning', () => {
  it('covers the window with cores that are multiples of the network stride', () => {
    const plan = planTiles(2500, 1100, 1024, 16, 8);
    expect(plan.core).toBe(992);
    expect(plan.cols.map((c) => [c.core0, c.core1])).toEqual([
      [0, 992],
      [992, 1984],
      [1984, 2500],
    ]);
    expect(plan.cols[0]).toMatchObject({ in0: -16, inLength: 1024 });
    // The last, narrower tile is still a multiple of 8 with its margins.
    expect(plan.cols[2]!.inLength).toBe(552);
    expect(plan.count).toBe(6);
  });

  it('refuses margins that leave no core', () => {
    expect(() => planTiles(100, 100, 32, 16, 8)).toThrow(/twice the margin/);
    expect(() => planTiles(100, 100, 36, 16, 8)).toThrow(/no core/);
  });
});

describe('mirroring at the scene edge', () => {
  it('reflects without repeating the edge pixel, like numpy reflect padding', () => {
    expect([-3, -2, -1, 0, 1, 4, 5, 6, 7].map((i) => reflectIndex(i, 5))).toEqual([
      3, 2, 1, 0, 1, 4, 3, 2, 1,
    ]);
    expect(reflectIndex(-20, 5)).toBeGreaterThanOrEqual(0);
    expect(reflectIndex(7, 1)).toBe(0);
  });

  it('tells which source rows a span needs', () => {
    const plan = planTiles(100, 100, 64, 8, 8);
    expect(spanSourceRange(plan.rows[0]!, 100)).toEqual({ lo: 0, hi: 55 });
    const last = plan.rows.at(-1)!;
    expect(spanSourceRange(last, 100).hi).toBe(99);
  });
});
