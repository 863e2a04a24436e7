import { describe, expect, it } from 'vitest';
import { cell, classAreas, pixelAreaM2, validatePoints } from '../../../electron/core/metrics/index.js';
import { grid } from './helpers.js';

describe('point validation', () => {
  // 3x2 prediction:
  //   1 2 0
  //   2 2 1
  const pred = Uint8Array.from([1, 2, 0, 2, 2, 1]);
  const v = validatePoints(pred, 3, 2, [
    { col: 0, row: 0, classValue: 1 }, // 1 -> 1
    { col: 1.7, row: 0.2, classValue: 2 }, // floor -> (1,0): 2 -> 2
    { col: 0, row: 1, classValue: 1 }, // 1 -> 2
    { col: 2, row: 1, classValue: 1 }, // 1 -> 1
    { col: 2, row: 0, classValue: 2 }, // prediction no data
    { col: 1, row: 1, classValue: 0 }, // point labelled no data
    { col: 3, row: 0, classValue: 1 }, // outside
    { col: -1, row: 0, classValue: 1 }, // outside
  ]);
  it('counts and scores', () => {
    expect(v.points).toBe(8);
    expect(v.outside).toBe(2);
    expect(v.onNoData).toBe(2);
    expect(v.matrix.scored).toBe(4);
    expect([cell(v.matrix, 1, 1), cell(v.matrix, 1, 2), cell(v.matrix, 2, 2)]).toEqual([2, 1, 1]);
    // OA 3/4; pe = (3*2 + 1*2)/16 = 0.5; kappa = (0.75 - 0.5)/0.5 = 0.5
    expect(v.scores.overallAccuracy).toBeCloseTo(0.75, 12);
    expect(v.scores.kappa).toBeCloseTo(0.5, 12);
  });
  it('no points: empty result', () => {
    const e = validatePoints(pred, 3, 2, []);
    expect(e.scores.empty).toBe(true);
    expect(e.scores.notes[0]).toMatch(/empty/);
  });
});

describe('areas', () => {
  it('pixel counts and km² on a 10 m grid', () => {
    const a = classAreas(Uint8Array.from([0, 1, 1, 2, 2, 2, 3, 4, 9]), grid(3, 3));
    expect(a.pixelAreaM2).toBe(100);
    expect(a.invalidPixels).toBe(1);
    expect(a.validPixels).toBe(7);
    const cloud = a.classes.find((c) => c.classValue === 2)!;
    expect(cloud.pixels).toBe(3);
    expect(cloud.km2).toBeCloseTo(3e-4, 12);
    expect(cloud.fraction).toBeCloseTo(3 / 7, 12);
  });
  it('geographic grids have no km²', () => {
    expect(pixelAreaM2({ epsg: 4326, width: 1, height: 1, transform: [0, 1e-4, 0, 0, 0, -1e-4] })).toBeNull();
    const a = classAreas(new Uint8Array(1), {
      epsg: 4326,
      width: 1,
      height: 1,
      transform: [0, 1, 0, 0, 0, -1],
    });
    expect(a.classes[0]!.km2).toBeNull();
    expect(a.note).toMatch(/geographic/);
  });
});
