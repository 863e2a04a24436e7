/** One band of a tile as raw samples (nearest neighbour): what image tiles colour, and what tests hold against gdalwarp. */
import type { Grid } from '../raster/grid.js';
import type { Jp2Pyramid } from './jp2-pyramid.js';
import { TILE_SIZE } from './mercator.js';
import { chooseLevel, levelScale, levelWindow, mapTile } from './warp.js';

/**
 * The samples of `pyramid` (whose full-resolution grid is `grid`) under tile z/x/y, read at
 * `opts.level` or the level just finer than the tile's pixels; 0 outside the image. Null when
 * the tile misses the grid.
 */
export async function bandTileDn(
  pyramid: Jp2Pyramid,
  grid: Grid,
  z: number,
  x: number,
  y: number,
  opts: { level?: number; step?: number; signal?: AbortSignal } = {},
): Promise<{ level: number; data: Uint16Array } | null> {
  const map = mapTile(z, x, y, grid, opts.step);
  if (!map) return null;
  const level = opts.level ?? chooseLevel(map.scale, pyramid.levels);
  const { fx, fy } = levelScale(pyramid.levelSize(0), pyramid.levelSize(level));
  const win = await pyramid.read(level, levelWindow(map, fx, fy), opts.signal);
  const n = TILE_SIZE * TILE_SIZE;
  const out = new Uint16Array(n);
  if (!win) return { level, data: out };
  for (let i = 0; i < n; i++) {
    const px = Math.floor((map.sx[i] as number) * fx) - win.x;
    const py = Math.floor((map.sy[i] as number) * fy) - win.y;
    if (px >= 0 && py >= 0 && px < win.width && py < win.height)
      out[i] = win.data[py * win.width + px] as number;
  }
  return { level, data: out };
}
