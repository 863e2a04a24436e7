/**
 * The whole `s2cloud compare` run as one service, for the CLI and the GUI: load every mask onto
 * the class schema (adapters), bring them onto one grid (align), score them against a raster or
 * vector reference, or against each other, and hand back the report with its exports as text.
 */
import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { S2Error, throwIfAborted, toS2Error } from '../errors.js';
import {
  isAdapterId,
  loadMask,
  loadTablePreset,
  type AdapterId,
  type LoadMaskOptions,
  type TablePreset,
} from '../masks/adapters/index.js';
import { isLabelFile } from '../labels/read.js';
import { LABEL_RULE } from '../labels/classes.js';
import { alignMasks } from '../masks/align.js';
import type { SchemaMask } from '../masks/schema.js';
import {
  ALCD_CIRRUS_RULE,
  ALCD_RULE,
  alcdShapefiles,
  vectorToMask,
  vectorToPoints,
  type ClassRule,
} from '../masks/vector/index.js';
import { openProduct } from '../scene/index.js';
import type { ShadowMode } from './binary.js';
import { NUM_CLASSES, type ConfusionMatrix } from './confusion.js';
import { reportCsvTables } from './export-csv.js';
import { reportHtml } from './export-html.js';
import { reportJsonText } from './export-json.js';
import type { LabelledPoint } from './points.js';
import { buildReport, type MetricsReport } from './report.js';
import type { MaskComparison, TableRow } from './table.js';

const VECTOR_EXT = new Set(['.shp', '.geojson', '.json', '.gpkg']);
const SHADOW_MODES: readonly ShadowMode[] = ['clear', 'cloud', 'exclude'];

/** One mask to compare: a raster file, a product (its default mask), or (as reference) vectors. */
export interface MaskRef {
  /** Raster (GeoTIFF, PNG + world file), product (.SAFE folder / zip), GML mask, or for a
   * reference also a vector file (.geojson/.json/.shp/.gpkg) or a folder of ALCD shapefiles. */
  path: string;
  /** Adapter id; absent: guessed (the guess is reported in the notes). Ignored for vectors. */
  adapter?: AdapterId;
  /** Display name in the tables (default: the adapter's name). */
  label?: string;
}

/** Everything `s2cloud compare` accepts, as data (JSON-friendly: crosses IPC and HTTP as is). */
export interface CompareRequest {
  /** Reference: a raster mask, or vector reference polygons / labelled points (ALCD folders too). */
  reference?: MaskRef;
  /** Masks to score (or to compare pairwise when there is no reference). */
  masks: MaskRef[];
  /** A product (.SAFE folder or zip) whose own masks are added: SCL and/or MSK_CLASSI (or the
   * legacy MSK_CLOUDS GML). */
  product?: string;
  /** Where cloud shadow goes in the binary view (default 'clear'). */
  shadow?: ShadowMode;
  /** Boundary buffer in pixels around reference class edges (raster or polygon reference only). */
  buffer?: number;
  /** EPSG code for rasters that carry none. */
  crs?: number;
  /** Cloud threshold of probability adapters (s2cloudless 0..1, MSK_CLDPRB percent). */
  threshold?: number;
  /** A saved value -> class table (its path, or the loaded preset), for the 'table' adapter. */
  preset?: string | TablePreset;
  /** Vector reference: the attribute holding the class (needs `classTable`). */
  classField?: string;
  /** Vector reference with `classField`: value -> class; raster reference: overrides of its
   * adapter's table. */
  classTable?: Record<string, number>;
  /** ALCD references: high (cirrus) clouds count as 'cloud' (default) or 'semi'-transparent. */
  alcdHighClouds?: 'cloud' | 'semi';
  /** Only the binary columns in `text` (the CLI's --binary). */
  binary?: boolean;
  /** Report title (default "Cloud mask comparison"). */
  title?: string;
}

export interface CompareRunOptions {
  signal?: AbortSignal;
  /** Report date (default: now); fixed in tests. */
  date?: Date;
}

/** A confusion matrix as plain JSON: counts[reference class][predicted class], classes 0..4. */
export type UiConfusionMatrix = Omit<ConfusionMatrix, 'counts'> & { counts: number[][] };
export type UiMaskComparison = Omit<MaskComparison, 'matrix'> & { matrix: UiConfusionMatrix };
/** MetricsReport with nothing but plain JSON values (no typed arrays): safe for IPC and HTTP. */
export type UiMetricsReport = Omit<MetricsReport, 'comparisons'> & { comparisons: UiMaskComparison[] };

