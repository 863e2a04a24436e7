/**
 * Inverse mapping from a Web Mercator tile to a source raster: for every output pixel centre, the
 * (fractional) pixel of the source grid it falls in. Projecting all 65 536 pixels through proj4 is
 * slow, so only a control grid goes through proj4 (every `step` output pixels, 17 x 17 points by
 * default) and the positions in between are interpolated bilinearly. Over 16 output pixels the
 * curvature of the Mercator -> UTM mapping is tiny: the error stays below 0.01 output pixel from
 * zoom 6 on (warp.test.ts measures it), far below the 0.125 px GDAL's own approximate transformer
 * allows. A control point that does not project (NaN) falls back to proj4 per pixel.
 */
import type { Grid } from '../raster/grid.js';
import { transformer, type PointTransform } from '../masks/adapters/crs.js';
import { tileBoundsMercator, TILE_SIZE } from './mercator.js';

export interface TileMapping {
  /** Source column (level-0 pixels, fractional; floor() is the pixel) of each output pixel, row-major. */
  sx: Float64Array;
  /** Source row, same layout. */
  sy: Float64Array;
  /** Source pixels per output pixel at the tile centre (mean of the x and y steps). */
  scale: number;
  /** Bounding box of the finite positions, in level-0 source pixels. */
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

const transforms = new Map<number, PointTransform>();

/** proj4 transform from EPSG:3857 to `epsg`, cached per code. */
export function fromMercator(epsg: number): PointTransform {
  let t = transforms.get(epsg);
  if (!t) {
    t = transformer(3857, epsg);
    transforms.set(epsg, t);
  }
  return t;
}

/** Inverse of a GDAL geotransform: col = c0 + x*cx + y*cy, row = r0 + x*rx + y*ry. */
export function invertTransform(t: Grid['transform']): [number, number, number, number, number, number] {
  const [ox, a, b, oy, d, e] = t;
  const det = a * e - b * d;
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [-(ia * ox + ib * oy), ia, ib, -(id * ox + ie * oy), id, ie];
}

/** 0, step, 2*step, ... and the last index n - 1. */
function controlPositions(n: number, step: number): number[] {
  const out: number[] = [];
  for (let v = 0; v < n - 1; v += step) out.push(v);
  out.push(n - 1);
  return out;
}

/**
 * Source pixel positions of a tile's pixels on `grid` (any CRS proj4 knows). `step` is the
 * control-point spacing in output pixels (1 = proj4 for every pixel). Returns null when no pixel
 * of the tile falls on the grid.
 */
export function mapTile(z: number, x: number, y: number, grid: Grid, step = 16): TileMapping | null {
  const n = TILE_SIZE;
  const [minX, , , maxY] = tileBoundsMercator(z, x, y);
  const res = (tileBoundsMercator(z, x, y)[2] - minX) / n;
  const toSrc = fromMercator(grid.epsg);
  const inv = invertTransform(grid.transform);
  const project = (c: number, r: number): [number, number] => {
    const [X, Y] = toSrc(minX + (c + 0.5) * res, maxY - (r + 0.5) * res);
    return [inv[0] + X * inv[1] + Y * inv[2], inv[3] + X * inv[4] + Y * inv[5]];
  };
  const sx = new Float64Array(n * n);
  const sy = new Float64Array(n * n);
  const s = Math.max(1, Math.floor(step));
  const pos = controlPositions(n, s);
  const m = pos.length;
  const cx = new Float64Array(m * m);
  const cy = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < m; i++) {
      const [a, b] = project(pos[i] as number, pos[j] as number);
      cx[j * m + i] = a;
      cy[j * m + i] = b;
    }
  }
  // Interpolation weights per column (shared by all rows).
  const ci = new Int32Array(n);
  const ct = new Float64Array(n);
  for (let c = 0, i = 0; c < n; c++) {
    while (i + 2 < m && (pos[i + 1] as number) <= c) i++;
    const c0 = pos[i] as number;
    const c1 = pos[i + 1] as number;
    ci[c] = i;
    ct[c] = (c - c0) / (c1 - c0);
  }
  for (let r = 0, j = 0; r < n; r++) {
    while (j + 2 < m && (pos[j + 1] as number) <= r) j++;
    const r0 = pos[j] as number;
    const ty = (r - r0) / ((pos[j + 1] as number) - r0);
    const a = j * m;
    const b = (j + 1) * m;
    const o = r * n;
    for (let c = 0; c < n; c++) {
      const i = ci[c] as number;
      const tx = ct[c] as number;
      const w00 = (1 - tx) * (1 - ty);
      const w01 = tx * (1 - ty);
      const w10 = (1 - tx) * ty;
      const w11 = tx * ty;
      let vx =
        (cx[a + i] as number) * w00 +
        (cx[a + i + 1] as number) * w01 +
        (cx[b + i] as number) * w10 +
        (cx[b + i + 1] as number) * w11;
      let vy =
        (cy[a + i] as number) * w00 +
        (cy[a + i + 1] as number) * w01 +
        (cy[b + i] as number) * w10 +
        (cy[b + i + 1] as number) * w11;
      if (vx !== vx || vy !== vy) [vx, vy] = project(c, r);
      sx[o + c] = vx;
      sy[o + c] = vy;
    }
  }
  let bx0 = Infinity;
  let by0 = Infinity;
  let bx1 = -Infinity;
  let by1 = -Infinity;
  for (let k = 0; k < sx.length; k++) {
    const vx = sx[k] as number;
    const vy = sy[k] as number;
    if (vx !== vx || vy !== vy) continue;
    if (vx < bx0) bx0 = vx;
    if (vx > bx1) bx1 = vx;
    if (vy < by0) by0 = vy;
    if (vy > by1) by1 = vy;
  }
  if (!(bx1 >= 0 && by1 >= 0 && bx0 < grid.width && by0 < grid.height)) return null;
  // Source pixels per output pixel at the centre: the lengths of one output pixel step.
  const k0 = (n / 2) * n + n / 2;
  const dxc = Math.hypot(
    (sx[k0 + 1] as number) - (sx[k0] as number),
    (sy[k0 + 1] as number) - (sy[k0] as number),
  );
  const dyr = Math.hypot(
    (sx[k0 + n] as number) - (sx[k0] as number),
    (sy[k0 + n] as number) - (sy[k0] as number),
  );
  return { sx, sy, scale: (dxc + dyr) / 2, minX: bx0, minY: by0, maxX: bx1, maxY: by1 };
}

