import { S2Error } from '../../errors.js';
import type {
  CogArrayOf,
  CogDataType,
  CogOptions,
  CogTypedArray,
  OverviewResampling,
  PaletteColour,
} from './types.js';

export interface DataTypeInfo {
  bits: number;
  /** TIFF SampleFormat: 1 unsigned, 2 signed, 3 IEEE float. */
  sampleFormat: number;
  integer: boolean;
  min: number;
  max: number;
  alloc: (n: number) => CogTypedArray;
  is: (a: unknown) => a is CogTypedArray;
}

export const DATA_TYPES: Readonly<Record<CogDataType, DataTypeInfo>> = {
  Uint8: {
    bits: 8,
    sampleFormat: 1,
    integer: true,
    min: 0,
    max: 255,
    alloc: (n) => new Uint8Array(n),
    is: (a): a is CogArrayOf['Uint8'] => a instanceof Uint8Array,
  },
  Uint16: {
    bits: 16,
    sampleFormat: 1,
    integer: true,
    min: 0,
    max: 65535,
    alloc: (n) => new Uint16Array(n),
    is: (a): a is CogArrayOf['Uint16'] => a instanceof Uint16Array,
  },
  Int16: {
    bits: 16,
    sampleFormat: 2,
    integer: true,
    min: -32768,
    max: 32767,
    alloc: (n) => new Int16Array(n),
    is: (a): a is CogArrayOf['Int16'] => a instanceof Int16Array,
  },
  Float32: {
    bits: 32,
    sampleFormat: 3,
    integer: false,
    min: -Infinity,
    max: Infinity,
    alloc: (n) => new Float32Array(n),
    is: (a): a is CogArrayOf['Float32'] => a instanceof Float32Array,
  },
};

/** Options with every default filled in and checked. */
export interface ResolvedOptions extends Omit<
  CogOptions,
  'overviewResampling' | 'tileSize' | 'deflateLevel' | 'bigTiff' | 'memoryLimitBytes'
> {
  overviewResampling: OverviewResampling;
  tileSize: number;
  deflateLevel: number;
  bigTiff: 'auto' | 'always' | 'never';
  memoryLimitBytes: number;
  type: DataTypeInfo;
}

function bad(path: string, message: string): S2Error {
  return new S2Error('INVALID_ARGUMENT', `${path}: ${message}`, { file: path });
}

function checkPalette(path: string, palette: readonly PaletteColour[]): void {
  if (palette.length === 0 || palette.length > 256) throw bad(path, 'a colour table needs 1 to 256 entries.');
  palette.forEach((c, i) => {
    if (c.length !== 3 || c.some((v) => !Number.isInteger(v) || v < 0 || v > 255)) {
      throw bad(path, `colour table entry ${i} must be three integers 0..255.`);
    }
  });
}

/** Checks the options a caller gave and fills in the defaults. */
export function resolveOptions(path: string, o: CogOptions): ResolvedOptions {
  const type = DATA_TYPES[o.dataType];
  if (!type) throw bad(path, `unsupported data type ${String(o.dataType)} (Uint8, Uint16, Int16, Float32).`);
  const { grid } = o;
  if (!Number.isInteger(grid.width) || !Number.isInteger(grid.height) || grid.width < 1 || grid.height < 1) {
    throw bad(path, `the grid size ${grid.width}x${grid.height} is not a positive integer size.`);
  }
  if (!Number.isInteger(grid.epsg) || grid.epsg <= 0)
    throw bad(path, `the grid has no valid EPSG code (${grid.epsg}).`);
  if (grid.transform.length !== 6 || grid.transform.some((v) => !Number.isFinite(v))) {
    throw bad(path, 'the grid transform must be six finite numbers.');
  }
  if (grid.transform[1] === 0 || grid.transform[5] === 0) throw bad(path, 'the grid has a zero pixel size.');
  if (o.bands.length < 1) throw bad(path, 'at least one band is needed.');
  const tileSize = o.tileSize ?? 512;
  if (!Number.isInteger(tileSize) || tileSize < 16 || tileSize % 16 !== 0 || tileSize > 4096) {
    throw bad(path, `tile size ${tileSize} must be a multiple of 16 between 16 and 4096.`);
  }
  const deflateLevel = o.deflateLevel ?? 6;
  if (!Number.isInteger(deflateLevel) || deflateLevel < 1 || deflateLevel > 9) {
    throw bad(path, `deflate level ${deflateLevel} must be 1..9.`);
  }
  if (o.nodata !== undefined) {
    const n = o.nodata;
    const ok = type.integer
      ? Number.isInteger(n) && n >= type.min && n <= type.max
      : Number.isNaN(n) || Math.fround(n) === n || !Number.isFinite(n);
    if (!ok) throw bad(path, `nodata ${n} cannot be stored exactly as ${o.dataType}.`);
  }
  if (o.palette !== undefined) {
    if (o.dataType !== 'Uint8' || o.bands.length !== 1)
      throw bad(path, 'a colour table needs a single Uint8 band.');
    checkPalette(path, o.palette);
  }
  const overviewResampling =
    o.overviewResampling ?? (o.palette ? 'mode' : type.integer ? 'nearest' : 'average');
  return {
    ...o,
    type,
    tileSize,
    deflateLevel,
    overviewResampling,
    bigTiff: o.bigTiff ?? 'auto',
    memoryLimitBytes: o.memoryLimitBytes ?? 64 * 1024 * 1024,
  };
}
