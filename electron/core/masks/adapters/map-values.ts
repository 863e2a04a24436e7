/**
 * Value -> class mapping shared by every adapter. Unknown values are counted (never dropped
 * silently) and become no data; NaN and the raster's no-data value become no data.
 */
import { S2Error } from '../../errors.js';
import type { Grid } from '../../raster/grid.js';
import { CLASS_VALUES, type MaskClassValue, type SchemaMask } from '../schema.js';

/** Source value (decimal string key, as in JSON) -> schema class. */
export type ClassTable = Readonly<Record<string, MaskClassValue>>;

/** A table as users may write it: numeric or string keys, numeric classes (validated). */
export type ClassTableInput = Readonly<Record<string | number, number>>;

/** Checks a user table (finite numeric keys, classes 0..4) and returns it normalised. */
export function validateTable(input: ClassTableInput, what = 'class table'): ClassTable {
  const out: Record<string, MaskClassValue> = {};
  for (const [k, v] of Object.entries(input)) {
    const key = Number(k);
    if (k.trim() === '' || !Number.isFinite(key)) {
      throw new S2Error('INVALID_ARGUMENT', `${what}: source value "${k}" is not a number.`);
    }
    if (!CLASS_VALUES.includes(v as MaskClassValue)) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${what}: value ${k} maps to ${String(v)}, but classes are 0 no data, 1 clear, 2 cloud, 3 semi-transparent cloud, 4 cloud shadow.`,
      );
    }
    out[String(key)] = v as MaskClassValue;
  }
  return out;
}

/** The default table with the caller's overrides on top (overrides validated). */
export function withOverrides(defaults: ClassTable, overrides?: ClassTableInput): ClassTable {
  return overrides ? { ...defaults, ...validateTable(overrides, 'override table') } : defaults;
}

export interface MappedValues {
  data: Uint8Array;
  unmapped: Record<string, number>;
}

/** Maps every value through `table`; NaN / `noData` -> 0; unknown values -> 0 and counted. */
export function applyTable(
  values: ArrayLike<number>,
  table: ClassTable,
  noData: number | null = null,
): MappedValues {
  // Integer values 0..65535 go through a lookup table (-1 = unknown); others through a Map.
  const lut = new Int16Array(65536).fill(-1);
  const other = new Map<number, number>();
  for (const [k, c] of Object.entries(table)) {
    const v = Number(k);
    if (Number.isInteger(v) && v >= 0 && v < 65536) lut[v] = c;
    else other.set(v, c);
  }
  const n = values.length;
  const data = new Uint8Array(n);
  const unknown = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (v !== v || v === noData) continue;
    // Bitwise check: integral and inside the lookup table's range.
    const c = v >= 0 && v < 65536 && (v | 0) === v ? (lut[v] as number) : (other.get(v) ?? -1);
    if (c >= 0) data[i] = c;
    else unknown.set(v, (unknown.get(v) ?? 0) + 1);
  }
  return { data, unmapped: countsToRecord(unknown) };
}

export function countsToRecord(m: ReadonlyMap<number, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [v, n] of [...m.entries()].sort((a, b) => a[0] - b[0])) out[String(v)] = n;
  return out;
}

/** Builds the SchemaMask from mapped values. */
export function toSchemaMask(source: string, file: string, grid: Grid, mapped: MappedValues): SchemaMask {
  return { source, file, grid, data: mapped.data, unmapped: mapped.unmapped };
}

/** Pixel counts per schema class (index = class). */
export function classCounts(data: Uint8Array): number[] {
  const counts = [0, 0, 0, 0, 0];
  for (let i = 0; i < data.length; i++) counts[data[i] as number] = (counts[data[i] as number] ?? 0) + 1;
  return counts;
}
