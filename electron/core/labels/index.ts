export {
  LABEL_CLASS_FIELD,
  LABEL_CLASS_NAMES,
  LABEL_CLASS_TABLE,
  LABEL_RULE,
  parseLabelClass,
} from './classes.js';
export { LABEL_LAYER, gpkgGeometryBlob, labelsGpkgBytes, writeLabelsGpkg } from './gpkg-write.js';
export {
  isLabelFile,
  labelsOnGrid,
  readLabels,
  seededRandom,
  type LabelPixels,
  type LabelsOnGridOptions,
  type LoadedLabels,
} from './read.js';
export type { Label, LabelSet } from './types.js';
export { wktForEpsg } from './wkt.js';
