/** Sentinel-2 product reader: open a .SAFE folder, zip or product XML; find products in a folder. */
export { openProduct } from './open.js';
export { discoverProducts } from './discover.js';
export { PRODUCT_XML, isProductXmlName } from './safe-locate.js';
export { parseBaseline, KNOWN_MAJOR } from './baseline.js';
export type { Baseline } from './baseline.js';
export * from './types.js';
