import type { CogTypedArray } from './types.js';

/**
 * TIFF predictor 2 (horizontal differencing), in place, on `rows` rows of `rowSamples` samples
 * with `spp` interleaved samples per pixel. Typed-array stores wrap modulo 2^bits exactly as
 * libtiff's integer arithmetic does, for signed and unsigned types alike.
 */
export function horizontalDiff(
  a: Uint8Array | Uint16Array | Int16Array,
  rows: number,
  rowSamples: number,
  spp: number,
): void {
  for (let r = 0; r < rows; r++) {
    const start = r * rowSamples;
    for (let i = start + rowSamples - 1; i >= start + spp; i--) {
      a[i] = a[i]! - a[i - spp]!;
    }
  }
}

/**
 * TIFF predictor 3 (floating point, Adobe TN 3): per row, the bytes of each sample are split
 * into planes, most significant byte first, then differenced bytewise with a stride of spp.
 * Returns the encoded bytes (the layout is byte-order independent).
 */
export function floatingPointDiff(
  a: Float32Array,
  rows: number,
  rowSamples: number,
  spp: number,
): Uint8Array {
  const bps = 4;
  const rowBytes = rowSamples * bps;
  const src = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(rows * rowBytes);
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (let r = 0; r < rows; r++) {
    const base = r * rowBytes;
    for (let s = 0; s < rowSamples; s++) {
      const sp = base + s * bps;
      for (let b = 0; b < bps; b++) {
        // Plane 0 takes the most significant byte.
        const plane = littleEndian ? bps - 1 - b : b;
        out[base + plane * rowSamples + s] = src[sp + b]!;
      }
    }
    for (let i = base + rowBytes - 1; i >= base + spp; i--) {
      out[i] = (out[i]! - out[i - spp]!) & 0xff;
    }
  }
  return out;
}

/** Applies the predictor for the array's type and returns the tile's bytes (little-endian). */
export function predictTile(tile: CogTypedArray, rows: number, rowSamples: number, spp: number): Uint8Array {
  if (tile instanceof Float32Array) return floatingPointDiff(tile, rows, rowSamples, spp);
  horizontalDiff(tile, rows, rowSamples, spp);
  return new Uint8Array(tile.buffer, tile.byteOffset, tile.byteLength);
}
