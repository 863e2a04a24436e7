/**
 * Web Mercator (EPSG:3857) XYZ tiles, as MapLibre and GDAL use them: 256 x 256 pixels, tile (0, 0)
 * at the north-west corner, y growing southwards, pixel centres at +0.5.
 */
import { S2Error } from '../errors.js';

/** Half the width of the Web Mercator square, in metres (pi * 6378137). */
export const MERCATOR_HALF = 20037508.342789244;
export const TILE_SIZE = 256;
const R = 6378137;

/** Tile bounds in EPSG:3857 metres: [minX, minY, maxX, maxY]. */
export function tileBoundsMercator(z: number, x: number, y: number): [number, number, number, number] {
  const span = (2 * MERCATOR_HALF) / 2 ** z;
  const minX = -MERCATOR_HALF + x * span;
  const maxY = MERCATOR_HALF - y * span;
  return [minX, maxY - span, minX + span, maxY];
}

/** Pixel size of a tile at zoom z, in EPSG:3857 metres. */
export function mercatorPixelSize(z: number): number {
  return (2 * MERCATOR_HALF) / TILE_SIZE / 2 ** z;
}

export function mercatorToLonLat(x: number, y: number): [number, number] {
  return [((x / R) * 180) / Math.PI, (Math.atan(Math.sinh(y / R)) * 180) / Math.PI];
}

export function lonLatToMercator(lon: number, lat: number): [number, number] {
  const l = Math.max(-85.0511287798, Math.min(85.0511287798, lat));
  return [(lon * Math.PI * R) / 180, R * Math.log(Math.tan(Math.PI / 4 + (l * Math.PI) / 360))];
}

/** Tile bounds in lon/lat: [west, south, east, north]. */
export function tileBoundsLonLat(z: number, x: number, y: number): [number, number, number, number] {
  const [minX, minY, maxX, maxY] = tileBoundsMercator(z, x, y);
  const [w, s] = mercatorToLonLat(minX, minY);
  const [e, n] = mercatorToLonLat(maxX, maxY);
  return [w, s, e, n];
}

/** The tiles of zoom z covering a lon/lat box (inclusive ranges). */
export function tilesCovering(
  bounds: readonly [number, number, number, number],
  z: number,
): { x0: number; x1: number; y0: number; y1: number } {
  const [w, s, e, n] = bounds;
  const span = (2 * MERCATOR_HALF) / 2 ** z;
  const [minX, minY] = lonLatToMercator(w, s);
  const [maxX, maxY] = lonLatToMercator(e, n);
  const last = 2 ** z - 1;
  const clamp = (v: number): number => Math.max(0, Math.min(last, v));
  return {
    x0: clamp(Math.floor((minX + MERCATOR_HALF) / span)),
    x1: clamp(Math.floor((maxX + MERCATOR_HALF) / span - 1e-9)),
    y0: clamp(Math.floor((MERCATOR_HALF - maxY) / span)),
    y1: clamp(Math.floor((MERCATOR_HALF - minY) / span - 1e-9)),
  };
}

/** The largest zoom at which a lon/lat box fits in a viewport of width x height pixels. */
export function fitZoom(
  bounds: readonly [number, number, number, number],
  width: number,
  height: number,
): number {
  const [w, s, e, n] = bounds;
  const [minX, minY] = lonLatToMercator(w, s);
  const [maxX, maxY] = lonLatToMercator(e, n);
  const zx = Math.log2((width * 2 * MERCATOR_HALF) / TILE_SIZE / (maxX - minX));
  const zy = Math.log2((height * 2 * MERCATOR_HALF) / TILE_SIZE / (maxY - minY));
  return Math.max(0, Math.floor(Math.min(zx, zy)));
}

/** Throws unless z/x/y name a tile. */
export function checkTile(z: number, x: number, y: number): void {
  const ok =
    Number.isInteger(z) &&
    Number.isInteger(x) &&
    Number.isInteger(y) &&
    z >= 0 &&
    z <= 30 &&
    x >= 0 &&
    y >= 0 &&
    x < 2 ** z &&
    y < 2 ** z;
  if (!ok) throw new S2Error('INVALID_ARGUMENT', `No XYZ tile ${z}/${x}/${y}.`, { details: { z, x, y } });
}
