/**
 * Grey-scale hole filling (morphological reconstruction by erosion, MATLAB's `imfill(I)`), as
 * Fmask fills NIR and SWIR so that dark pits (shadows) rise to the level of their surroundings.
 *
 * Algorithm: a priority flood from the image border (Soille & Gratin 1994; Vincent 1993's
 * hierarchical queue). Values are quantised to uint16 so the priority queue is a bucket queue:
 * every pixel is pushed and popped once, O(N + levels), no heap.
 */

/** Quantisation of reflectance: 1e-4 per level (the L1C/L2A DN scale), 0 .. 6.5535. */
export const LEVELS_PER_UNIT = 10000;
const MAX_LEVEL = 65535;

/** Reflectance -> uint16 level; NaN -> 0 (callers mask no-data through `valid`). */
export function quantise(v: number): number {
  if (!(v > 0)) return 0;
  const q = Math.round(v * LEVELS_PER_UNIT);
  return q > MAX_LEVEL ? MAX_LEVEL : q;
}

/**
 * Fills the regional minima of `img` (uint16 levels) not connected to the border.
 * `valid` (1 = data): no-data pixels are "outside", like the image border, so pixels next to them
 * are seeds. Seeds enter at max(value, `borderLevel`): Fmask sets the border to the clear-sky
 * background (a low percentile of clear land) so that a shadow touching the edge is still filled.
 * 4-connectivity (imfill's default in 2-D). Returns the filled levels (0 where not valid).
 */
export function fillHoles(
  img: Uint16Array,
  width: number,
  height: number,
  valid: Uint8Array,
  borderLevel: number,
): Uint16Array {
  const n = width * height;
  const out = new Uint16Array(n);
  // 1 = reached or no data (never entered); one byte array keeps the inner loop to one test.
  const closed = new Uint8Array(n);
  for (let p = 0; p < n; p++) closed[p] = valid[p] ? 0 : 1;
  // Bucket queue: one LIFO list per level, linked through `next`.
  const head = new Int32Array(MAX_LEVEL + 1).fill(-1);
  const next = new Int32Array(n);
  let lowest = MAX_LEVEL + 1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const p = row + x;
      if (!valid[p]) continue;
      const edge =
        x === 0 ||
        y === 0 ||
        x === width - 1 ||
        y === height - 1 ||
        !valid[p - 1] ||
        !valid[p + 1] ||
        !valid[p - width] ||
        !valid[p + width];
      if (!edge) continue;
      const v = img[p] as number;
      const level = v > borderLevel ? v : borderLevel;
      out[p] = level;
      closed[p] = 1;
      next[p] = head[level] as number;
      head[level] = p;
      if (level < lowest) lowest = level;
    }
  }
  // The current level never decreases: a neighbour enters at max(its value, current level).
  // Neighbours are inlined (hot loop over every pixel).
  for (let level = lowest; level <= MAX_LEVEL; level++) {
    let p = head[level] as number;
    while (p !== -1) {
      head[level] = next[p] as number;
      const x = p % width;
      let q = p - 1;
      if (x > 0 && !closed[q]) {
        const v = img[q] as number;
        const l = v > level ? v : level;
        out[q] = l;
        closed[q] = 1;
        next[q] = head[l] as number;
        head[l] = q;
      }
      q = p + 1;
      if (x < width - 1 && !closed[q]) {
        const v = img[q] as number;
        const l = v > level ? v : level;
        out[q] = l;
        closed[q] = 1;
        next[q] = head[l] as number;
        head[l] = q;
      }
      q = p - width;
      if (q >= 0 && !closed[q]) {
        const v = img[q] as number;
        const l = v > level ? v : level;
        out[q] = l;
        closed[q] = 1;
        next[q] = head[l] as number;
        head[l] = q;
      }
      q = p + width;
      if (q < n && !closed[q]) {
        const v = img[q] as number;
        const l = v > level ? v : level;
        out[q] = l;
        closed[q] = 1;
        next[q] = head[l] as number;
        head[l] = q;
      }
      p = head[level] as number;
    }
  }
  return out;
}
