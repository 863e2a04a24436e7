import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { S2Error } from '../core/errors.js';
import { ADAPTER_IDS, isAdapterId, type AdapterId } from '../core/masks/adapters/index.js';
import type { ShadowMode } from '../core/metrics/binary.js';
import {
  compareReport,
  formatReport,
  isVectorReference,
  type CompareRequest,
  type MaskRef,
} from '../core/metrics/compare-service.js';
import { writeReportCsv, writeReportHtml, writeReportJson } from '../core/metrics/index.js';
import type { CliIo } from './main.js';

/** The valid ids, for messages about an unknown one. */
const KNOWN_ADAPTERS = `the adapters are ${ADAPTER_IDS.join(', ')}`;

/**
 * `s2cloud compare [--reference REF] [--product SAFE] [ID=]mask ... [--binary] [--buffer N]
 * [--out report.html] [--csv DIR] [--json FILE]`: maps every mask onto the class schema, aligns
 * them on one grid and prints (and writes) the accuracy tables, or pairwise agreement when there
 * is no reference.
 */
export async function runCompare(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        reference: { type: 'string' },
        'reference-adapter': { type: 'string' },
        'class-field': { type: 'string' },
        'class-table': { type: 'string' },
        'alcd-high-clouds': { type: 'string', default: 'cloud' },
        product: { type: 'string' },
        binary: { type: 'boolean', default: false },
        shadow: { type: 'string', default: 'clear' },
        buffer: { type: 'string' },
        out: { type: 'string' },
        csv: { type: 'string' },
        json: { type: 'string' },
        crs: { type: 'string' },
        threshold: { type: 'string' },
        preset: { type: 'string' },
      },
    });
  } catch (err) {
    io.stderr.write(`s2cloud compare: ${(err as Error).message}\n`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (positionals.length === 0 && !values.product) {
    io.stderr.write('s2cloud compare: give at least one mask (or --product SAFE for its own masks).\n');
    return 2;
  }
  if (!['clear', 'cloud', 'exclude'].includes(values.shadow)) {
    io.stderr.write(`s2cloud compare: --shadow must be clear, cloud or exclude (got ${values.shadow}).\n`);
    return 2;
  }
  const buffer = values.buffer === undefined ? undefined : Number(values.buffer);
  if (buffer !== undefined && !(Number.isInteger(buffer) && buffer >= 0)) {
    io.stderr.write(`s2cloud compare: --buffer must be a whole number of pixels (got ${values.buffer}).\n`);
    return 2;
  }
  const masks: MaskRef[] = [];
  for (const spec of positionals) {
    // "path" (adapter guessed) or "ID=path".
    const eq = spec.indexOf('=');
    const id = eq > 0 ? spec.slice(0, eq) : undefined;
    const file = resolve(eq > 0 ? spec.slice(eq + 1) : spec);
    if (id !== undefined && !isAdapterId(id)) {
      io.stderr.write(`s2cloud compare: unknown mask adapter "${id}" in "${spec}"; ${KNOWN_ADAPTERS}.\n`);
      return 2;
    }
    masks.push({ path: file, ...(id ? { adapter: id as AdapterId } : {}) });
  }
  const request: CompareRequest = { masks, shadow: values.shadow as ShadowMode };
  if (buffer !== undefined) request.buffer = buffer;
  if (values.crs) request.crs = Number(values.crs);
  if (values.threshold) request.threshold = Number(values.threshold);
  // A saved value -> class table for rasters from other tools (used by the 'table' adapter).
  if (values.preset) request.preset = resolve(values.preset);
  if (values.product) request.product = resolve(values.product);
  if (values['alcd-high-clouds'] === 'semi') request.alcdHighClouds = 'semi';
  if (values.reference) {
    const reference = resolve(values.reference);
    const refAdapter = values['reference-adapter'];
    const field = values['class-field'];
    const tableText = values['class-table'];
    // Vector references take --class-field with --class-table; rasters take --reference-adapter
    // and --class-table (overrides of the adapter's table).
    const vector =
      field !== undefined || tableText !== undefined || refAdapter !== undefined
        ? await isVectorReference(reference)
        : false;
    if (vector && field !== undefined && tableText === undefined) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        '--class-field needs --class-table (JSON: {"value": class, ...}).',
      );
    }
    if (!vector && refAdapter !== undefined && !isAdapterId(refAdapter)) {
      io.stderr.write(
        `s2cloud compare: unknown mask adapter "${refAdapter}" for --reference-adapter; ${KNOWN_ADAPTERS}.\n`,
      );
      return 2;
    }
    request.reference = {
      path: reference,
      ...(!vector && refAdapter ? { adapter: refAdapter as AdapterId } : {}),
    };
    if (vector && field !== undefined) request.classField = field;
    if (vector ? field !== undefined && tableText !== undefined : tableText)
      request.classTable = parseTable(tableText!);
  }

  const report = await compareReport(request);
  io.stdout.write(formatReport(report, values.binary));
  if (values.out) {
    await writeReportHtml(report, resolve(values.out));
    io.stdout.write(`HTML report: ${resolve(values.out)}\n`);
  }
  if (values.json) {
    await writeReportJson(report, resolve(values.json));
    io.stdout.write(`JSON: ${resolve(values.json)}\n`);
  }
  if (values.csv) {
    const files = await writeReportCsv(report, resolve(values.csv));
    io.stdout.write(`CSV: ${files.join(', ')}\n`);
  }
  return 0;
}

function parseTable(text: string): Record<string, number> {
  try {
    const t = JSON.parse(text) as unknown;
    if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new Error('not an object');
    return t as Record<string, number>;
  } catch (err) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `--class-table is not a JSON object of value -> class (${(err as Error).message}).`,
    );
  }
}

export { formatReport };
