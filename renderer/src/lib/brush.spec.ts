import { describe, expect, it } from 'vitest';
import { area, strokeOutline, type Xy } from './brush';

describe('strokeOutline', () => {
  it('a click is a disc of the brush radius', () => {
    const [ring, ...holes] = strokeOutline([[100, 100]], 10);
    expect(holes).toHaveLength(0);
    expect(ring![0]).toEqual(ring!.at(-1));
    // Within a cell's worth of pi r^2.
    expect(Math.abs(area(ring!))).toBeGreaterThan(Math.PI * 100 * 0.85);
    expect(Math.abs(area(ring!))).toBeLessThan(Math.PI * 100 * 1.2);
    for (const [x, y] of ring!) expect(Math.hypot(x - 100, y - 100)).toBeLessThan(10 + 2.6 * 2);
  });

  it('a straight stroke is a capsule: length x width plus the end caps', () => {
    const rings = strokeOutline(
      [
        [0, 0],
        [200, 0],
      ],
      5,
    );
    expect(rings).toHaveLength(1);
    const a = Math.abs(area(rings[0]!));
    expect(a).toBeGreaterThan(200 * 10 * 0.9);
    expect(a).toBeLessThan(200 * 10 + Math.PI * 25 + 200);
  });

  it('a sharp zigzag stays one ring, and a loop keeps its hole', () => {
    const zig: Xy[] = [
      [0, 0],
      [50, 40],
      [0, 80],
      [50, 120],
    ];
    expect(strokeOutline(zig, 6)).toHaveLength(1);
    const loop: Xy[] = [];
    for (let i = 0; i <= 64; i++)
      loop.push([100 + 60 * Math.cos((i / 32) * Math.PI), 100 + 60 * Math.sin((i / 32) * Math.PI)]);
    const [outer, hole] = strokeOutline(loop, 5);
    expect(hole).toBeDefined();
    expect(Math.abs(area(outer!))).toBeGreaterThan(Math.abs(area(hole!)));
    // Opposite orientations: the hole is a hole, whatever the fill rule.
    expect(Math.sign(area(outer!))).toBe(-Math.sign(area(hole!)));
  });

  it('nothing to draw gives no ring', () => {
    expect(strokeOutline([], 5)).toEqual([]);
    expect(strokeOutline([[1, 1]], 0)).toEqual([]);
  });
});
