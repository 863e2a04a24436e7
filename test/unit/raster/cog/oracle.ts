/** GDAL and geotiff.js oracles for the COG writer tests. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import type { CogTypedArray } from '../../../../electron/core/raster/cog/index.js';

/** Debian's python3-gdal ships GDAL's own COG validator. */
const VALIDATOR = '/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_cloud_optimized_geotiff.py';
const PYTHON = '/usr/bin/python3';

export interface GdalInfo {
  size: [number, number];
  geoTransform: number[];
  coordinateSystem: { wkt: string };
  stac?: { 'proj:epsg'?: number };
  metadata: Record<string, Record<string, string>>;
  bands: {
    type: string;
    block: [number, number];
    description?: string;
    noDataValue?: number | string;
    colorInterpretation: string;
    overviews?: { size: [number, number] }[];
    colorTable?: { count: number; entries: number[][] };
    metadata: Record<string, Record<string, string>>;
  }[];
}

export function gdalinfo(path: string): GdalInfo {
  return JSON.parse(execFileSync('gdalinfo', ['-json', path], { encoding: 'utf8' })) as GdalInfo;
}

/** Values of all bands at (x, y) by gdallocationinfo (pixel/line coordinates). */
export function gdalValuesAt(path: string, x: number, y: number): number[] {
  const out = execFileSync('gdallocationinfo', ['-valonly', path, String(x), String(y)], {
    encoding: 'utf8',
  });
  return out.trim().split('\n').map(Number);
}

/**
 * Band `band` (1-based) of `path`, or of its overview `ovr` (0-based), through gdal_translate
 * to raw ENVI in the file's own data type.
 */
export function gdalRead(
  dir: string,
  path: string,
  band: number,
  bytesPerSample: number,
  ovr?: number,
): Buffer {
  const out = join(dir, `gdal-b${band}-o${ovr ?? 'full'}.raw`);
  const args = ['-q', '-of', 'ENVI', '-b', String(band)];
  if (ovr !== undefined) args.push('-ovr', String(ovr));
  execFileSync('gdal_translate', [...args, path, out]);
  const buf = readFileSync(out);
  if (buf.length % bytesPerSample !== 0) throw new Error('odd raw size');
  return buf;
}

/** Every band of image `index` (0 = full resolution, 1.. = overviews) read by geotiff.js. */
export async function geotiffRead(
  path: string,
  index: number,
): Promise<{ width: number; height: number; bands: CogTypedArray[] }> {
  const tiff = await fromFile(path);
  try {
    const image = await tiff.getImage(index);
    const rasters = await image.readRasters({ interleave: false });
    const bands: CogTypedArray[] = [];
    for (let i = 0; i < rasters.length; i++) bands.push(rasters[i] as CogTypedArray);
    return { width: image.getWidth(), height: image.getHeight(), bands };
  } finally {
    await tiff.close();
  }
}

export async function geotiffImageCount(path: string): Promise<number> {
  const tiff = await fromFile(path);
  try {
    return await tiff.getImageCount();
  } finally {
    await tiff.close();
  }
}

export function hasValidator(): boolean {
  return (
    existsSync(VALIDATOR) && spawnSync(PYTHON, ['-c', 'import osgeo.gdal'], { stdio: 'ignore' }).status === 0
  );
}

/** GDAL's validate_cloud_optimized_geotiff.py with leader/trailer checks; returns its output. */
export function validateCog(path: string): { ok: boolean; output: string } {
  const r = spawnSync(PYTHON, [VALIDATOR, '--full-check=yes', path], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** Reference 2x2 cascades (written independently of the writer's row-streaming reducers). */
export function referenceOverview(
  src: ArrayLike<number>,
  w: number,
  h: number,
  method: 'nearest' | 'mode' | 'average',
  nodata: number | undefined,
  round: boolean,
): { data: number[]; width: number; height: number } {
  const ow = Math.ceil(w / 2);
  const oh = Math.ceil(h / 2);
  const data: number[] = [];
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const block: number[] = [];
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const sx = 2 * x + dx;
        const sy = 2 * y + dy;
        if (sx < w && sy < h) block.push(src[sy * w + sx]!);
      }
      if (method === 'nearest') {
        data.push(block[0]!);
        continue;
      }
      const valid = block.filter((v) => !Number.isNaN(v) && v !== nodata);
      if (valid.length === 0) {
        data.push(nodata ?? NaN);
      } else if (method === 'average') {
        const mean = valid.reduce((a, b) => a + b, 0) / valid.length;
        data.push(round ? Math.round(mean) : Math.fround(mean));
      } else {
        const counts = new Map<number, number>();
        for (const v of valid) counts.set(v, (counts.get(v) ?? 0) + 1);
        let best = valid[0]!;
        for (const v of valid) if (counts.get(v)! > counts.get(best)!) best = v;
        data.push(best);
      }
    }
  }
  return { data, width: ow, height: oh };
}
