/**
 * Guessing the adapter of a mask file when the caller names none. In order:
 *   1. a table or preset given                          -> 'table'
 *   2. a product (folder, .SAFE, .zip, MTD_*.xml)       -> L2A 'scl'; L1C 'msk-classi', or
 *                                                          'msk-clouds-gml' on baselines < 04.00;
 *                                                          THEIA L2A (*_MTD_ALL.xml) 'maja'
 *   3. the file name: *_CLM_R1/R2.tif -> maja; *_MG2_R1/R2.tif -> maja-mg2; *.gml -> msk-clouds-gml; SCL -> scl; MSK_CLDPRB / _CLD_20m -> msk-cldprb;
 *      fmask5 -> fmask5; fmask / cfmask -> fmask4; kappamask / km_ or prediction.png -> kappamask
 *      (PNG: kappamask-png); s2cloudless / cloud_prob / CLP -> s2cloudless
 *   4. the values (first band): PNG with only {3, 20, 66, 129, 192, 255} -> kappamask-png;
 *      float with fractions and max <= 1 -> s2cloudless; integers in {0..4, 255} with 255 -> fmask4;
 *      integers in 1..5 with a float data type, or 5 present -> kappamask; integers 0..4 only ->
 *      studio (our class schema: a hand-made reference of 1/2/4 is the common case, while a real
 *      SCL raster always has classes 5..11 too: bare soil, water, unclassified, clouds, snow);
 *      integers 0..11 -> scl.
 *   Before the values: a GeoTIFF whose GDAL metadata names our classes -> 'studio'.
 *   Otherwise an error asks for the adapter. The guess and its reason go into SchemaMask.source.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { S2Error } from '../../errors.js';
import { readRasterBand } from '../raster-io.js';
import { ADAPTER_IDS, type AdapterId } from './ids.js';
import type { AdapterOptions } from './options.js';
import { isStudioMask } from './studio.js';

export interface Guess {
  adapter: AdapterId;
  reason: string;
}

/** Whether a path is a product rather than a raster file. */
export async function isProductPath(file: string): Promise<boolean> {
  if (/\.(safe|zip)$/i.test(file) || /MTD_MSIL\w+\.xml$|_MTD_ALL\.xml$/i.test(file)) return true;
  try {
    return (await stat(file)).isDirectory();
  } catch {
    return false;
  }
}

export function guessFromName(file: string): AdapterId | null {
  const name = basename(file);
  const png = /\.png$/i.test(name);
  if (/_CLM_R\d\.tiff?$/i.test(name)) return 'maja';
  if (/_MG2_R\d\.tiff?$/i.test(name)) return 'maja-mg2';
  if (/\.gml$/i.test(name)) return 'msk-clouds-gml';
  if (/(^|[_.-])SCL([_.-]|$)/i.test(name)) return 'scl';
  if (/MSK_CLDPRB|(^|_)CLD_\d\dm/i.test(name)) return 'msk-cldprb';
  if (/fmask_?5/i.test(name)) return 'fmask5';
  if (/c?fmask/i.test(name)) return 'fmask4';
  if (/kappa|(^|_)km_|^prediction\.png$/i.test(name)) return png ? 'kappamask-png' : 'kappamask';
  if (/s2cloudless|cloud_?prob|(^|_)CLP([_.]|$)/i.test(name)) return 's2cloudless';
  return null;
}

/** Guess from the values of the first band (see the module comment). */
export async function guessFromValues(file: string, opts: AdapterOptions): Promise<AdapterId | null> {
  return (await guessFromValuesWithReason(file, opts))?.adapter ?? null;
}

async function guessFromValuesWithReason(file: string, opts: AdapterOptions): Promise<Guess | null> {
  const band = await readRasterBand(file, opts);
  // Our own COGs name their classes: no need to guess from values.
  if (isStudioMask(band)) return { adapter: 'studio', reason: 'its class names' };
  const byValues = (adapter: AdapterId | null): Guess | null =>
    adapter ? { adapter, reason: 'values' } : null;
  const seen = new Set<number>();
  let fractional = false;
  let max = -Infinity;
  for (let i = 0; i < band.values.length; i++) {
    const v = band.values[i] as number;
    if (v !== v || v === band.noData) continue;
    if (v > max) max = v;
    if (!Number.isInteger(v)) fractional = true;
    else if (seen.size <= 256) seen.add(v);
  }
  const all = (ok: (v: number) => boolean): boolean => [...seen].every(ok);
  if (/\.png$/i.test(file) && all((v) => [3, 20, 66, 129, 192, 255].includes(v)))
    return byValues('kappamask-png');
  if (fractional) return byValues(max <= 1 ? 's2cloudless' : null);
  if (seen.has(255) && all((v) => v <= 4 || v === 255)) return byValues('fmask4');
  if (all((v) => v >= 0 && v <= 5) && (band.isFloat || seen.has(5))) return byValues('kappamask');
  if (all((v) => v >= 0 && v <= 4)) {
    return {
      adapter: 'studio',
      reason: 'values 0-4 only: the class schema, not SCL',
    };
  }
  return byValues(all((v) => v >= 0 && v <= 11) ? 'scl' : null);
}

/** The adapter for a file when none is given. */
export async function guessAdapter(file: string, opts: AdapterOptions): Promise<Guess> {
  if (opts.table) return { adapter: 'table', reason: 'a value table was given' };
  const byName = guessFromName(file);
  if (byName) return { adapter: byName, reason: 'file name' };
  const byValues = await guessFromValuesWithReason(file, opts);
  if (byValues) return byValues;
  throw new S2Error(
    'INVALID_ARGUMENT',
    `Cannot tell what kind of mask ${file} is from its name or values; name the adapter (one of ${ADAPTER_IDS.join(', ')}).`,
    { file },
  );
}
