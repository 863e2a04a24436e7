import { describe, expect, it } from 'vitest';
import { detectShadows, detectShadowsAsync } from '../../../../electron/core/masks/shadow/index.js';
import { count, iou, makeScene, type SceneSpec } from './synthetic.js';

const RAD = Math.PI / 180;
/** One pixel of shadow displacement, metres of height (the default search step). */
const stepFor = (zenith: number): number => 20 / Math.tan(zenith * RAD);

/** Places a cloud so that it and its shadow sit around the centre of the scene. */
function centred(size: number, sun: SceneSpec['sun'], h: number, radius = 40): SceneSpec {
  const d = (Math.tan(sun.zenith * RAD) * h) / 20;
  const dRow = Math.cos(sun.azimuth * RAD) * d;
  const dCol = -Math.sin(sun.azimuth * RAD) * d;
  return {
    width: size,
    height: size,
    sun,
    clouds: [
      { row: Math.round(size / 2 - dRow / 2), col: Math.round(size / 2 - dCol / 2), radius, height: h },
    ],
  };
}

describe('detectShadows on synthetic scenes', () => {
  const cases: [number, number, number][] = [];
  for (const az of [150, 210])
    for (const zen of [30, 60]) for (const h of [1000, 5000]) cases.push([az, zen, h]);
  // Southern hemisphere: the sun in the north.
  cases.push([30, 40, 2000], [330, 40, 2000]);

  it.each(cases)('sun azimuth %i, zenith %i, cloud at %i m', (azimuth, zenith, h) => {
    const scene = makeScene(centred(640, { zenith, azimuth }, h));
    const res = detectShadows(scene.input, { dilate: 0 });
    const obj = res.objects[0];
    expect(res.objects).toHaveLength(1);
    expect(obj?.height).not.toBeNull();
    const err = Math.abs((obj?.height ?? 0) - h);
    const score = iou(res.shadow, scene.truth);
    console.log(
      `az ${azimuth} zen ${zenith} h ${h}: found ${obj?.height?.toFixed(0)} m (err ${err.toFixed(1)} m, step ${stepFor(zenith).toFixed(1)} m), score ${obj?.score.toFixed(3)}, IoU ${score.toFixed(3)}`,
    );
    expect(err).toBeLessThanOrEqual(stepFor(zenith) + 1e-6);
    expect(score).toBeGreaterThan(0.9);
  });

  it('corrects the view parallax', () => {
    const spec = centred(640, { zenith: 35, azimuth: 160 }, 3000);
    spec.view = { zenith: 9, azimuth: 105 };
    const scene = makeScene(spec);
    const res = detectShadows(scene.input, { dilate: 0 });
    const h = res.objects[0]?.height ?? 0;
    // One pixel of the combined offset.
    const step = 1 / Math.hypot(scene.rowsPerMetre, scene.colsPerMetre);
    expect(Math.abs(h - 3000)).toBeLessThanOrEqual(step + 1e-6);
    expect(iou(res.shadow, scene.truth)).toBeGreaterThan(0.9);
  });

  it('finds the partial shadow of a cloud at the image edge', () => {
    // Sun azimuth 150, zenith 50, 4 km: shadow 238 px north-north-west, mostly off the top edge.
    const scene = makeScene({
      width: 500,
      height: 500,
      sun: { zenith: 50, azimuth: 150 },
      clouds: [{ row: 240, col: 300, radius: 45, height: 4000 }],
    });
    expect(count(scene.truth)).toBeGreaterThan(500);
    const res = detectShadows(scene.input, { dilate: 0 });
    expect(Math.abs((res.objects[0]?.height ?? 0) - 4000)).toBeLessThanOrEqual(stepFor(50) + 1e-6);
    expect(iou(res.shadow, scene.truth)).toBeGreaterThan(0.9);
    // A cloud cut by the edge whose shadow leaves the image entirely: no crash, no shadow.
    const off = makeScene({
      width: 300,
      height: 300,
      sun: { zenith: 50, azimuth: 150 },
      clouds: [{ row: 5, col: 150, radius: 30, height: 3000 }],
    });
    const r2 = detectShadows(off.input);
    expect(count(r2.shadow)).toBe(0);
  });

  it('does not flag water near a cloud', () => {
    const spec = centred(640, { zenith: 40, azimuth: 150 }, 2000);
    const cl = spec.clouds[0];
    if (!cl) throw new Error('no cloud');
    // Water east of the cloud, away from its shadow (which falls north-west).
    spec.water = [[cl.row - 60, cl.col + 70, cl.row + 60, cl.col + 160]];
    const scene = makeScene(spec);
    const res = detectShadows(scene.input, { dilate: 3 });
    let onWater = 0;
    let candOnWater = 0;
    for (let r = cl.row - 60; r < cl.row + 60; r++) {
      for (let c = cl.col + 70; c < cl.col + 160; c++) {
        onWater += res.shadow[r * 640 + c] as number;
        candOnWater += res.candidates[r * 640 + c] as number;
      }
    }
    expect(onWater).toBe(0);
    expect(candOnWater).toBe(0);
    expect(iou(detectShadows(scene.input, { dilate: 0 }).shadow, scene.truth)).toBeGreaterThan(0.9);
  });

  it('returns no shadow without clouds', () => {
    const scene = makeScene({ width: 300, height: 300, sun: { zenith: 40, azimuth: 150 }, clouds: [] });
    const res = detectShadows(scene.input);
    expect(res.objects).toHaveLength(0);
    expect(count(res.shadow)).toBe(0);
    // Texture and noise alone make (almost) no candidates.
    expect(count(res.candidates)).toBeLessThan(0.001 * 300 * 300);
  });

  it('respects no-data', () => {
    const spec = centred(640, { zenith: 40, azimuth: 210 }, 3000);
    // A no-data band across the middle of the shadow path, and the left margin outside the swath.
    spec.noData = [
      [0, 0, 640, 60],
      [300, 0, 330, 640],
    ];
    const scene = makeScene(spec);
    const res = detectShadows(scene.input, { dilate: 3 });
    for (let i = 0; i < res.shadow.length; i++) {
      if (!scene.input.valid[i]) {
        expect(res.shadow[i]).toBe(0);
        expect(res.candidates[i]).toBe(0);
      }
    }
    // Land next to the no-data is not a "pit".
    let nearEdge = 0;
    for (let r = 0; r < 640; r++) nearEdge += res.candidates[r * 640 + 60] as number;
    expect(nearEdge).toBe(0);
    expect(iou(detectShadows(scene.input, { dilate: 0 }).shadow, scene.truth)).toBeGreaterThan(0.9);
  });

  it('dilates by the requested radius, never over cloud', () => {
    const scene = makeScene(centred(400, { zenith: 40, azimuth: 150 }, 1500, 25));
    const a = detectShadows(scene.input, { dilate: 0 });
    const b = detectShadows(scene.input, { dilate: 3 });
    expect(count(b.shadow)).toBeGreaterThan(count(a.shadow));
    for (let i = 0; i < b.shadow.length; i++) if (scene.input.cloud[i]) expect(b.shadow[i]).toBe(0);
  });

  it('matches several clouds at different heights', () => {
    const scene = makeScene({
      width: 800,
      height: 800,
      sun: { zenith: 45, azimuth: 155 },
      clouds: [
        { row: 250, col: 250, radius: 30, height: 1500 },
        { row: 600, col: 500, radius: 35, height: 6000 },
        { row: 650, col: 150, radius: 20, height: 800 },
      ],
    });
    const res = detectShadows(scene.input, { dilate: 0 });
    const hs = res.objects.map((o) => o.height ?? 0).sort((x, y) => x - y);
    expect(hs).toHaveLength(3);
    [800, 1500, 6000].forEach((h, k) =>
      expect(Math.abs((hs[k] ?? 0) - h)).toBeLessThanOrEqual(stepFor(45) + 1e-6),
    );
    expect(iou(res.shadow, scene.truth)).toBeGreaterThan(0.9);
  });

  it('cancels through an AbortSignal', async () => {
    const scene = makeScene(centred(400, { zenith: 40, azimuth: 150 }, 1500, 25));
    const ac = new AbortController();
    ac.abort();
    expect(() => detectShadows(scene.input, { signal: ac.signal })).toThrow(/cancel/i);
    await expect(detectShadowsAsync(scene.input, { signal: ac.signal })).rejects.toThrow(/cancel/i);
    // An abort that lands while it runs (the async variant yields to the event loop).
    const big = makeScene({
      width: 1500,
      height: 1500,
      sun: { zenith: 60, azimuth: 150 },
      clouds: Array.from({ length: 40 }, (_, k) => ({
        row: 100 + (k % 8) * 170,
        col: 100 + Math.floor(k / 8) * 280,
        radius: 30,
        height: 11000,
      })),
    });
    const ac2 = new AbortController();
    const p = detectShadowsAsync(big.input, { signal: ac2.signal, heightStep: 2 });
    setTimeout(() => ac2.abort(), 30);
    await expect(p).rejects.toThrow(/cancel/i);
  });

  it('rejects inputs whose size does not match the grid', () => {
    const scene = makeScene({ width: 50, height: 50, sun: { zenith: 40, azimuth: 150 }, clouds: [] });
    expect(() => detectShadows({ ...scene.input, nir: new Float32Array(10) })).toThrow(/nir/);
  });
});
