import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { Grid } from '../../../electron/core/raster/grid.js';
import { tileBoundsMercator } from '../../../electron/core/tiles/mercator.js';
import { mapTile } from '../../../electron/core/tiles/warp.js';
import { DATA_DIR } from '../../helpers/env.js';

export const SMALL_L1C = join(DATA_DIR, 'scenes', 'small-L1C');
export const SMALL_L2A = join(DATA_DIR, 'scenes', 'small-L2A');

/** The .SAFE folder the fixture builder wrote under `dir`, or null when it is not there. */
export function safeIn(dir: string): string | null {
  try {
    const safe = readdirSync(dir).find((d) => d.endsWith('.SAFE'));
    return safe ? join(dir, safe) : null;
  } catch {
    return null;
  }
}

/** A band file of a generated product (first match of `_<band>.jp2` or `_<band>_<res>m.jp2`). */
export function bandFile(safe: string, band: string): string {
  const granule = join(safe, 'GRANULE', readdirSync(join(safe, 'GRANULE'))[0]!, 'IMG_DATA');
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
    );
  const files = walk(granule).sort();
  const hit = files.find((f) => new RegExp(`_${band}(_10m|_20m|_60m)?\\.jp2$`).test(f));
  if (!hit) throw new Error(`no ${band} in ${granule}`);
  return hit;
}

/** Decodes the PNGs our encoder writes (8-bit RGBA, filter 0 on every row). */
export function decodePng(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('ascii', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 6) throw new Error('not 8-bit RGBA');
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    if (raw[row] !== 0) throw new Error('unexpected PNG filter');
    rgba.set(raw.subarray(row + 1, row + 1 + width * 4), y * width * 4);
  }
  return { width, height, rgba };
}

/** The full-resolution grid of a georeferenced raster, from gdalinfo -json. */
export function gdalGrid(file: string, epsg: number): Grid {
  const info = JSON.parse(execFileSync('gdalinfo', ['-json', file], { encoding: 'utf8' })) as {
    size: [number, number];
    geoTransform: [number, number, number, number, number, number];
  };
  return { epsg, width: info.size[0], height: info.size[1], transform: info.geoTransform };
}

/**
 * gdalwarp's rendering of tile z/x/y of `file` (first band, UInt16), nearest neighbour, from the
 * full resolution (`level` 0) or the JPEG2000 reduced level `level` (GDAL overview level - 1).
 */
export function gdalwarpTile(file: string, z: number, x: number, y: number, level: number): Uint16Array {
  const dir = mkdtempSync(join(tmpdir(), 's2-gdalwarp-'));
  try {
    const out = join(dir, 'tile.raw');
    const [minX, minY, maxX, maxY] = tileBoundsMercator(z, x, y);
    execFileSync('gdalwarp', [
      '-q',
      '-t_srs',
      'EPSG:3857',
      '-te',
      String(minX),
      String(minY),
      String(maxX),
      String(maxY),
      '-ts',
      '256',
      '256',
      '-r',
      'near',
      // Exact transformer: GDAL's default approximation (0.125 px) alone splits ties differently.
      '-et',
      '0',
      '-ovr',
      level === 0 ? 'NONE' : String(level - 1),
      '-ot',
      'UInt16',
      '-of',
      'ENVI',
      file,
      out,
    ]);
    const buf = readFileSync(out);
    return new Uint16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Compares our rendering of a tile with the oracle's. `equal`: the share of identical pixels.
 * `farther`: pixels where the oracle's value is none of the source pixels within one pixel of the
 * source pixel we sampled (outside the image reads 0), i.e. positions more than a pixel apart.
 * Ties on a pixel boundary go either way between two implementations, hence the neighbourhood.
 */
export function compareWithinOnePixel(
  ours: ArrayLike<number>,
  oracle: ArrayLike<number>,
  src: {
    z: number;
    x: number;
    y: number;
    grid: Grid;
    level: number;
    data: ArrayLike<number>;
    width: number;
    height: number;
  },
): { equal: number; farther: number } {
  const map = mapTile(src.z, src.x, src.y, src.grid, 1);
  if (!map) throw new Error('tile misses the grid');
  const fx = src.width / src.grid.width;
  const fy = src.height / src.grid.height;
  let equal = 0;
  let farther = 0;
  const at = (c: number, r: number): number =>
    c >= 0 && r >= 0 && c < src.width && r < src.height ? (src.data[r * src.width + c] as number) : 0;
  for (let i = 0; i < 256 * 256; i++) {
    if (ours[i] === oracle[i]) {
      equal++;
      continue;
    }
    const c = Math.floor((map.sx[i] as number) * fx);
    const r = Math.floor((map.sy[i] as number) * fy);
    let near = false;
    for (let dr = -1; dr <= 1 && !near; dr++) {
      for (let dc = -1; dc <= 1 && !near; dc++) if (at(c + dc, r + dr) === oracle[i]) near = true;
    }
    if (!near) farther++;
  }
  return { equal: equal / (256 * 256), farther };
}
