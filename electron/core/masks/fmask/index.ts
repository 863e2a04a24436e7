export { runFmask, loadShadowDetector, type FmaskOptions, type FmaskResult } from './run.js';
export { writeFmaskCog, FMASK_SOURCE, fmaskFileName, fmaskResolution } from './cog.js';
export { FMASK_CODES, FMASK_CLASS_NAMES, composeCodes, codeShares, fmaskPalette } from './snow-water.js';
export * as spectral from './tests.js';
export { computeCdi, CDI_THRESHOLD } from './cdi.js';
