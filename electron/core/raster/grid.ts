/**
 * Every raster carries its grid: CRS, affine transform, size. The transform is in GDAL's order:
 * [originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight] with pixelHeight < 0
 * for north-up images; (originX, originY) is the outer corner of the top-left pixel.
 */
export type GeoTransform = readonly [number, number, number, number, number, number];

export interface Grid {
  /** EPSG code of the CRS (Sentinel-2 tiles are UTM: 326xx north, 327xx south). */
  epsg: number;
  width: number;
  height: number;
  transform: GeoTransform;
}

/** A pixel rectangle; x, y are the top-left column and row. */
export interface PixelWindow {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Pixel size (absolute, metres for UTM) along x. */
export function pixelSize(grid: Grid): number {
  return Math.abs(grid.transform[1]);
}

/** The window covering the whole grid. */
export function fullWindow(grid: Pick<Grid, 'width' | 'height'>): PixelWindow {
  return { x: 0, y: 0, width: grid.width, height: grid.height };
}

/** Intersection of two windows, or null when they do not overlap. */
export function intersectWindows(a: PixelWindow, b: PixelWindow): PixelWindow | null {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** The grid of a window of `grid` (same CRS and pixel size, shifted origin). */
export function windowGrid(grid: Grid, w: PixelWindow): Grid {
  const [ox, pw, rx, oy, ry, ph] = grid.transform;
  return {
    epsg: grid.epsg,
    width: w.width,
    height: w.height,
    transform: [ox + w.x * pw + w.y * rx, pw, rx, oy + w.x * ry + w.y * ph, ry, ph],
  };
}
