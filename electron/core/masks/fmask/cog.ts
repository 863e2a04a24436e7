/** Writes a built-in Fmask result as a palette COG, labelled so nobody takes it for MATLAB Fmask. */
import { safeFileStem } from '../../outputs/names.js';
import { writeCog, type CogWriteResult } from '../../raster/cog/index.js';
import type { FmaskResult } from './run.js';
import { FMASK_CLASS_NAMES, FMASK_CODES, fmaskPalette } from './snow-water.js';

export const FMASK_SOURCE = 'Fmask (built-in)';

/** Fmask's working resolution for a requested one: it runs at 20 or 60 m. */
export function fmaskResolution(res: number): 20 | 60 {
  return res === 60 ? 60 : 20;
}

/** `<stem>_fmask-builtin_<res>m.tif`, the name every caller (CLI, GUI, batch) writes (stem made safe). */
export function fmaskFileName(stem: string, res: 20 | 60): string {
  return `${safeFileStem(stem)}_fmask-builtin_${res}m.tif`;
}

export function writeFmaskCog(
  path: string,
  result: Pick<FmaskResult, 'grid' | 'codes'>,
  meta: { productId?: string; signal?: AbortSignal } = {},
): Promise<CogWriteResult> {
  const classes: Record<string, string> = {};
  for (const [code, name] of Object.entries(FMASK_CLASS_NAMES)) classes[`CLASS_${code}`] = name;
  return writeCog(path, {
    grid: result.grid,
    dataType: 'Uint8',
    bands: [{ data: result.codes, description: FMASK_SOURCE, metadata: classes }],
    nodata: FMASK_CODES.noData,
    palette: fmaskPalette(),
    metadata: {
      SOURCE: FMASK_SOURCE,
      ALGORITHM: 'Fmask 4 (Sentinel-2), own implementation; see electron/core/masks/fmask/run.ts',
      ...(meta.productId ? { PRODUCT_ID: meta.productId } : {}),
    },
    signal: meta.signal,
  });
}