export interface CompareOutcome {
  /** The report, plain JSON (exact numbers, unlike the rounded JSON export). */
  report: UiMetricsReport;
  /** The text tables the CLI prints (with `binary`: the binary columns only). */
  text: string;
  /** CSV file name -> text, as writeReportCsv writes them. */
  csv: Record<string, string>;
  /** The JSON export (writeReportJson's text). */
  json: string;
  /** The self-contained HTML report (writeReportHtml's text). */
  html: string;
  /** Notes worth showing: guessed adapters, unknown values, empty comparisons, overlap. */
  warnings: string[];
}

/** Runs a comparison and returns the report with every export as text. */
export async function compareMasks(
  req: CompareRequest,
  opts: CompareRunOptions = {},
): Promise<CompareOutcome> {
  return compareOutcome(await compareReport(req, opts), req.binary ?? false);
}

/** The report and its exports as text, from a report built by `compareReport`. */
export function compareOutcome(report: MetricsReport, binaryOnly = false): CompareOutcome {
  return {
    report: reportForUi(report),
    text: formatReport(report, binaryOnly),
    csv: reportCsvTables(report),
    json: reportJsonText(report),
    html: reportHtml(report),
    warnings: [...report.notes],
  };
}

/** The report as plain JSON values: confusion counts become nested arrays [ref][pred]. */
export function reportForUi(report: MetricsReport): UiMetricsReport {
  const plain = JSON.parse(
    JSON.stringify({ ...report, comparisons: report.comparisons.map(comparisonForUi) }),
  ) as UiMetricsReport;
  return plain;
}

function comparisonForUi(c: MaskComparison): UiMaskComparison {
  const counts: number[][] = [];
  for (let r = 0; r < NUM_CLASSES; r++)
    counts.push(Array.from(c.matrix.counts.subarray(r * NUM_CLASSES, (r + 1) * NUM_CLASSES)));
  return { ...c, matrix: { ...c.matrix, counts } };
}

/**
 * Loads, aligns and scores the masks of `req`: the MetricsReport the exporters take. Errors are
 * S2Errors naming the file (or the option) at fault.
 */
export async function compareReport(
  req: CompareRequest,
  opts: CompareRunOptions = {},
): Promise<MetricsReport> {
  const { signal } = opts;
  validateRequest(req);
  const shadow = req.shadow ?? 'clear';
  const buffer = req.buffer;
  const common: LoadMaskOptions = {};
  if (req.crs !== undefined) common.crs = req.crs;
  if (req.threshold !== undefined) common.threshold = req.threshold;
  if (signal) common.signal = signal;
  if (req.preset !== undefined)
    common.preset = typeof req.preset === 'string' ? await loadTablePreset(resolve(req.preset)) : req.preset;

  const masks: SchemaMask[] = [];
  for (const ref of req.masks) {
    throwIfAborted(signal);
    masks.push(await loadRef(ref, common));
  }
  if (req.product) masks.push(...(await productMasks(resolve(req.product), common)));
  const guesses = takeGuessNotes(masks);
  req.masks.forEach((r, i) => {
    if (r.label) masks[i] = { ...masks[i]!, source: r.label };
  });
  const base = { ...(opts.date ? { date: opts.date } : {}), ...(req.title ? { title: req.title } : {}) };

  const reference = req.reference ? resolve(req.reference.path) : undefined;
  let report: MetricsReport;
  throwIfAborted(signal);
  if (reference && (await isVectorReference(reference))) {
    if (masks.length === 0) {
      throw new S2Error('INVALID_ARGUMENT', `Give at least one mask to score against ${reference}.`, {
        file: reference,
      });
    }
    const folder = await isDirectory(reference);
    const files = folder ? alcdShapefiles(reference) : [reference];
    // A label file of ours (electron/core/labels) carries its classes in "class": no table needed.
    const labelFile =
      !folder && files.length === 1 && req.classField === undefined && (await isLabelFile(files[0]!));
    const rule = labelFile ? LABEL_RULE : classRule(req, files.length > 1 || folder);
    const aligned = alignMasks(masks, { grid: 'finest' });
    const pts = await vectorToPoints(files, aligned.grid, { rule, source: 'reference points' });
    // Labelled points are scored as points; polygons (no points) are rasterised instead.
    // A label file mixing points and polygons is rasterised whole (a point burns its pixel).
    if (pts.points.length > 0 && !(labelFile && pts.notPoints > 0)) {
      const points: LabelledPoint[] = pts.points.map((p) => ({ col: p.col, row: p.row, classValue: p.cls }));
      report = buildReport({
        ...base,
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
      report = buildReport({
        ...base,
        reference: refMask!,
        masks: rest,
        ...(buffer !== undefined ? { buffer } : {}),
        shadow,
      });
    }
  } else if (reference) {
    const ref = await loadRef(
      { ...req.reference!, path: reference },
      {
        ...common,
        ...(req.classTable ? { table: req.classTable } : {}),
      },
    );
    const refs = [ref];
    guesses.push(...takeGuessNotes(refs).map((n) => `reference ${n}`));
    if (req.reference?.label) refs[0] = { ...refs[0]!, source: req.reference.label };
    const aligned = alignMasks([refs[0]!, ...masks], { grid: 'reference' });
    const [refMask, ...rest] = aligned.masks;
    report = buildReport({
      ...base,
      reference: refMask!,
      masks: rest,
      ...(buffer !== undefined ? { buffer } : {}),
      shadow,
    });
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
    report = buildReport({ ...base, masks: aligned.masks, shadow, pairwise: true });
    report.notes.push(
      `Overlap: ${aligned.overlap.pixels} px (${aligned.overlap.areaKm2.toFixed(2)} km²) on the comparison grid.`,
    );
  }
  report.notes.unshift(...guesses);
  return report;
}

function validateRequest(req: CompareRequest): void {
  if (!Array.isArray(req.masks)) throw new S2Error('INVALID_ARGUMENT', 'The request has no list of masks.');
  if (req.masks.length === 0 && !req.product) {
    throw new S2Error('INVALID_ARGUMENT', 'Give at least one mask (or a product for its own masks).');
  }
  for (const ref of [...req.masks, ...(req.reference ? [req.reference] : [])]) {
    if (typeof ref?.path !== 'string' || ref.path === '')
      throw new S2Error('INVALID_ARGUMENT', 'A mask in the request has no file path.');
    if (ref.adapter !== undefined && !isAdapterId(ref.adapter)) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        `Unknown mask adapter "${String(ref.adapter)}" for ${ref.path}.`,
        {
          file: ref.path,
        },
      );
    }
  }
  if (req.shadow !== undefined && !SHADOW_MODES.includes(req.shadow)) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `Cloud shadow must count as clear, cloud or exclude (got ${String(req.shadow)}).`,
    );
  }
  if (req.buffer !== undefined && !(Number.isInteger(req.buffer) && req.buffer >= 0)) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `The boundary buffer must be a whole number of pixels (got ${String(req.buffer)}).`,
    );
  }
  if (req.alcdHighClouds !== undefined && !['cloud', 'semi'].includes(req.alcdHighClouds)) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `ALCD high clouds must count as cloud or semi (got ${String(req.alcdHighClouds)}).`,
    );
  }
}

