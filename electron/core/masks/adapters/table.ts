/**
 * Any single-band raster (GeoTIFF, or PNG + world file) with a user-defined value -> class table,
 * e.g. a hand-made reference mask. Tables can be saved as reusable presets: JSON files
 *   { "name": "My reference", "description"?: "...", "table": { "0": 0, "10": 1, "20": 2 } }
 * validated on load and save (classes 0..4, numeric source values).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { S2Error } from '../../errors.js';
import { readRasterBand } from '../raster-io.js';
import type { SchemaMask } from '../schema.js';
import {
  applyTable,
  toSchemaMask,
  validateTable,
  type ClassTable,
  type ClassTableInput,
} from './map-values.js';
import type { AdapterOptions } from './options.js';

export interface TablePreset {
  name: string;
  description?: string;
  table: ClassTable;
}

/** Checks a parsed preset object; `file` names it in messages. */
export function validatePreset(value: unknown, file = 'preset'): TablePreset {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new S2Error('INVALID_ARGUMENT', `${file}: a preset is an object {name, table}.`, { file });
  }
  const o = value as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name.trim() === '') {
    throw new S2Error('INVALID_ARGUMENT', `${file}: the preset needs a non-empty "name".`, { file });
  }
  if (
    typeof o.table !== 'object' ||
    o.table === null ||
    Array.isArray(o.table) ||
    Object.keys(o.table).length === 0
  ) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file}: "table" must be a non-empty object {sourceValue: class}.`,
      { file },
    );
  }
  const table = validateTable(o.table as ClassTableInput, `${file} (preset "${o.name}")`);
  const preset: TablePreset = { name: o.name, table };
  if (typeof o.description === 'string') preset.description = o.description;
  return preset;
}

export async function loadTablePreset(file: string): Promise<TablePreset> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new S2Error('NOT_FOUND', `Cannot read preset ${file}.`, { file, cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new S2Error('INVALID_ARGUMENT', `${file} is not valid JSON.`, { file, cause: err });
  }
  return validatePreset(parsed, file);
}

export async function saveTablePreset(
  file: string,
  preset: { name: string; description?: string; table: ClassTableInput },
): Promise<TablePreset> {
  const valid = validatePreset(preset, file);
  await writeFile(file, JSON.stringify(valid, null, 2) + '\n', 'utf8');
  return valid;
}

/** A raster mapped with the caller's table (required: there is no default). */
export async function tableFromFile(
  file: string,
  opts: AdapterOptions & { preset?: TablePreset } = {},
): Promise<SchemaMask> {
  const table = opts.preset?.table ?? (opts.table ? validateTable(opts.table) : null);
  if (!table) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file}: the 'table' adapter needs a value -> class table or a preset.`,
      { file },
    );
  }
  const band = await readRasterBand(file, opts);
  const mapped = applyTable(band.values, table, band.noData);
  return toSchemaMask(opts.source ?? opts.preset?.name ?? 'user table', file, band.grid, mapped);
}
