import type { PixelWindow } from '../grid.js';
import type { CodingStyle, Siz } from './markers.js';

/** ceil(a / 2^n) for non-negative a, as OpenJPEG's opj_int_ceildivpow2. */
export const ceilPow2 = (a: number, n: number): number => Math.ceil(a / 2 ** n);

/** A rectangle on the reference grid, [x0, x1) x [y0, y1), absolute coordinates. */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Tile `t` on the full-resolution reference grid (clipped to the image), as in T.800 B.3. */
export function tileRect(siz: Siz, tilesX: number, t: number): Rect {
  const p = t % tilesX;
  const q = Math.floor(t / tilesX);
  return {
    x0: Math.max(siz.tileX0 + p * siz.tileWidth, siz.x0),
    y0: Math.max(siz.tileY0 + q * siz.tileHeight, siz.y0),
    x1: Math.min(siz.tileX0 + (p + 1) * siz.tileWidth, siz.width),
    y1: Math.min(siz.tileY0 + (q + 1) * siz.tileHeight, siz.height),
  };
}

/** A rectangle at resolution level n: every edge is ceil(edge / 2^n), exactly as OpenJPEG reduces. */
export function reduceRect(r: Rect, n: number): Rect {
  return { x0: ceilPow2(r.x0, n), y0: ceilPow2(r.y0, n), x1: ceilPow2(r.x1, n), y1: ceilPow2(r.y1, n) };
}

/** `r` (at level n) as a window relative to the image origin at level n. */
export function rectToWindow(r: Rect, image: Rect): PixelWindow {
  return { x: r.x0 - image.x0, y: r.y0 - image.y0, width: r.x1 - r.x0, height: r.y1 - r.y0 };
}

/**
 * The partition structure that decoding one axis of a tile depends on: per resolution the DWT
 * parity and size, the precinct boundaries and, per sub-band, the code-block boundaries, all
 * relative to the tile's own start. Two placements of a tile with equal signatures decode to
 * the same samples, so a tile may be moved to a small origin without changing a single bit.
 */
function axisSignature(a: number, b: number, levels: number, pp: readonly number[], cb: number): string {
  const parts: number[] = [];
  const inner = (lo: number, hi: number, exp: number): void => {
    const step = 2 ** exp;
    for (let k = Math.floor(lo / step) + 1; k * step < hi; k++) parts.push(k * step - lo);
    parts.push(-1);
  };
  for (let r = 0; r <= levels; r++) {
    const d = levels - r;
    const lo = ceilPow2(a, d);
    const hi = ceilPow2(b, d);
    const p = pp[r] ?? 15;
    parts.push(lo & 1, hi - lo);
    inner(lo, hi, p);
    if (r === 0) {
      inner(lo, hi, Math.min(cb, p));
      continue;
    }
    for (const o of [0, 1]) {
      const blo = Math.ceil((a - 2 ** d * o) / 2 ** (d + 1));
      const bhi = Math.ceil((b - 2 ** d * o) / 2 ** (d + 1));
      parts.push(bhi - blo);
      inner(blo, bhi, Math.min(cb, p - 1));
    }
  }
  return parts.join(',');
}

/**
 * The smallest origin (per axis) to which tile `r` can be moved without changing its decoded
 * samples. It is 0 for the usual layouts (S2: 1024-pixel tiles, 5 levels, 64-pixel code-blocks),
 * which also keeps the WASM decoder's output buffer exactly the tile's size.
 */
export function movedOrigin(r: Rect, styles: readonly CodingStyle[]): { x: number; y: number } {
  const best = (a: number, b: number, axis: 'x' | 'y'): number => {
    const sig = (lo: number, hi: number): string =>
      styles
        .map((s) =>
          axis === 'x'
            ? axisSignature(lo, hi, s.levels, s.ppx, s.cbw)
            : axisSignature(lo, hi, s.levels, s.ppy, s.cbh),
        )
        .join('|');
    const want = sig(a, b);
    for (let k = 0; k < 32; k++) {
      const o = a % 2 ** k;
      if (sig(o, o + b - a) === want) return o;
    }
    return a;
  };
  return { x: best(r.x0, r.x1, 'x'), y: best(r.y0, r.y1, 'y') };
}
