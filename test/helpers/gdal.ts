import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes a float32 raster as ENVI (raw + .hdr) so GDAL can read it without georeferencing. */
export function writeEnviFloat32(
  dir: string,
  name: string,
  data: Float32Array,
  width: number,
  height: number,
): string {
  const raw = join(dir, `${name}.raw`);
  writeFileSync(raw, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  writeFileSync(
    join(dir, `${name}.hdr`),
    `ENVI\nsamples = ${width}\nlines = ${height}\nbands = 1\nheader offset = 0\nfile type = ENVI Standard\n` +
      `data type = 4\ninterleave = bsq\nbyte order = 0\n`,
  );
  return raw;
}

/** Runs gdal_translate with `args` from `input` to a float32 ENVI file and returns its pixels. */
export function gdalTranslateToFloat32(
  dir: string,
  input: string,
  args: string[],
  name = 'gdal-out',
): Float32Array {
  const out = join(dir, `${name}.raw`);
  execFileSync('gdal_translate', ['-q', '-of', 'ENVI', '-ot', 'Float32', ...args, input, out]);
  const buf = readFileSync(out);
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}
