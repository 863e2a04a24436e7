export type { LightgbmModel } from './model.js';
export { isLightgbmText, parseLightgbmModel, readLightgbmModel } from './parse.js';
export { predict, predictRaw, type FeatureBlock } from './evaluate.js';
export { LightgbmPool, type LightgbmPoolOptions } from './pool.js';
