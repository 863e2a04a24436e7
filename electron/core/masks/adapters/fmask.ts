/**
 * Fmask GeoTIFF outputs.
 * Fmask 4.x (GERSL, Qiu et al. 2019): 0 clear land, 1 clear water, 3 snow -> 1 clear;
 *   2 cloud shadow -> 4; 4 cloud -> 2; 255 no observation -> 0.
 * Fmask 5 (GERSL/Fmask `src/constant.py`, v5.0.x): LABEL_LAND/CLEAR 0, WATER 1, SHADOW 2, SNOW 3,
 *   CLOUD 4, FILL 255 - the same codes as 4.x, so the same table (kept as its own adapter so
 *   each can be overridden and reported separately).
 * Not this: python-fmask (ubarsc) writes 0 null, 1 clear, 2 cloud, 3 shadow, 4 snow, 5 water;
 *   use the 'table' adapter (or an override table) for it.
 */
import { readRasterBand } from '../raster-io.js';
import type { SchemaMask } from '../schema.js';
import { applyTable, toSchemaMask, withOverrides, type ClassTable } from './map-values.js';
import type { AdapterOptions } from './options.js';

export const FMASK4_TABLE: ClassTable = { 0: 1, 1: 1, 2: 4, 3: 1, 4: 2, 255: 0 };
export const FMASK5_TABLE: ClassTable = FMASK4_TABLE;

async function loadFmask(
  file: string,
  defaults: ClassTable,
  name: string,
  opts: AdapterOptions,
): Promise<SchemaMask> {
  const band = await readRasterBand(file, opts);
  // 255 is a class (fill) here, so a GDAL_NODATA of 255 changes nothing.
  const mapped = applyTable(
    band.values,
    withOverrides(defaults, opts.table),
    band.noData === 255 ? null : band.noData,
  );
  return toSchemaMask(opts.source ?? name, file, band.grid, mapped);
}

export function fmask4FromFile(file: string, opts: AdapterOptions = {}): Promise<SchemaMask> {
  return loadFmask(file, FMASK4_TABLE, 'Fmask 4', opts);
}

export function fmask5FromFile(file: string, opts: AdapterOptions = {}): Promise<SchemaMask> {
  return loadFmask(file, FMASK5_TABLE, 'Fmask 5', opts);
}
