import { describe, expect, it } from 'vitest';
import {
  binaryScores,
  cell,
  confusionMatrix,
  scoreMatrix,
  type ClassScores,
} from '../../../electron/core/metrics/index.js';

const u8 = (v: number[]): Uint8Array => Uint8Array.from(v);
const cls = (s: { classes: ClassScores[] }, c: number): ClassScores =>
  s.classes.find((k) => k.classValue === c)!;

describe('confusion matrix and scores, hand-computed', () => {
  // idx:     0  1  2  3  4  5  6  7  8  9
  const ref = u8([1, 1, 1, 1, 2, 2, 2, 3, 4, 0]);
  const pred = u8([1, 1, 1, 2, 2, 2, 1, 3, 4, 1]);
  // Pixel 9 has no reference: not scored, counted apart. Scored: 9.
  // Rows reference, columns prediction (classes 1..4):
  //        1  2  3  4
  //   1 [  3  1  0  0 ]   support 4
  //   2 [  1  2  0  0 ]   support 3
  //   3 [  0  0  1  0 ]   support 1
  //   4 [  0  0  0  1 ]   support 1
  // predicted: 4, 3, 1, 1
  // clear:  P = 3/4, R = 3/4, F1 = 0.75, IoU = 3 / (4 + 4 - 3) = 0.6
  // cloud:  P = 2/3, R = 2/3, F1 = 2/3,  IoU = 2 / (3 + 3 - 2) = 0.5
  // semi, shadow: all 1.
  // OA = 7/9; pe = (4*4 + 3*3 + 1 + 1) / 81 = 1/3; kappa = (7/9 - 1/3) / (1 - 1/3) = 2/3.
  // macro F1 = (0.75 + 2/3 + 1 + 1) / 4; weighted F1 = (0.75*4 + 2/3*3 + 1 + 1) / 9 = 7/9.
  const m = confusionMatrix(ref, pred, 10, 1);
  const s = scoreMatrix(m);

  it('counts', () => {
    expect(m.scored).toBe(9);
    expect(m.noDataReference).toBe(1);
    expect(m.noDataPrediction).toBe(0);
    expect([
      cell(m, 1, 1),
      cell(m, 1, 2),
      cell(m, 2, 1),
      cell(m, 2, 2),
      cell(m, 3, 3),
      cell(m, 4, 4),
    ]).toEqual([3, 1, 1, 2, 1, 1]);
    expect(Array.from(m.counts).reduce((a, b) => a + b, 0)).toBe(9);
  });

  it('per-class scores', () => {
    const clear = cls(s, 1);
    expect([clear.support, clear.predicted, clear.truePositives]).toEqual([4, 4, 3]);
    expect(clear.precision).toBeCloseTo(0.75, 12);
    expect(clear.recall).toBeCloseTo(0.75, 12);
    expect(clear.f1).toBeCloseTo(0.75, 12);
    expect(clear.iou).toBeCloseTo(0.6, 12);
    const cloud = cls(s, 2);
    expect(cloud.precision).toBeCloseTo(2 / 3, 12);
    expect(cloud.recall).toBeCloseTo(2 / 3, 12);
    expect(cloud.f1).toBeCloseTo(2 / 3, 12);
    expect(cloud.iou).toBeCloseTo(0.5, 12);
    expect(cls(s, 3).f1).toBe(1);
    expect(cls(s, 4).iou).toBe(1);
  });

  it('overall accuracy, kappa, averages', () => {
    expect(s.empty).toBe(false);
    expect(s.overallAccuracy).toBeCloseTo(7 / 9, 12);
    expect(s.kappa).toBeCloseTo(2 / 3, 12);
    expect(s.macro.f1).toBeCloseTo((0.75 + 2 / 3 + 2) / 4, 12);
    expect(s.weighted.f1).toBeCloseTo(7 / 9, 12);
    expect(s.weighted.recall).toBeCloseTo(7 / 9, 12); // weighted recall = OA
  });

  it('binary view, shadow as clear / cloud / excluded', () => {
    // cloud = {2,3}. Reference cloud: idx 4,5,6,7; predicted cloud: 3,4,5,7.
    // shadow clear: TP 3 (4,5,7), FP 1 (3), FN 1 (6), TN 4 (0,1,2,8): acc 7/9, P = R = F1 = 3/4.
    const b = binaryScores(m, 'clear');
    expect([b.truePositives, b.falsePositives, b.falseNegatives, b.trueNegatives]).toEqual([3, 1, 1, 4]);
    expect(b.accuracy).toBeCloseTo(7 / 9, 12);
    expect(b.precision).toBeCloseTo(0.75, 12);
    expect(b.recall).toBeCloseTo(0.75, 12);
    expect(b.f1).toBeCloseTo(0.75, 12);
    // shadow excluded: idx 8 leaves, TN 3, acc 6/8.
    const e = binaryScores(m, 'exclude');
    expect(e.scored).toBe(8);
    expect(e.accuracy).toBeCloseTo(0.75, 12);
    // shadow as cloud: idx 8 becomes TP: TP 4, FP 1, FN 1, TN 3: P = R = 4/5.
    const c = binaryScores(m, 'cloud');
    expect([c.truePositives, c.trueNegatives]).toEqual([4, 3]);
    expect(c.precision).toBeCloseTo(0.8, 12);
  });
});

