import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  averageOverDisk,
  cloudClasses,
  diskRuns,
  dilateDisk,
  reflect,
} from '../../../../electron/core/models/s2cloudless/postprocess.js';
import { rng } from '../../../helpers/lightgbm-model.js';

const dir = mkdtempSync(join(tmpdir(), 's2c-post-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** A small file's Buffer is a view into a shared pool: copy out exactly its bytes. */
const f64 = (b: Buffer): Float64Array =>
  new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
const REF = join(import.meta.dirname, '../../../helpers/s2cloudless_post_ref.py');

/** Blobby probabilities: a few smooth bumps plus noise, so thresholds cut through shapes. */
function probability(w: number, h: number, seed: number): Float32Array {
  const random = rng(seed);
  const bumps = Array.from({ length: 6 }, () => [random() * w, random() * h, 3 + random() * 10] as const);
  const p = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let v = 0.1 * random();
      for (const [bx, by, s] of bumps) v += Math.exp(-((x - bx) ** 2 + (y - by) ** 2) / (2 * s * s));
      p[y * w + x] = Math.min(1, v);
    }
  return p;
}

function scipy(
  prob: Float32Array,
  w: number,
  h: number,
  avg: number,
  dil: number,
  thr: number,
): { avg: Float64Array; mask: Uint8Array } {
  const base = join(dir, `p-${w}x${h}-${avg}-${dil}`);
  writeFileSync(`${base}.f32`, prob);
  const r = spawnSync(
    'python3',
    [REF, `${base}.f32`, String(h), String(w), String(avg), String(dil), String(thr), base],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`s2cloudless_post_ref.py failed: ${r.stderr}`);
  return {
    avg: f64(readFileSync(`${base}.avg.f64`)),
    mask: new Uint8Array(readFileSync(`${base}.mask.u8`)),
  };
}

describe('s2cloudless post-processing', () => {
  it('builds skimage disks', () => {
    expect([...diskRuns(1)]).toEqual([0, 1, 0]);
    expect([...diskRuns(2)]).toEqual([0, 1, 2, 1, 0]);
    expect([...diskRuns(4)]).toEqual([0, 2, 3, 3, 4, 3, 3, 2, 0]);
  });

  it('reflects like scipy (d c b a | a b c d | d c b a), also past one period', () => {
    expect([-3, -2, -1, 0, 3, 4, 5, 9].map((i) => reflect(i, 4))).toEqual([2, 1, 0, 0, 3, 3, 2, 1]);
  });

  for (const [w, h, avg, dil] of [
    [97, 61, 4, 2],
    [64, 80, 11, 6],
    [30, 25, 22, 11],
    [7, 5, 4, 2],
  ] as const) {
    it(`matches scipy's convolve + binary_dilation on ${w} x ${h} (average_over ${avg}, dilation ${dil})`, () => {
      const prob = probability(w, h, w * h);
      const ref = scipy(prob, w, h, avg, dil, 0.4);
      const mine = averageOverDisk(prob, w, h, avg);
      let max = 0;
      for (let i = 0; i < mine.length; i++) max = Math.max(max, Math.abs(mine[i]! - ref.avg[i]!));
      expect(max).toBeLessThan(1e-6);
      const classes = cloudClasses(prob, w, h, { threshold: 0.4, averageOver: avg, dilationSize: dil });
      let differ = 0;
      for (let i = 0; i < classes.length; i++) {
        // A pixel whose average is within float32 rounding of the threshold may go either way.
        const near = Math.abs(ref.avg[i]! - 0.4) < 1e-6;
        if (!near && classes[i] !== (ref.mask[i] ? 2 : 1)) differ++;
      }
      expect(differ).toBe(0);
    });
  }

  it('leaves no-data pixels out of the average and marks them 0', () => {
    const w = 9;
    const h = 9;
    const prob = new Float32Array(w * h).fill(0.2);
    prob[40] = NaN; // centre
    for (let x = 0; x < w; x++) prob[x] = 1; // a cloudy first row
    const avg = averageOverDisk(prob, w, h, 2);
    expect(avg[40]).toBeCloseTo(0.2, 6); // its neighbours' mean, NaN ignored
    const classes = cloudClasses(prob, w, h, { threshold: 0.4, averageOver: 2, dilationSize: 1 });
    expect(classes[40]).toBe(0);
    expect(classes[0]).toBe(2);
    expect(classes[8 * w]).toBe(1);
    const all = averageOverDisk(new Float32Array(4).fill(NaN), 2, 2, 1);
    expect([...all].every((v) => Number.isNaN(v))).toBe(true);
    expect([...dilateDisk(Uint8Array.of(0, 0, 0, 0, 1, 0, 0, 0, 0), 3, 3, 1)]).toEqual([
      0, 1, 0, 1, 1, 1, 0, 1, 0,
    ]);
  });
});
