/**
 * L1C/L2A MSK_CLASSI_B00 (baseline >= 04.00): a 60 m raster with three layers, opaque clouds,
 * cirrus, snow (1 = flagged). The layers are packed into one code, opaque*1 + cirrus*2 + snow*4,
 * mapped by a table so each combination can be overridden:
 *   0 none -> 1 clear; 1 opaque -> 2 cloud; 2 cirrus -> 3 semi-transparent; 3 opaque+cirrus -> 2;
 *   4 snow -> 1 clear; 5 -> 2; 6 -> 3; 7 -> 2 (opaque wins over cirrus, both over snow).
 * MSK_CLASSI has no no-data flag: pixels outside the product footprint (metadata, WGS84) -> 0;
 * with no footprint every pixel counts as data. Source: Sentinel-2 L1C PSD 15, MSK_CLASSI layers.
 */
import type { Product } from '../../scene/types.js';
import type { SchemaMask } from '../schema.js';
import { footprintMask } from './footprint.js';
import { applyTable, toSchemaMask, withOverrides, type ClassTable } from './map-values.js';
import type { AdapterOptions } from './options.js';
import { readProductPlanes, requireMask, withProduct } from './product.js';

export const MSK_CLASSI_TABLE: ClassTable = { 0: 1, 1: 2, 2: 3, 3: 2, 4: 1, 5: 2, 6: 3, 7: 2 };
export const MSK_CLASSI_NAME = 'L1C MSK_CLASSI';

/** Packs the opaque / cirrus / snow layers (any non-zero = flagged) into 0..7; 255 outside the footprint. */
export function packClassiLayers(layers: readonly Uint8Array[], inside: Uint8Array | null): Uint8Array {
  const [opaque, cirrus, snow] = layers;
  const n = opaque?.length ?? 0;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (inside && inside[i] === 0) {
      out[i] = 255;
      continue;
    }
    out[i] = (opaque?.[i] ? 1 : 0) | (cirrus?.[i] ? 2 : 0) | (snow?.[i] ? 4 : 0);
  }
  return out;
}

/** MSK_CLASSI of a product, on its 60 m grid by default. */
export async function mskClassiFromProduct(
  product: Product | string,
  opts: AdapterOptions = {},
): Promise<SchemaMask> {
  return withProduct(product, async (p) => {
    const entry = requireMask(p, 'MSK_CLASSI');
    const raster = await readProductPlanes(p, entry, opts.resolution ?? 60, opts.signal);
    const packed = packClassiLayers(raster.components, footprintMask(p, raster.grid));
    const mapped = applyTable(packed, withOverrides(MSK_CLASSI_TABLE, opts.table), 255);
    return toSchemaMask(opts.source ?? MSK_CLASSI_NAME, `${p.sourcePath}:${entry.path}`, raster.grid, mapped);
  });
}