describe('edge cases', () => {
  it('classes absent from both sides are null with a reason', () => {
    const s = scoreMatrix(confusionMatrix(u8([1, 1, 2, 2]), u8([1, 2, 2, 2]), 4, 1));
    const semi = cls(s, 3);
    expect([semi.precision, semi.recall, semi.f1, semi.iou]).toEqual([null, null, null, null]);
    expect(semi.notes[0]).toMatch(/absent from both/);
    // macro averages only over present classes: F1 clear = 2/3, cloud = 2*2/(2+3) = 0.8
    expect(s.macro.f1).toBeCloseTo((2 / 3 + 0.8) / 2, 12);
    expect(JSON.stringify(s)).not.toMatch(/NaN/);
  });

  it('a class never predicted: precision null, recall and F1 0', () => {
    const s = scoreMatrix(confusionMatrix(u8([1, 2]), u8([1, 1]), 2, 1));
    const cloud = cls(s, 2);
    expect(cloud.precision).toBeNull();
    expect(cloud.recall).toBe(0);
    expect(cloud.f1).toBe(0);
    expect(cloud.notes[0]).toMatch(/never predicted/);
    // pe = (1*2)/4 = 0.5, po = 0.5: kappa 0
    expect(s.kappa).toBeCloseTo(0, 12);
  });

  it('no overlap gives an empty result, not a crash', () => {
    const m = confusionMatrix(u8([1, 1, 0, 0]), u8([0, 0, 2, 2]), 4, 1);
    expect(m.noDataReference).toBe(2);
    expect(m.noDataPrediction).toBe(2);
    const s = scoreMatrix(m);
    expect(s.empty).toBe(true);
    expect(s.overallAccuracy).toBeNull();
    expect(s.kappa).toBeNull();
    expect(s.notes[0]).toMatch(/no overlap/);
    expect(binaryScores(m).accuracy).toBeNull();
  });

  it('all no data', () => {
    const m = confusionMatrix(new Uint8Array(9), new Uint8Array(9), 3, 3);
    expect(m.noDataReference).toBe(9);
    expect(scoreMatrix(m).empty).toBe(true);
  });

  it('a single class everywhere: OA 1, kappa null with a reason', () => {
    const s = scoreMatrix(confusionMatrix(u8([2, 2, 2, 2]), u8([2, 2, 2, 2]), 2, 2));
    expect(s.overallAccuracy).toBe(1);
    expect(s.kappa).toBeNull();
    expect(s.kappaNote).toMatch(/single class/);
    expect(cls(s, 2).f1).toBe(1);
    expect(cls(s, 1).f1).toBeNull();
    // binary: cloud everywhere, never clear: precision = recall = 1
    expect(binaryScores(confusionMatrix(u8([2, 2]), u8([2, 2]), 2, 1)).f1).toBe(1);
  });

  it('values outside the schema are counted as invalid', () => {
    const m = confusionMatrix(u8([1, 7, 1]), u8([1, 1, 200]), 3, 1);
    expect(m.invalid).toBe(2);
    expect(m.scored).toBe(1);
  });

  it('window and exclusion mask restrict the scored pixels', () => {
    // 3x2 grid; the window is the right 2x2 block.
    const ref = u8([1, 1, 2, 1, 2, 2]);
    const pred = u8([2, 1, 2, 1, 1, 2]);
    const w = confusionMatrix(ref, pred, 3, 2, { window: { x: 1, y: 0, width: 2, height: 2 } });
    expect(w.considered).toBe(4);
    expect(w.scored).toBe(4);
    expect(cell(w, 2, 1)).toBe(1); // (1,1): ref 2, pred 1
    const ex = confusionMatrix(ref, pred, 3, 2, { exclude: u8([1, 0, 0, 0, 1, 0]) });
    expect(ex.scored).toBe(4);
    expect(ex.excluded).toBe(2);
    expect(cell(ex, 1, 2)).toBe(0);
    expect(() => confusionMatrix(ref, pred, 4, 2)).toThrow(/aligned/);
    expect(() => confusionMatrix(ref, pred, 3, 2, { window: { x: 2, y: 0, width: 2, height: 1 } })).toThrow(
      /outside/,
    );
  });
});
