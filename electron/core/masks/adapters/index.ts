/**
 * Mask adapters: every external mask onto the class schema (0 no data, 1 clear, 2 cloud,
 * 3 semi-transparent cloud, 4 cloud shadow). One file per source, each with its mapping table;
 * `loadMask` picks one by id or guesses it (guess.ts documents how).
 */
import { S2Error } from '../../errors.js';
import { openProduct } from '../../scene/index.js';
import type { Product } from '../../scene/types.js';
import type { SchemaMask } from '../schema.js';
import { fmask4FromFile, fmask5FromFile } from './fmask.js';
import { guessAdapter, isProductPath } from './guess.js';
import { isAdapterId, type AdapterId } from './ids.js';
import { kappamaskFromFile, kappamaskPngFromFile } from './kappamask.js';
import { majaFromFile, majaFromProduct, majaMg2FromFile, majaMg2FromProduct } from './maja.js';
import { cldprbFromFile, cldprbFromProduct } from './msk-cldprb.js';
import { mskClassiFromProduct } from './msk-classi.js';
import { mskCloudsFromGml } from './msk-clouds-gml.js';
import type { AdapterOptions } from './options.js';
import { s2cloudlessFromFile } from './s2cloudless.js';
import { sclFromFile, sclFromProduct } from './scl.js';
import { studioFromFile } from './studio.js';
import { tableFromFile, type TablePreset } from './table.js';

export { ADAPTER_IDS, isAdapterId, type AdapterId } from './ids.js';
export type { AdapterOptions, ProbabilityScale } from './options.js';
export {
  validateTable,
  withOverrides,
  applyTable,
  classCounts,
  type ClassTable,
  type ClassTableInput,
} from './map-values.js';
export { SCL_TABLE } from './scl.js';
export { MSK_CLASSI_TABLE } from './msk-classi.js';
export { MSK_CLOUDS_TABLE, parseCloudGml } from './msk-clouds-gml.js';
export { CLDPRB_CLOUD, CLDPRB_SEMI } from './msk-cldprb.js';
export { FMASK4_TABLE, FMASK5_TABLE } from './fmask.js';
export { KAPPAMASK_TABLE, KAPPAMASK_PNG_TABLE } from './kappamask.js';
export { S2CLOUDLESS_THRESHOLD } from './s2cloudless.js';
export { MAJA_CLM_BITS, MAJA_CLM_TABLE, MAJA_MG2_BITS, MAJA_MG2_TABLE, readMg2Bits } from './maja.js';
export { loadTablePreset, saveTablePreset, validatePreset, type TablePreset } from './table.js';
export { registerCrs } from './crs.js';
export { guessAdapter } from './guess.js';

export interface MaskAdapter {
  id: AdapterId;
  name: string;
  /** What `file` may be. */
  input: 'raster' | 'product' | 'raster-or-product' | 'gml-or-product';
  load(file: string, opts: LoadMaskOptions): Promise<SchemaMask>;
}

export interface LoadMaskOptions extends AdapterOptions {
  adapter?: AdapterId;
  /** For the 'table' adapter: a loaded preset (its table is used, its name is the source). */
  preset?: TablePreset;
}

/** Raster or product: a product path (or opts.product with no raster) reads the product's layer. */
async function rasterOrProduct(
  file: string,
  opts: LoadMaskOptions,
  fromFile: (f: string, o: AdapterOptions) => Promise<SchemaMask>,
  fromProduct: (p: Product | string, o: AdapterOptions) => Promise<SchemaMask>,
): Promise<SchemaMask> {
  return (await isProductPath(file)) ? fromProduct(opts.product ?? file, opts) : fromFile(file, opts);
}