/**
 * The reduced resolution level to read for `scale` source pixels per output pixel: the coarsest
 * level whose pixels are still no larger than the tile's (2^L <= scale), as gdalwarp's default
 * overview choice does, capped at `maxLevel`.
 */
export function chooseLevel(scale: number, maxLevel: number): number {
  let level = 0;
  while (level < maxLevel && 2 ** (level + 1) <= scale * (1 + 1e-9)) level++;
  return level;
}

/** Largest error (in output pixels) of the control-grid positions against proj4 per pixel. */
export function controlGridError(z: number, x: number, y: number, grid: Grid, step = 16): number {
  const approx = mapTile(z, x, y, grid, step);
  const exact = mapTile(z, x, y, grid, 1);
  if (!approx || !exact) return 0;
  let worst = 0;
  for (let k = 0; k < approx.sx.length; k++) {
    const e = Math.hypot(
      (approx.sx[k] as number) - (exact.sx[k] as number),
      (approx.sy[k] as number) - (exact.sy[k] as number),
    );
    if (e > worst) worst = e;
  }
  return worst / exact.scale;
}

/**
 * Level-0 pixel coordinates -> level pixel coordinates. A reduced level of W pixels has
 * ceil(W / 2^L) pixels spread over the same extent, as GDAL georeferences overviews (and as
 * gdalwarp, QGIS and every GDAL-based viewer place them): the factor is levelW / W, not 2^-L.
 */
export function levelScale(
  full: { width: number; height: number },
  level: { width: number; height: number },
): { fx: number; fy: number } {
  return { fx: level.width / full.width, fy: level.height / full.height };
}

/** The window (level pixels) covering every mapped position of a tile, scaled by fx, fy. */
export function levelWindow(
  map: TileMapping,
  fx: number,
  fy: number,
): { x: number; y: number; width: number; height: number } {
  const x = Math.floor(map.minX * fx);
  const y = Math.floor(map.minY * fy);
  return { x, y, width: Math.floor(map.maxX * fx) - x + 1, height: Math.floor(map.maxY * fy) - y + 1 };
}
