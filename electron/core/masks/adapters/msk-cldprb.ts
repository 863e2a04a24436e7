/**
 * L2A MSK_CLDPRB: Sen2Cor cloud probability, 0..100 %, at 20 m (and 60 m). Defaults follow
 * Sen2Cor's own probability bands: >= 65 % (SCL 9, high probability) -> 2 cloud; >= 35 %
 * (SCL 8, medium) -> 3 semi-transparent cloud; below -> 1 clear. Set `semiThreshold: null`
 * and `threshold: 35` to count medium probability as cloud as SCL does. Values > 100 are unmapped.
 * The file has no no-data value: outside the footprint it reads 0 (clear), so pixels outside the
 * product footprint (metadata) -> 0. `table` overrides individual values after thresholding.
 */
import type { Product } from '../../scene/types.js';
import { readRasterBand } from '../raster-io.js';
import type { SchemaMask } from '../schema.js';
import { footprintMask } from './footprint.js';
import { validateTable, type MappedValues } from './map-values.js';
import type { AdapterOptions } from './options.js';
import { thresholdValues } from './probability.js';
import { readProductPlanes, requireMask, withProduct } from './product.js';

export const CLDPRB_CLOUD = 65;
export const CLDPRB_SEMI = 35;
export const CLDPRB_NAME = 'Sen2Cor MSK_CLDPRB';

function mapCldprb(values: ArrayLike<number>, noData: number | null, opts: AdapterOptions): MappedValues {
  const semi = opts.semiThreshold === undefined ? CLDPRB_SEMI : opts.semiThreshold;
  const mapped = thresholdValues(values, { max: 100, cloud: opts.threshold ?? CLDPRB_CLOUD, semi }, noData);
  if (opts.table) {
    const t = validateTable(opts.table);
    for (let i = 0; i < values.length; i++) {
      const c = t[String(values[i])];
      if (c !== undefined) mapped.data[i] = c;
    }
  }
  return mapped;
}

/** MSK_CLDPRB from a raster file (GeoTIFF export of the JP2). */
export async function cldprbFromFile(file: string, opts: AdapterOptions = {}): Promise<SchemaMask> {
  const band = await readRasterBand(file, opts);
  const mapped = mapCldprb(band.values, band.noData, opts);
  return { source: opts.source ?? CLDPRB_NAME, file, grid: band.grid, ...mapped };
}

/** MSK_CLDPRB of an L2A product, on its 20 m grid by default. */
export async function cldprbFromProduct(
  product: Product | string,
  opts: AdapterOptions = {},
): Promise<SchemaMask> {
  return withProduct(product, async (p) => {
    const resolution = opts.resolution ?? 20;
    const entry =
      p.masks.find((m) => m.kind === 'MSK_CLDPRB' && m.resolution === resolution) ??
      requireMask(p, 'MSK_CLDPRB');
    const raster = await readProductPlanes(p, entry, resolution, opts.signal);
    const plane = raster.components[0] ?? new Uint8Array(0);
    const mapped = mapCldprb(plane, null, opts);
    const inside = footprintMask(p, raster.grid);
    if (inside) for (let i = 0; i < inside.length; i++) if (inside[i] === 0) mapped.data[i] = 0;
    return {
      source: opts.source ?? CLDPRB_NAME,
      file: `${p.sourcePath}:${entry.path}`,
      grid: raster.grid,
      ...mapped,
    };
  });
}
