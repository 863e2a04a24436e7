import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads pixels of a raster through gdal_translate into raw ENVI (band-sequential), as an
 * independent oracle. `args` are extra gdal_translate options (-srcwin, -outsize, -r, -b...).
 */
export function gdalRead(
  dir: string,
  input: string,
  args: string[],
  type: 'UInt16' | 'Byte' | 'Float32',
  name = 'oracle',
): Uint16Array | Uint8Array | Float32Array {
  const buf = readFileSync(gdalTranslateRaw(dir, input, args, type, name));
  const copy = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  if (type === 'UInt16') return new Uint16Array(copy);
  if (type === 'Float32') return new Float32Array(copy);
  return new Uint8Array(copy);
}

/** Like gdalRead, but returns the path of the ENVI file (raw + .hdr) for further GDAL steps. */
export function gdalTranslateRaw(
  dir: string,
  input: string,
  args: string[],
  type: string,
  name = 'oracle',
): string {
  const out = join(dir, `${name}-${Math.random().toString(36).slice(2)}.raw`);
  execFileSync('gdal_translate', ['-q', '-of', 'ENVI', '-ot', type, ...args, input, out]);
  return out;
}
