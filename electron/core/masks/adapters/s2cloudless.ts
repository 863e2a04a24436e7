/**
 * s2cloudless-style cloud probability rasters: probability >= threshold -> 2 cloud, else 1 clear
 * (no shadow, no semi-transparent class). Default threshold 0.4, as s2cloudless's
 * S2PixelCloudDetector. The threshold is on the 0..1 scale whatever the file's scale. Scale guess
 * (override with `scale`):
 *   float samples, max <= 1            -> 0..1
 *   float or integer, max <= 100       -> 0..100 (percent, e.g. Sentinel Hub's CLP as percent)
 *   integer, max <= 255                -> 0..255 (byte, e.g. Sentinel Hub CLP)
 * Integer rasters holding only 0 and 1 are read as s2cloudless's binary mask (1 = cloud).
 * Values outside the scale are unmapped; NaN / GDAL_NODATA -> 0.
 */
import { S2Error } from '../../errors.js';
import { readRasterBand, type RasterBand } from '../raster-io.js';
import type { SchemaMask } from '../schema.js';
import type { AdapterOptions, ProbabilityScale } from './options.js';
import { thresholdValues } from './probability.js';

export const S2CLOUDLESS_THRESHOLD = 0.4;
const SCALE_MAX: Record<ProbabilityScale, number> = { unit: 1, percent: 100, byte: 255 };

/** Guesses the probability scale of a band from its sample type and maximum value. */
export function guessScale(band: RasterBand): ProbabilityScale | 'binary' {
  let max = -Infinity;
  let onlyBinary = true;
  const v = band.values;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    if (x !== x || x === band.noData) continue;
    if (x > max) max = x;
    if (x !== 0 && x !== 1) onlyBinary = false;
  }
  if (!band.isFloat && onlyBinary) return 'binary';
  if (band.isFloat && max <= 1) return 'unit';
  if (max <= 100) return 'percent';
  if (max <= 255) return 'byte';
  throw new S2Error(
    'INVALID_ARGUMENT',
    `${band.file}: probability values up to ${max}; give the scale explicitly.`,
    {
      file: band.file,
    },
  );
}

export async function s2cloudlessFromFile(file: string, opts: AdapterOptions = {}): Promise<SchemaMask> {
  const band = await readRasterBand(file, opts);
  const threshold = opts.threshold ?? S2CLOUDLESS_THRESHOLD;
  if (!(threshold > 0 && threshold <= 1)) {
    throw new S2Error('INVALID_ARGUMENT', `s2cloudless threshold ${threshold} must be in (0, 1].`, { file });
  }
  const scale = opts.scale ?? guessScale(band);
  const max = scale === 'binary' ? 1 : SCALE_MAX[scale];
  const cloud = scale === 'binary' ? 1 : threshold * max;
  const mapped = thresholdValues(band.values, { max, cloud, semi: null }, band.noData);
  const source =
    opts.source ??
    `s2cloudless (${scale === 'binary' ? 'binary mask' : `p >= ${threshold}, scale 0..${max}`})`;
  return { source, file, grid: band.grid, ...mapped };
}
