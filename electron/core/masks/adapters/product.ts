/** Opening the product a product mask comes from, closing it when this code opened it. */
import { S2Error } from '../../errors.js';
import { openProduct } from '../../scene/index.js';
import { pickBandFile, productGrid, readClassRaster, type ClassRaster } from '../../scene/reflectance.js';
import type { Product, QiMaskEntry, QiMaskKind, Resolution } from '../../scene/types.js';
import { decodeTiffBand } from '../raster-io.js';

/** Runs `fn` with the product (opened from a path when given one, and closed afterwards). */
export async function withProduct<T>(product: Product | string, fn: (p: Product) => Promise<T>): Promise<T> {
  if (typeof product !== 'string') return fn(product);
  const p = await openProduct(product);
  try {
    return await fn(p);
  } finally {
    await p.close();
  }
}

/** The product's QI mask of a kind, or a clear error naming the product. */
export function requireMask(
  product: Product,
  kind: QiMaskKind,
  pick?: (m: QiMaskEntry) => boolean,
): QiMaskEntry {
  const entry = product.masks.find((m) => m.kind === kind && (pick ? pick(m) : true));
  if (!entry) {
    const have = [...new Set(product.masks.map((m) => m.kind))].join(', ') || 'none';
    throw new S2Error('MISSING_FILE', `${product.rootName} has no ${kind} mask (masks found: ${have}).`, {
      file: product.sourcePath,
    });
  }
  return entry;
}

/**
 * A product class raster's planes on the grid of `resolution`. Falls back to reading a TIFF stored
 * under a .jp2 name (GDAL's test products do this) when it is already on that grid.
 */
export async function readProductPlanes(
  product: Product,
  entry: QiMaskEntry | 'SCL',
  resolution: Resolution,
  signal?: AbortSignal,
): Promise<ClassRaster> {
  try {
    return await readClassRaster(product, entry, { resolution, method: 'nearest', signal });
  } catch (err) {
    if (!(err instanceof S2Error) || err.code !== 'CORRUPT_JP2') throw err;
    const path = entry === 'SCL' ? pickBandFile(product, 'SCL', resolution).path : entry.path;
    const src = await product.open(path);
    let bytes: Uint8Array;
    try {
      bytes = await src.readAll();
    } finally {
      await src.close();
    }
    if (!isTiff(bytes)) throw err;
    const band = await decodeTiffBand(`${product.rootName}/${path}`, bytes);
    const grid = productGrid(product, resolution);
    if (band.width !== grid.width || band.height !== grid.height) throw err;
    return { grid, components: band.planes };
  }
}

function isTiff(b: Uint8Array): boolean {
  return (b[0] === 0x49 && b[1] === 0x49 && b[2] === 42) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 42);
}
