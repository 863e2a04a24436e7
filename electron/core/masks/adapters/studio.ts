/**
 * Masks written by S2 Cloud Studio itself (`s2cloud predict`, the GUI, batches): already on the
 * class schema (0 no data, 1 clear, 2 cloud, 3 semi-transparent, 4 shadow). Recognised by the
 * CLASS_n names the engine writes into the COG's GDAL metadata.
 */
import { readRasterBand, type RasterBand } from '../raster-io.js';
import { CLASS_NAMES, CLASS_VALUES, type SchemaMask } from '../schema.js';
import { applyTable, toSchemaMask, withOverrides, type ClassTable } from './map-values.js';
import type { AdapterOptions } from './options.js';

export const STUDIO_TABLE: ClassTable = { 0: 0, 1: 1, 2: 2, 3: 3, 4: 4 };

/** Whether a band carries our class names (CLASS_1=clear … CLASS_4=cloud shadow). */
export function isStudioMask(band: Pick<RasterBand, 'metadata'>): boolean {
  const md = band.metadata ?? {};
  return CLASS_VALUES.every((c) => c === 0 || md[`CLASS_${c}`] === CLASS_NAMES[c]);
}

export async function studioFromFile(file: string, opts: AdapterOptions = {}): Promise<SchemaMask> {
  const band = await readRasterBand(file, opts);
  const mapped = applyTable(band.values, withOverrides(STUDIO_TABLE, opts.table), band.noData);
  const md = band.metadata ?? {};
  // A raster of schema values from elsewhere (a hand-made reference) is not one of our runs.
  const name = md.MODEL_ID
    ? `${md.MODEL_ID}${md.RESOLUTION ? ` ${md.RESOLUTION} m` : ''}`
    : isStudioMask(band)
      ? 'S2 Cloud Studio'
      : 'class schema 0-4';
  return toSchemaMask(opts.source ?? name, file, band.grid, mapped);
}
