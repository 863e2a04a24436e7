import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, SHARED_DATA, hasTool } from '../../helpers/env.js';

/** DL-L8S2-UV Keras weights shared with the project (read in place). */
export const DLL8S2UV_DIR = resolve(ROOT, '../shared/models/dl-l8s2-uv');
export const WEIGHTS_6B = join(DLL8S2UV_DIR, 'landsatbiomeRGBISWIR7.hdf5');
export const WEIGHTS_4B = join(DLL8S2UV_DIR, 'landsatbiomeRGBI6.hdf5');
export const UKIS_CARDS = resolve(ROOT, '../shared/models/ukis-csmask-cards');
export const CARDS_DIR = join(ROOT, 'native-models');
export const CROP_DIR = join(SHARED_DATA, 'l1c-crop-T31TDH-2015');

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `s2-${prefix}-`));
}

let python: string | null | undefined;

/**
 * A Python 3 that can import numpy and h5py (Debian: python3-numpy python3-h5py). Tries $PYTHON,
 * then python3 on PATH, then /usr/bin/python3 (pyenv shims may hide Debian's packages). Null when
 * none has them, which skips the reference test locally; on CI that is an error, as for hasTool.
 */
export function pythonWithNumpy(): string | null {
  if (python !== undefined) return python;
  python = null;
  for (const candidate of [process.env.PYTHON, 'python3', '/usr/bin/python3']) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ['-c', 'import numpy, h5py'], { stdio: 'ignore' });
      python = candidate;
      break;
    } catch {
      // try the next one
    }
  }
  if (python === null && process.env.CI) {
    throw new Error(
      'python3 with numpy and h5py is required on CI (apt-get install python3-numpy python3-h5py).',
    );
  }
  return python;
}

/** Binary PGM (P5) as written by opj_decompress: 16-bit samples are big-endian. */
export function readPgm(file: string): { width: number; height: number; data: Uint16Array } {
  const buf = readFileSync(file);
  const header: string[] = [];
  let pos = 0;
  while (header.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[pos] ?? 32))) pos++;
    if (buf[pos] === 0x23) {
      while (buf[pos] !== 0x0a) pos++; // comment line
      continue;
    }
    let token = '';
    while (pos < buf.length && !/\s/.test(String.fromCharCode(buf[pos] ?? 32)))
      token += String.fromCharCode(buf[pos++] ?? 0);
    header.push(token);
  }
  pos++; // the single whitespace before the samples
  const [magic, w, h, max] = header;
  if (magic !== 'P5') throw new Error(`${file}: not a binary PGM`);
  const width = Number(w);
  const height = Number(h);
  const data = new Uint16Array(width * height);
  const wide = Number(max) > 255;
  for (let i = 0; i < data.length; i++) data[i] = wide ? buf.readUInt16BE(pos + 2 * i) : (buf[pos + i] ?? 0);
  return { width, height, data };
}

/** Decodes one band of the real L1C crop with OpenJPEG's command-line tool (needs libopenjp2-tools). */
export function decodeCropBand(
  band: string,
  work: string,
): { width: number; height: number; data: Uint16Array } {
  const out = join(work, `${band}.pgm`);
  execFileSync('opj_decompress', ['-i', join(CROP_DIR, `T31TDH_20150726T105026_${band}.jp2`), '-o', out], {
    stdio: 'ignore',
  });
  return readPgm(out);
}

export const canDecodeCrop = (): boolean => hasTool('opj_decompress');
