/**
 * Sen2Cor Scene Classification (SCL, L2A), values 0-11:
 *   0 no data, 1 saturated/defective      -> 0 no data
 *   3 cloud shadow                         -> 4 cloud shadow
 *   8 cloud medium, 9 cloud high prob.     -> 2 cloud
 *   10 thin cirrus                         -> 3 semi-transparent cloud
 *   2 dark area, 4 vegetation, 5 bare soil, 6 water, 7 unclassified, 11 snow -> 1 clear
 * Source: Sen2Cor 2.x Product User Manual, SCL legend; same mapping as CloudSEN12's label table.
 */
import type { Product } from '../../scene/types.js';
import { readRasterBand } from '../raster-io.js';
import type { SchemaMask } from '../schema.js';
import { applyTable, toSchemaMask, withOverrides, type ClassTable } from './map-values.js';
import type { AdapterOptions } from './options.js';
import { readProductPlanes, withProduct } from './product.js';

export const SCL_TABLE: ClassTable = {
  0: 0,
  1: 0,
  2: 1,
  3: 4,
  4: 1,
  5: 1,
  6: 1,
  7: 1,
  8: 2,
  9: 2,
  10: 3,
  11: 1,
};

export const SCL_NAME = 'Sen2Cor SCL';

/** SCL from a GeoTIFF (e.g. sen2r's *_SCL_*.tif). */
export async function sclFromFile(file: string, opts: AdapterOptions = {}): Promise<SchemaMask> {
  const band = await readRasterBand(file, opts);
  const mapped = applyTable(band.values, withOverrides(SCL_TABLE, opts.table), band.noData);
  return toSchemaMask(opts.source ?? SCL_NAME, file, band.grid, mapped);
}

/** SCL of an L2A product, on its 20 m grid by default (nearest / mode when resampled). */
export async function sclFromProduct(
  product: Product | string,
  opts: AdapterOptions = {},
): Promise<SchemaMask> {
  return withProduct(product, async (p) => {
    const resolution = opts.resolution ?? 20;
    const raster = await readProductPlanes(p, 'SCL', resolution, opts.signal);
    const plane = raster.components[0] ?? new Uint8Array(0);
    const mapped = applyTable(plane, withOverrides(SCL_TABLE, opts.table));
    return toSchemaMask(opts.source ?? SCL_NAME, p.sourcePath, raster.grid, mapped);
  });
}
