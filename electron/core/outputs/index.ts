export { safeFileStem, isSafeFileStem, MAX_STEM_LENGTH } from './names.js';
export { confineOutput, isInside, outputPathIn } from './confine.js';
export { syncFolder, writeFully, type WritableHandle } from './write.js';
export { checkTiff, type TiffCheck } from './tiff-check.js';
