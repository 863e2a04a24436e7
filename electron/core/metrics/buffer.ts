/**
 * Tolerance buffer at class boundaries of the reference (Fmask's evaluation convention: pixels
 * next to a boundary are ambiguous, so they are not scored).
 *
 * Definition (Chebyshev / chessboard distance, i.e. square neighbourhoods):
 * - a reference pixel is a *boundary pixel* when one of its 8 neighbours holds a different valid
 *   class (no-data neighbours do not make a boundary: a mask edge is not a class edge);
 * - with buffer N >= 1, every pixel within Chebyshev distance N - 1 of a boundary pixel is
 *   excluded. Boundary pixels lie on both sides of an edge, so the band is 2N pixels wide, N on
 *   each side; equivalently (away from no data) a pixel is excluded when a pixel of another class
 *   lies within Chebyshev distance N. N = 0 excludes nothing.
 *
 * Cost O(pixels), independent of N: one pass marks boundary pixels by comparing each pixel with
 * its right and three lower neighbours (every 8-neighbour pair once), then a separable square
 * dilation (rows, then columns OR-ed 32 bits at a time through a ring of 2N - 1 rows). The only full-size
 * allocation is the returned mask.
 */
import { S2Error } from '../errors.js';

/** Returns a mask (1 = excluded) of the pixels within `radius` of a reference class boundary. */
export function boundaryBuffer(
  reference: Uint8Array,
  width: number,
  height: number,
  radius: number,
): Uint8Array {
  if (reference.length !== width * height) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `The reference has ${reference.length} pixels, expected ${width}x${height}.`,
    );
  }
  if (!Number.isInteger(radius) || radius < 0 || radius > 10000) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `The boundary buffer must be a whole number of pixels >= 0, got ${radius}.`,
    );
  }
  const out = new Uint8Array(width * height);
  if (radius === 0) return out;
  markBoundaries(reference, width, height, out);
  const k = radius - 1;
  if (k > 0) {
    dilateRows(out, width, height, k);
    dilateColumns(out, width, height, k);
  }
  return out;
}

function markBoundaries(ref: Uint8Array, width: number, height: number, out: Uint8Array): void {
  for (let y = 0; y < height; y++) {
    const hasBelow = y + 1 < height;
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const c = ref[i]!;
      if (c === 0) continue;
      if (x + 1 < width) {
        const d = ref[i + 1]!;
        if (d !== c && d !== 0) out[i] = out[i + 1] = 1;
      }
      if (!hasBelow) continue;
      const j = i + width;
      const b = ref[j]!;
      if (b !== c && b !== 0) out[i] = out[j] = 1;
      if (x > 0) {
        const d = ref[j - 1]!;
        if (d !== c && d !== 0) out[i] = out[j - 1] = 1;
      }
      if (x + 1 < width) {
        const d = ref[j + 1]!;
        if (d !== c && d !== 0) out[i] = out[j + 1] = 1;
      }
    }
  }
}

/**
 * In place: out[x] = any(in[x-k .. x+k]) along each row. Boundaries are sparse: rows are scanned
 * four bytes at a time (an aligned copy viewed as 32-bit words) and each set pixel fills its span.
 */
function dilateRows(out: Uint8Array, width: number, height: number, k: number): void {
  const words = Math.ceil(width / 4);
  const tmp = new Uint8Array(words * 4);
  const tmp32 = new Uint32Array(tmp.buffer);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    tmp.set(out.subarray(row, row + width));
    let filledTo = 0; // out[row + x] for x < filledTo is already set
    for (let w = 0; w < words; w++) {
      if (tmp32[w] === 0) continue;
      for (let x = w * 4; x < Math.min(width, w * 4 + 4); x++) {
        if (tmp[x] === 0) continue;
        const from = Math.max(filledTo, x - k);
        const to = Math.min(width, x + k + 1);
        if (to > from) out.fill(1, row + from, row + to);
        filledTo = to;
      }
    }
  }
}

/**
 * In place: out[y] = any(in[y-k .. y+k]) down each column: a ring of the last 2k + 1 original
 * rows (aligned copies) OR-ed together 32 bits at a time into each output row.
 */
function dilateColumns(out: Uint8Array, width: number, height: number, k: number): void {
  const words = Math.ceil(width / 4);
  const span = 2 * k + 1;
  const ring = new Uint8Array(span * words * 4);
  const ring32 = new Uint32Array(ring.buffer);
  const acc = new Uint8Array(words * 4);
  const acc32 = new Uint32Array(acc.buffer);
  const load = (y: number): void => {
    const slot = (y % span) * words * 4;
    ring.fill(0, slot, slot + words * 4);
    ring.set(out.subarray(y * width, y * width + width), slot);
  };
  for (let y = 0; y < Math.min(k, height); y++) load(y);
  for (let y = 0; y < height; y++) {
    // Rows y+k is read before row y is overwritten; rows above y come from the ring.
    if (y + k < height) load(y + k);
    acc32.fill(0);
    for (let j = Math.max(0, y - k); j <= Math.min(height - 1, y + k); j++) {
      const base = (j % span) * words;
      for (let w = 0; w < words; w++) acc32[w]! |= ring32[base + w]!;
    }
    out.set(acc.subarray(0, width), y * width);
  }
}
