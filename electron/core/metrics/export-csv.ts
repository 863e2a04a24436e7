/**
 * CSV export: one RFC 4180 file per table (CRLF line ends; a field holding a comma, a quote or a
 * line break is quoted, quotes doubled). Empty field = undefined score (null in JSON).
 */
import { join } from 'node:path';
import { CLASS_NAMES } from '../masks/schema.js';
import { cell } from './confusion.js';
import { roundNumber } from './export-json.js';
import type { MetricsReport } from './report.js';
import { SCORED_CLASSES } from './scores.js';
import { writeFileAtomic } from '../atomic-write.js';

export type CsvValue = string | number | null;

export function csvField(v: CsvValue): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? String(roundNumber(v)) : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}

const snake = (s: string): string => s.replace(/[^a-z0-9]+/gi, '_').toLowerCase();

/** File name -> CSV text, one per table; tables with no rows are left out. */
export function reportCsvTables(report: MetricsReport): Record<string, string> {
  const out: Record<string, string> = {};
  const cs = report.comparisons;
  if (cs.length > 0) {
    out['table.csv'] = toCsv(
      [
        'reference',
        'mask',
        'kind',
        'scored',
        'overall_accuracy',
        'kappa',
        ...SCORED_CLASSES.map((c) => `f1_${snake(CLASS_NAMES[c])}`),
        'binary_accuracy',
        'binary_precision',
        'binary_recall',
        'binary_f1',
      ],
      report.table.map((r) => [
        r.reference,
        r.mask,
        r.kind,
        r.scored,
        r.overallAccuracy,
        r.kappa,
        ...SCORED_CLASSES.map((c) => r.f1[String(c)] ?? null),
        r.binaryAccuracy,
        r.binaryPrecision,
        r.binaryRecall,
        r.binaryF1,
      ]),
    );
    out['per-class.csv'] = toCsv(
      [
        'reference',
        'mask',
        'class_value',
        'class_name',
        'support',
        'predicted',
        'true_positives',
        'precision',
        'recall',
        'f1',
        'iou',
        'notes',
      ],
      cs.flatMap((c) =>
        c.scores.classes.map((k) => [
          c.reference,
          c.mask,
          k.classValue,
          k.name,
          k.support,
          k.predicted,
          k.truePositives,
          k.precision,
          k.recall,
          k.f1,
          k.iou,
          k.notes.join('; '),
        ]),
      ),
    );
    out['confusion.csv'] = toCsv(
      [
        'reference',
        'mask',
        'reference_class',
        ...SCORED_CLASSES.map((c) => `predicted_${snake(CLASS_NAMES[c])}`),
      ],
      cs.flatMap((c) =>
        SCORED_CLASSES.map((r) => [
          c.reference,
          c.mask,
          CLASS_NAMES[r],
          ...SCORED_CLASSES.map((p) => cell(c.matrix, r, p)),
        ]),
      ),
    );
    out['binary.csv'] = toCsv(
      [
        'reference',
        'mask',
        'shadow',
        'true_positives',
        'false_positives',
        'false_negatives',
        'true_negatives',
        'accuracy',
        'precision',
        'recall',
        'f1',
      ],
      cs.map((c) => {
        const b = c.binary;
        return [
          c.reference,
          c.mask,
          b.shadow,
          b.truePositives,
          b.falsePositives,
          b.falseNegatives,
          b.trueNegatives,
          b.accuracy,
          b.precision,
          b.recall,
          b.f1,
        ];
      }),
    );
    out['coverage.csv'] = toCsv(
      [
        'reference',
        'mask',
        'kind',
        'considered',
        'scored',
        'overlap_km2',
        'no_data_reference',
        'no_data_prediction',
        'excluded_by_buffer',
        'invalid',
        'outside_grid',
      ],
      cs.map((c) => {
        const m = c.matrix;
        return [
          c.reference,
          c.mask,
          c.kind,
          m.considered,
          m.scored,
          c.overlapKm2,
          m.noDataReference,
          m.noDataPrediction,
          m.excluded,
          m.invalid,
          c.outside,
        ];
      }),
    );
  }
  out['areas.csv'] = toCsv(
    ['mask', 'class_value', 'class_name', 'pixels', 'km2', 'fraction'],
    report.areas.flatMap((a) =>
      a.areas.classes.map((k) => [a.mask, k.classValue, k.name, k.pixels, k.km2, k.fraction]),
    ),
  );
  const p = report.pairwise;
  if (p) {
    const rows: CsvValue[][] = [];
    for (let i = 0; i < p.masks.length; i++) {
      for (let j = i + 1; j < p.masks.length; j++) {
        rows.push([
          p.masks[i]!,
          p.masks[j]!,
          p.overlapPixels[i]?.[j] ?? null,
          p.overallAccuracy[i]?.[j] ?? null,
          p.kappa[i]?.[j] ?? null,
        ]);
      }
    }
    out['pairwise.csv'] = toCsv(['mask_a', 'mask_b', 'overlap_pixels', 'overall_accuracy', 'kappa'], rows);
  }
  return out;
}

/** Writes every table as `<dir>/<prefix><name>.csv`; returns the paths written. */
export async function writeReportCsv(report: MetricsReport, dir: string, prefix = ''): Promise<string[]> {
  const paths: string[] = [];
  for (const [name, text] of Object.entries(reportCsvTables(report))) {
    const path = join(dir, `${prefix}${name}`);
    await writeFileAtomic(path, text);
    paths.push(path);
  }
  return paths;
}
