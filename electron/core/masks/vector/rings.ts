/** Ring helpers: signed area and grouping of loose rings into polygons (Shapefile semantics). */
import type { Position, Ring } from './types.js';

/** Shoelace area: > 0 counter-clockwise, < 0 clockwise (x right, y up). */
export function signedArea(ring: Ring): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const p = ring[i] as Position;
    const q = ring[j] as Position;
    a += (q[0] - p[0]) * (q[1] + p[1]);
  }
  return a / 2;
}

/** Even-odd point-in-ring test. */
export function pointInRing(x: number, y: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as Position;
    const [xj, yj] = ring[j] as Position;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Groups Shapefile rings into polygons: clockwise rings are outers, counter-clockwise ones are
 * holes of the first outer that contains them (an orphan hole becomes an outer, as GDAL does).
 */
export function groupRings(rings: Ring[]): Ring[][] {
  const polys: Ring[][] = [];
  const holes: Ring[] = [];
  for (const r of rings) {
    if (r.length < 3) continue;
    if (signedArea(r) <= 0) polys.push([r]);
    else holes.push(r);
  }
  for (const h of holes) {
    const [x, y] = h[0] as Position;
    const owner = polys.find((p) => pointInRing(x, y, p[0] as Ring));
    if (owner) owner.push(h);
    else polys.push([h]);
  }
  return polys;
}
