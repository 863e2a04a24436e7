/** Morphology on 0/1 masks: Fmask's 3x3 majority fill-in and circular buffers. */

/**
 * A pixel becomes 1 when at least 5 of its 3x3 neighbourhood (itself included) are 1, as
 * Zhu & Woodcock 2012 (end of section 3.1.2) and python-fmask's uniform_filter incantation do.
 * Outside the image counts as 0.
 */
export function majority3x3(m: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(m.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < w) s += m[yy * w + xx] as number;
        }
      }
      out[y * w + x] = s >= 5 ? 1 : 0;
    }
  }
  return out;
}

/**
 * Dilation by a disc of radius r pixels (python-fmask makeBufferKernel: distance <= r), done as
 * one horizontal run per disc row so it costs O(r) per set pixel on the mask's edge only.
 */
export function dilateDisk(m: Uint8Array, w: number, h: number, r: number): Uint8Array {
  if (r <= 0) return m.slice();
  const out = m.slice();
  const spans: number[] = [];
  for (let dy = -r; dy <= r; dy++) spans.push(Math.floor(Math.sqrt(r * r - dy * dy)));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (m[i] !== 1) continue;
      // Interior pixels (all 4 neighbours set) add nothing beyond what edge pixels add.
      if (x > 0 && x < w - 1 && y > 0 && y < h - 1 && m[i - 1] && m[i + 1] && m[i - w] && m[i + w]) continue;
      for (let k = 0; k < spans.length; k++) {
        const yy = y + k - r;
        if (yy < 0 || yy >= h) continue;
        const s = spans[k] as number;
        const xa = Math.max(0, x - s);
        const xb = Math.min(w - 1, x + s);
        out.fill(1, yy * w + xa, yy * w + xb + 1);
      }
    }
  }
  return out;
}
