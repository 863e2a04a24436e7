/**
 * Cloud displacement index (Frantz, Hass, Uhl, Stoffels & Hill 2018; used by Fmask 4 for
 * Sentinel-2). B7, B8 and B8A see a pixel at slightly different times: a raised cloud is shifted
 * between them and the ratio B8/B8A varies locally much more than B7/B8A; flat bright surfaces
 * (built-up, bare soil) have both ratios smooth.
 *   CDI = (var(B7/B8A) - var(B8/B8A)) / (var(B7/B8A) + var(B8/B8A)),  variances in 7x7 windows.
 * Clouds have CDI < -0.5.
 */

export const CDI_WINDOW = 7;
export const CDI_THRESHOLD = -0.5;

/**
 * CDI of rows [y0, y1) of a strip (width w, rows of the strip), with the 7x7 window clipped at the
 * strip edges; NaN inputs are skipped (a window with fewer than 2 values gives CDI 0).
 */
export function computeCdi(
  b7: Float32Array,
  b8: Float32Array,
  b8a: Float32Array,
  w: number,
  h: number,
  y0: number,
  y1: number,
): Float32Array {
  const n = w * h;
  const r1 = new Float64Array(n);
  const r2 = new Float64Array(n);
  const ok = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = b8a[i] as number;
    const v7 = b7[i] as number;
    const v8 = b8[i] as number;
    if (a > 0 && Number.isFinite(v7) && Number.isFinite(v8)) {
      r1[i] = v7 / a;
      r2[i] = v8 / a;
      ok[i] = 1;
    }
  }
  // Box sums by integral images: O(1) per pixel whatever the window.
  const W = w + 1;
  const s1 = new Float64Array(W * (h + 1));
  const q1 = new Float64Array(W * (h + 1));
  const s2 = new Float64Array(W * (h + 1));
  const q2 = new Float64Array(W * (h + 1));
  const c = new Float64Array(W * (h + 1));
  for (let y = 0; y < h; y++) {
    let a1 = 0;
    let b1 = 0;
    let a2 = 0;
    let b2 = 0;
    let cc = 0;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const v1 = r1[i] as number;
      const v2 = r2[i] as number;
      a1 += v1;
      b1 += v1 * v1;
      a2 += v2;
      b2 += v2 * v2;
      cc += ok[i] as number;
      const j = (y + 1) * W + x + 1;
      const k = y * W + x + 1;
      s1[j] = (s1[k] as number) + a1;
      q1[j] = (q1[k] as number) + b1;
      s2[j] = (s2[k] as number) + a2;
      q2[j] = (q2[k] as number) + b2;
      c[j] = (c[k] as number) + cc;
    }
  }
  const box = (t: Float64Array, xa: number, ya: number, xb: number, yb: number): number =>
    (t[yb * W + xb] as number) -
    (t[ya * W + xb] as number) -
    (t[yb * W + xa] as number) +
    (t[ya * W + xa] as number);
  const half = (CDI_WINDOW - 1) / 2;
  const out = new Float32Array((y1 - y0) * w);
  for (let y = y0; y < y1; y++) {
    const ya = Math.max(0, y - half);
    const yb = Math.min(h, y + half + 1);
    for (let x = 0; x < w; x++) {
      const xa = Math.max(0, x - half);
      const xb = Math.min(w, x + half + 1);
      const cnt = box(c, xa, ya, xb, yb);
      if (cnt < 2) continue;
      const m1 = box(s1, xa, ya, xb, yb) / cnt;
      const m2 = box(s2, xa, ya, xb, yb) / cnt;
      const v1 = Math.max(0, box(q1, xa, ya, xb, yb) / cnt - m1 * m1);
      const v2 = Math.max(0, box(q2, xa, ya, xb, yb) / cnt - m2 * m2);
      const s = v1 + v2;
      out[(y - y0) * w + x] = s > 1e-12 ? (v1 - v2) / s : 0;
    }
  }
  return out;
}
