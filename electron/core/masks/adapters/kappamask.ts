/**
 * KappaMask (KappaZeta km_predict) outputs.
 * GeoTIFF (float32 or byte): 1 clear, 2 cloud shadow -> 4, 3 semi-transparent -> 3, 4 cloud -> 2,
 *   5 missing -> 0; 0 (undefined) -> 0.
 * PNG "prediction.png" (km_predict util/save_prediction_masks.py: value = class * 63 + 3, values
 *   above 255 set to 20): 3 undefined -> 0, 66 clear -> 1, 129 shadow -> 4, 192 semi-transparent
 *   -> 3, 255 cloud -> 2, 20 missing -> 0. The PNG is not georeferenced: it needs a world file
 *   (+ crs) or a grid.
 */
import { readRasterBand } from '../raster-io.js';
import type { SchemaMask } from '../schema.js';
import { applyTable, toSchemaMask, withOverrides, type ClassTable } from './map-values.js';
import type { AdapterOptions } from './options.js';

export const KAPPAMASK_TABLE: ClassTable = { 0: 0, 1: 1, 2: 4, 3: 3, 4: 2, 5: 0 };
export const KAPPAMASK_PNG_TABLE: ClassTable = { 3: 0, 66: 1, 129: 4, 192: 3, 255: 2, 20: 0 };

export async function kappamaskFromFile(file: string, opts: AdapterOptions = {}): Promise<SchemaMask> {
  const band = await readRasterBand(file, opts);
  const mapped = applyTable(band.values, withOverrides(KAPPAMASK_TABLE, opts.table), band.noData);
  return toSchemaMask(opts.source ?? 'KappaMask', file, band.grid, mapped);
}

export async function kappamaskPngFromFile(file: string, opts: AdapterOptions = {}): Promise<SchemaMask> {
  const band = await readRasterBand(file, opts);
  const mapped = applyTable(band.values, withOverrides(KAPPAMASK_PNG_TABLE, opts.table), band.noData);
  return toSchemaMask(opts.source ?? 'KappaMask (PNG)', file, band.grid, mapped);
}