export const ADAPTERS: Readonly<Record<AdapterId, MaskAdapter>> = {
  scl: {
    id: 'scl',
    name: 'Sen2Cor SCL',
    input: 'raster-or-product',
    load: (f, o) => rasterOrProduct(f, o, sclFromFile, sclFromProduct),
  },
  'msk-classi': {
    id: 'msk-classi',
    name: 'L1C MSK_CLASSI',
    input: 'product',
    load: (f, o) => mskClassiFromProduct(o.product ?? f, o),
  },
  'msk-clouds-gml': {
    id: 'msk-clouds-gml',
    name: 'L1C MSK_CLOUDS (GML)',
    input: 'gml-or-product',
    load: mskCloudsFromGml,
  },
  'msk-cldprb': {
    id: 'msk-cldprb',
    name: 'Sen2Cor MSK_CLDPRB',
    input: 'raster-or-product',
    load: (f, o) => rasterOrProduct(f, o, cldprbFromFile, cldprbFromProduct),
  },
  fmask4: { id: 'fmask4', name: 'Fmask 4', input: 'raster', load: fmask4FromFile },
  fmask5: { id: 'fmask5', name: 'Fmask 5', input: 'raster', load: fmask5FromFile },
  kappamask: { id: 'kappamask', name: 'KappaMask', input: 'raster', load: kappamaskFromFile },
  'kappamask-png': {
    id: 'kappamask-png',
    name: 'KappaMask (PNG)',
    input: 'raster',
    load: kappamaskPngFromFile,
  },
  s2cloudless: { id: 's2cloudless', name: 's2cloudless', input: 'raster', load: s2cloudlessFromFile },
  maja: {
    id: 'maja',
    name: 'MAJA CLM',
    input: 'raster-or-product',
    load: (f, o) => rasterOrProduct(f, o, majaFromFile, majaFromProduct),
  },
  'maja-mg2': {
    id: 'maja-mg2',
    name: 'MAJA MG2',
    input: 'raster-or-product',
    load: (f, o) => rasterOrProduct(f, o, majaMg2FromFile, majaMg2FromProduct),
  },
  table: { id: 'table', name: 'user table', input: 'raster', load: tableFromFile },
  studio: { id: 'studio', name: 'S2 Cloud Studio', input: 'raster', load: studioFromFile },
};

/**
 * The product-level default: L2A -> SCL; L1C -> MSK_CLASSI, or the GML mask on old baselines;
 * THEIA L2A -> MAJA's CLM.
 */
async function guessProductAdapter(file: string): Promise<{ adapter: AdapterId; product: Product }> {
  const product = await openProduct(file);
  const kinds = new Set(product.masks.map((m) => m.kind));
  if (kinds.has('MAJA_CLM')) return { adapter: 'maja', product };
  if (product.metadata.level === 'L2A' && product.bands.some((b) => b.name === 'SCL'))
    return { adapter: 'scl', product };
  if (kinds.has('MSK_CLASSI')) return { adapter: 'msk-classi', product };
  if (kinds.has('MSK_CLOUDS_GML')) return { adapter: 'msk-clouds-gml', product };
  await product.close();
  throw new S2Error(
    'MISSING_FILE',
    `${file} has no SCL, MSK_CLASSI, MSK_CLOUDS or MAJA CLM mask to compare.`,
    {
      file,
    },
  );
}

/**
 * Loads a mask file (or a product's own mask) onto the schema. Without `opts.adapter` the adapter
 * is guessed and the guess is reported in `source`, e.g. "Fmask 4 [guessed from file name]".
 */
export async function loadMask(file: string, opts: LoadMaskOptions = {}): Promise<SchemaMask> {
  if (opts.adapter !== undefined) {
    if (!isAdapterId(opts.adapter)) {
      throw new S2Error('INVALID_ARGUMENT', `Unknown mask adapter "${String(opts.adapter)}".`, { file });
    }
    return ADAPTERS[opts.adapter].load(file, opts);
  }
  if (opts.preset) return ADAPTERS.table.load(file, opts);
  if (!opts.table && (await isProductPath(file))) {
    const { adapter, product } = await guessProductAdapter(file);
    try {
      const mask = await ADAPTERS[adapter].load(file, { ...opts, product });
      return { ...mask, source: `${mask.source} [guessed from product level]` };
    } finally {
      await product.close();
    }
  }
  const guess = await guessAdapter(file, opts);
  const mask = await ADAPTERS[guess.adapter].load(file, opts);
  return { ...mask, source: `${mask.source} [guessed from ${guess.reason}]` };
}
