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
 * dilation with running counts (rows, then columns through a ring of N rows). The only full-size
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

/** In place: out[x] = any(in[x-k .. x+k]) along each row. Boundaries are sparse: each one fills its span. */
function dilateRows(out: Uint8Array, width: number, height: number, k: number): void {
  const tmp = new Uint8Array(width);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    tmp.set(out.subarray(row, row + width));
    let filledTo = 0; // out[row + x] for x < filledTo is already set
    for (let x = 0; x < width; x++) {
      if (tmp[x] === 0) continue;
      const from = Math.max(filledTo, x - k);
      const to = Math.min(width, x + k + 1);
      if (to > from) out.fill(1, row + from, row + to);
      filledTo = to;
    }
  }
}

/**
 * In place: out[y] = any(in[y-k .. y+k]) down each column, row by row (cache-friendly): per-column
 * counts of the rows in the window, and a ring of the last k + 1 original rows to subtract.
 */
function dilateColumns(out: Uint8Array, width: number, height: number, k: number): void {
  const counts = new Uint16Array(width);
  const ring = new Uint8Array((k + 1) * width);
  for (let y = 0; y < k && y < height; y++) addRow(counts, out, y * width, width, 1);
  for (let y = 0; y < height; y++) {
    if (y + k < height) addRow(counts, out, (y + k) * width, width, 1);
    const slot = (y % (k + 1)) * width;
    if (y - k - 1 >= 0) addRow(counts, ring, slot, width, -1);
    const row = y * width;
    ring.set(out.subarray(row, row + width), slot);
    for (let x = 0; x < width; x++) out[row + x] = counts[x]! > 0 ? 1 : 0;
  }
}

function addRow(counts: Uint16Array, src: Uint8Array, offset: number, width: number, sign: 1 | -1): void {
  for (let x = 0; x < width; x++) counts[x] = counts[x]! + sign * src[offset + x]!;
}
