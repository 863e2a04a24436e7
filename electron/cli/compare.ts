import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { S2Error } from '../core/errors.js';
import {
  isAdapterId,
  loadMask,
  loadTablePreset,
  type AdapterId,
  type LoadMaskOptions,
} from '../core/masks/adapters/index.js';
import { alignMasks } from '../core/masks/align.js';
import type { SchemaMask } from '../core/masks/schema.js';
import {
  ALCD_CIRRUS_RULE,
  ALCD_RULE,
  alcdShapefiles,
  vectorToMask,
  vectorToPoints,
  type ClassRule,
} from '../core/masks/vector/index.js';
import {
  buildReport,
  writeReportCsv,
  writeReportHtml,
  writeReportJson,
  type MetricsReport,
  type TableRow,
} from '../core/metrics/index.js';
import type { LabelledPoint } from '../core/metrics/points.js';
import { openProduct } from '../core/scene/index.js';
import type { CliIo } from './main.js';

const VECTOR_EXT = new Set(['.shp', '.geojson', '.json', '.gpkg']);

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
  const common: LoadMaskOptions = {};
  if (values.crs) common.crs = Number(values.crs);
  if (values.threshold) common.threshold = Number(values.threshold);
  // A saved value -> class table for rasters from other tools (used by the 'table' adapter).
  if (values.preset) common.preset = await loadTablePreset(resolve(values.preset));

  // Masks: "path" (adapter guessed) or "ID=path"; --product adds the product's own mask.
  const masks: SchemaMask[] = [];
  for (const spec of positionals) {
    const eq = spec.indexOf('=');
    const id = eq > 0 ? spec.slice(0, eq) : undefined;
    const file = resolve(eq > 0 ? spec.slice(eq + 1) : spec);
    if (id !== undefined && !isAdapterId(id)) {
      throw new S2Error('INVALID_ARGUMENT', `Unknown mask adapter "${id}" in "${spec}".`);
    }
    masks.push(await loadMask(file, { ...common, ...(id ? { adapter: id as AdapterId } : {}) }));
  }
  if (values.product) masks.push(...(await productMasks(resolve(values.product), common)));
  const guesses = takeGuessNotes(masks);

  const reference = values.reference ? resolve(values.reference) : undefined;
  let report: MetricsReport;
  const shadow = values.shadow as 'clear' | 'cloud' | 'exclude';
  if (reference && (await isVectorReference(reference))) {
    const files = (await isDirectory(reference)) ? alcdShapefiles(reference) : [reference];
    const rule = classRule(values, files.length > 1 || (await isDirectory(reference)));
    const aligned = alignMasks(masks, { grid: 'finest' });
    const pts = await vectorToPoints(files, aligned.grid, { rule, source: 'reference points' });
    // Labelled points are scored as points; polygons (no points) are rasterised instead.
    if (pts.points.length > 0) {
      const points: LabelledPoint[] = pts.points.map((p) => ({ col: p.col, row: p.row, classValue: p.cls }));
      report = buildReport({
        masks: aligned.masks,
        points: { name: shortName(reference), file: reference, points },
        shadow,
        pairwise: masks.length > 1,
      });
      if (pts.outside > 0)
        report.notes.push(`${pts.outside} reference point(s) fall outside the comparison grid.`);
    } else {
      const ref = (await vectorToMask(files, aligned.grid, { rule, source: 'reference polygons' })).mask;
      const again = alignMasks([ref, ...aligned.masks], { grid: 'reference' });
      const [refMask, ...rest] = again.masks;
      report = buildReport({ reference: refMask!, masks: rest, buffer, shadow });
    }
  } else if (reference) {
    const refAdapter = values['reference-adapter'];
    if (refAdapter !== undefined && !isAdapterId(refAdapter)) {
      throw new S2Error('INVALID_ARGUMENT', `Unknown mask adapter "${refAdapter}" for --reference.`);
    }
    const ref = await loadMask(reference, {
      ...common,
      ...(refAdapter ? { adapter: refAdapter as AdapterId } : {}),
      ...(values['class-table'] ? { table: parseTable(values['class-table']) } : {}),
    });
    const refs = [ref];
    guesses.push(...takeGuessNotes(refs).map((n) => `reference ${n}`));
    const aligned = alignMasks([refs[0]!, ...masks], { grid: 'reference' });
    const [refMask, ...rest] = aligned.masks;
    report = buildReport({ reference: refMask!, masks: rest, buffer, shadow });
    report.notes.push(
      `Overlap: ${aligned.overlap.pixels} px (${aligned.overlap.areaKm2.toFixed(2)} km²) on the reference grid.`,
    );
  } else {
    if (masks.length < 2) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        'Without --reference, give at least two masks to compare with each other.',
      );
    }
    const aligned = alignMasks(masks, { grid: 'finest' });
    report = buildReport({ masks: aligned.masks, shadow, pairwise: true });
    report.notes.push(
      `Overlap: ${aligned.overlap.pixels} px (${aligned.overlap.areaKm2.toFixed(2)} km²) on the comparison grid.`,
    );
  }

  report.notes.unshift(...guesses);
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

/**
 * The product's own cloud masks: SCL and, from baseline 04.00 on, MSK_CLASSI for L2A; MSK_CLASSI
 * (or the legacy GML mask) for L1C.
 */
