/** Test helpers: GDAL CLI oracles (raw band values) and synthetic rasters written with gdal_translate. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 's2-masks-'));
}

export function gdal(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Raw values of one band as GDAL reads them (converted to Float32 so nothing is clamped). */
export function gdalBandValues(file: string, band: number, dir: string): Float32Array {
  const out = join(dir, `raw-${band}-${Math.random().toString(36).slice(2)}.bin`);
  gdal('gdal_translate', ['-q', '-of', 'ENVI', '-ot', 'Float32', '-b', String(band), file, out]);
  const buf = readFileSync(out);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** value -> count. */
export function histogram(values: ArrayLike<number>): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < values.length; i++) m.set(values[i] as number, (m.get(values[i] as number) ?? 0) + 1);
  return m;
}

/**
 * Writes a single-band GeoTIFF from values through an AAIGrid (.asc) and gdal_translate:
 * north-up, origin (x0, y0) top-left corner, square pixels of `size`.
 */
export function writeGeoTiff(
  dir: string,
  name: string,
  values: ArrayLike<number>,
  width: number,
  opts: {
    epsg?: number;
    srs?: string;
    x0?: number;
    y0?: number;
    size?: number;
    type?: string;
    noData?: number;
  } = {},
): string {
  const height = values.length / width;
  const size = opts.size ?? 10;
  const x0 = opts.x0 ?? 300000;
  const y0 = opts.y0 ?? 4900020;
  const lines = [
    `ncols ${width}`,
    `nrows ${height}`,
    `xllcorner ${x0}`,
    `yllcorner ${y0 - height * size}`,
    `cellsize ${size}`,
  ];
  for (let r = 0; r < height; r++)
    lines.push(Array.from({ length: width }, (_, c) => values[r * width + c]).join(' '));
  const asc = join(dir, `${name}.asc`);
  writeFileSync(asc, lines.join('\n') + '\n');
  const tif = join(dir, name);
  const args = ['-q', '-ot', opts.type ?? 'Byte', '-a_srs', opts.srs ?? `EPSG:${opts.epsg ?? 32631}`];
  if (opts.noData !== undefined) args.push('-a_nodata', String(opts.noData));
  gdal('gdal_translate', [...args, asc, tif]);
  return tif;
}
