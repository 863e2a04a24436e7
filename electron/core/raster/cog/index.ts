export { CogWriter, writeCog, type CogWriteResult } from './writer.js';
export { KAPPAMASK_CLASS_NAMES, KAPPAMASK_PALETTE } from './palette.js';
export { levelSizes } from './overviews.js';
export type {
  CogBandData,
  CogBandInfo,
  CogDataType,
  CogOptions,
  CogTypedArray,
  OverviewResampling,
  PaletteColour,
} from './types.js';