async function productMasks(path: string, common: LoadMaskOptions): Promise<SchemaMask[]> {
  const { preset: _preset, ...opts } = common;
  const product = await openProduct(path);
  try {
    const kinds = new Set(product.masks.map((m) => m.kind));
    const ids: AdapterId[] = [];
    if (product.bands.some((b) => b.name === 'SCL')) ids.push('scl');
    if (kinds.has('MSK_CLASSI')) ids.push('msk-classi');
    else if (kinds.has('MSK_CLOUDS_GML')) ids.push('msk-clouds-gml');
    if (ids.length === 0) {
      throw new S2Error('MISSING_FILE', `${path} has no SCL, MSK_CLASSI or MSK_CLOUDS mask to compare.`, {
        file: path,
      });
    }
    const out: SchemaMask[] = [];
    for (const adapter of ids) out.push(await loadMask(path, { ...opts, adapter, product }));
    return out;
  } finally {
    await product.close();
  }
}

/** Moves "[guessed from …]" out of the mask names (tables stay readable) into notes. */
function takeGuessNotes(masks: SchemaMask[]): string[] {
  const notes: string[] = [];
  masks.forEach((m, i) => {
    const g = / \[guessed from ([^\]]+)\]$/.exec(m.source);
    if (!g) return;
    const source = m.source.slice(0, g.index);
    notes.push(
      `${shortName(m.file)}: read as ${source} (guessed from ${g[1]}; name the adapter as ID=file to choose).`,
    );
    masks[i] = { ...m, source };
  });
  return notes;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/** A vector file, or a folder of ALCD shapefiles (not a product). */
async function isVectorReference(path: string): Promise<boolean> {
  if (VECTOR_EXT.has(extname(path).toLowerCase())) return true;
  if (!(await isDirectory(path))) return false;
  try {
    await (await openProduct(path)).close();
    return false;
  } catch {
    return alcdShapefiles(path).length > 0;
  }
}

function classRule(values: Record<string, string | boolean | undefined>, alcd: boolean): ClassRule {
  const field = values['class-field'];
  if (typeof field === 'string') {
    const table = values['class-table'];
    if (typeof table !== 'string') {
      throw new S2Error(
        'INVALID_ARGUMENT',
        '--class-field needs --class-table (JSON: {"value": class, ...}).',
      );
    }
    return { kind: 'field', field, table: parseTable(table) as Record<string, 0 | 1 | 2 | 3 | 4> };
  }
  if (alcd || !field) return values['alcd-high-clouds'] === 'semi' ? ALCD_CIRRUS_RULE : ALCD_RULE;
  return ALCD_RULE;
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

function shortName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).slice(-2).join('/');
}

const pct = (v: number | null): string => (v === null ? '—' : `${(100 * v).toFixed(1)} %`);
const num = (v: number | null): string => (v === null ? '—' : v.toFixed(3));

/** The comparison table (and pairwise agreement) as aligned text. */
export function formatReport(report: MetricsReport, binaryOnly: boolean): string {
  const lines: string[] = [];
  if (report.table.length > 0) {
    const head = binaryOnly
      ? ['mask', 'vs', 'scored', 'accuracy', 'precision', 'recall', 'F-score']
      : [
          'mask',
          'vs',
          'scored',
          'OA',
          'kappa',
          'F1 clear',
          'F1 cloud',
          'F1 semi',
          'F1 shadow',
          'bin. acc',
          'bin. F1',
        ];
    const rows = report.table.map((r: TableRow) =>
      binaryOnly
        ? [
            r.mask,
            r.reference,
            String(r.scored),
            pct(r.binaryAccuracy),
            pct(r.binaryPrecision),
            pct(r.binaryRecall),
            num(r.binaryF1),
          ]
        : [
            r.mask,
            r.reference,
            String(r.scored),
            pct(r.overallAccuracy),
            num(r.kappa),
            num(r.f1['1'] ?? null),
            num(r.f1['2'] ?? null),
            num(r.f1['3'] ?? null),
            num(r.f1['4'] ?? null),
            pct(r.binaryAccuracy),
            num(r.binaryF1),
          ],
    );
    lines.push(...table([head, ...rows]));
  }
  if (report.pairwise) {
    const p = report.pairwise;
    lines.push('', 'Pairwise agreement (overall accuracy / kappa):');
    lines.push(
      ...table([
        ['', ...p.masks],
        ...p.masks.map((m, i) => [
          m,
          ...p.masks.map((_, j) =>
            i === j ? '—' : `${pct(p.overallAccuracy[i]![j] ?? null)} / ${num(p.kappa[i]![j] ?? null)}`,
          ),
        ]),
      ]),
    );
  }
  for (const m of [...(report.reference ? [report.reference] : []), ...report.masks]) {
    const unmapped = Object.entries(m.unmapped);
    if (unmapped.length > 0) {
      lines.push(
        `note: ${m.name}: values the adapter does not know, counted as no data: ${unmapped.map(([v, n]) => `${v} (${n} px)`).join(', ')}`,
      );
    }
  }
  for (const n of report.notes) lines.push(`note: ${n}`);
  return `${lines.join('\n')}\n`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
  );
}
