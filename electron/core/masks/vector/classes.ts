/**
 * Class assignment: each feature gets a schema class, either from an attribute through a
 * value -> class table, or from its file name (ALCD keeps one Shapefile per class).
 * Values the table does not know are counted as "unmapped", never silently dropped.
 */
import { basename, extname } from 'node:path';
import { S2Error } from '../../errors.js';
import { CLASS_VALUES, type MaskClassValue } from '../schema.js';
import type { PropertyValue, VectorFeature } from './types.js';

export type ClassRule =
  /** Attribute `field`; keys are values as text (numbers as written, strings case-insensitive). */
  | { kind: 'field'; field: string; table: Readonly<Record<string, MaskClassValue>> }
  /** File name (without extension, case-insensitive) -> class, one class per file. */
  | { kind: 'file'; table: Readonly<Record<string, MaskClassValue>> }
  /** Every feature gets this class. */
  | { kind: 'constant'; cls: MaskClassValue };

export interface ClassCounts {
  /** Features per schema class. */
  byClass: Record<MaskClassValue, number>;
  /** Unknown value (or file name) -> feature count. */
  unmapped: Record<string, number>;
}

export function emptyCounts(): ClassCounts {
  return { byClass: { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0 }, unmapped: {} };
}

const key = (v: PropertyValue): string => (v === null ? 'null' : String(v).trim().toLowerCase());

function normTable(t: Readonly<Record<string, MaskClassValue>>): Map<string, MaskClassValue> {
  const m = new Map<string, MaskClassValue>();
  for (const [k, v] of Object.entries(t)) {
    if (!CLASS_VALUES.includes(v))
      throw new S2Error('INVALID_ARGUMENT', `Class table maps "${k}" to ${v}, not a schema class (0-4).`);
    m.set(k.trim().toLowerCase(), v);
  }
  return m;
}

/** A feature's class (undefined when unmapped) and the raw value or file name it came from. */
export interface Assigned {
  cls: MaskClassValue | undefined;
  raw: string;
}

/** Layer name as the file-name rule sees it: base name without extension, lower case. */
export function layerKey(file: string): string {
  return basename(file, extname(file)).toLowerCase();
}

/**
 * Returns the class assigner for one file; checks the rule against the file's fields first so a
 * wrong attribute name fails with the file, the field and the fields that exist.
 */
export function classAssigner(
  rule: ClassRule,
  file: string,
  fields: readonly string[],
  counts: ClassCounts,
): (f: VectorFeature) => Assigned {
  const record = (cls: MaskClassValue | undefined, raw: string): Assigned => {
    if (cls === undefined) counts.unmapped[raw] = (counts.unmapped[raw] ?? 0) + 1;
    else counts.byClass[cls] += 1;
    return { cls, raw };
  };
  if (rule.kind === 'constant') return () => record(rule.cls, '');
  if (rule.kind === 'file') {
    const name = layerKey(file);
    const cls = normTable(rule.table).get(name);
    return () => record(cls, name);
  }
  const field =
    fields.find((f) => f === rule.field) ?? fields.find((f) => f.toLowerCase() === rule.field.toLowerCase());
  if (field === undefined)
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file} has no class attribute "${rule.field}"; its fields are: ${fields.length ? fields.join(', ') : '(none)'}.`,
      { file, details: { field: rule.field, fields: [...fields] } },
    );
  const table = normTable(rule.table);
  return (f) => {
    const v = f.properties[field] ?? null;
    return record(table.get(key(v)), v === null ? 'null' : String(v));
  };
}