/** Loads one mask; anything thrown that is not yet an S2Error is wrapped, naming the file. */
async function loadRef(ref: MaskRef, common: LoadMaskOptions): Promise<SchemaMask> {
  const file = resolve(ref.path);
  try {
    return await loadMask(file, { ...common, ...(ref.adapter ? { adapter: ref.adapter } : {}) });
  } catch (err) {
    throw toS2Error(err, file);
  }
}

/**
 * The product's own cloud masks: SCL and, from baseline 04.00 on, MSK_CLASSI for L2A; MSK_CLASSI
 * (or the legacy GML mask) for L1C; MAJA's CLM for THEIA L2A.
 */
export async function productMasks(path: string, common: LoadMaskOptions = {}): Promise<SchemaMask[]> {
  const { preset: _preset, ...opts } = common;
  const product = await openProduct(path);
  try {
    const kinds = new Set(product.masks.map((m) => m.kind));
    const ids: AdapterId[] = [];
    if (product.bands.some((b) => b.name === 'SCL')) ids.push('scl');
    if (kinds.has('MSK_CLASSI')) ids.push('msk-classi');
    else if (kinds.has('MSK_CLOUDS_GML')) ids.push('msk-clouds-gml');
    // THEIA L2A: MAJA's cloud mask (its MG2 is a geophysical layer, compared only when named).
    if (kinds.has('MAJA_CLM')) ids.push('maja');
    if (ids.length === 0) {
      throw new S2Error(
        'MISSING_FILE',
        `${path} has no SCL, MSK_CLASSI, MSK_CLOUDS or MAJA CLM mask to compare.`,
        {
          file: path,
        },
      );
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
export async function isVectorReference(path: string): Promise<boolean> {
  if (VECTOR_EXT.has(extname(path).toLowerCase())) return true;
  if (!(await isDirectory(path))) return false;
  try {
    await (await openProduct(path)).close();
    return false;
  } catch {
    return alcdShapefiles(path).length > 0;
  }
}

function classRule(req: CompareRequest, alcd: boolean): ClassRule {
  const field = req.classField;
  if (typeof field === 'string') {
    const table = req.classTable;
    if (table === undefined) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        'A class field needs a class table ({"value": class, ...}) to turn its values into classes.',
      );
    }
    return { kind: 'field', field, table: table as Record<string, 0 | 1 | 2 | 3 | 4> };
  }
  if (alcd || !field) return req.alcdHighClouds === 'semi' ? ALCD_CIRRUS_RULE : ALCD_RULE;
  return ALCD_RULE;
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
