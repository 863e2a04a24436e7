/**
 * JSON export: the whole report with stable field names. Scores are rounded to 6 decimals (areas
 * in km² too: 1e-6 km² is 1 m²); counts are exact; the grid and window are left untouched.
 */
import { NUM_CLASSES, type ConfusionMatrix } from './confusion.js';
import type { MetricsReport } from './report.js';
import { writeFileAtomic } from '../atomic-write.js';

export const METRICS_JSON_FORMAT = 's2cloud-metrics';
export const METRICS_JSON_VERSION = 1;

/** JSON value (what JSON.stringify accepts and JSON.parse returns). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The matrix as nested arrays: counts[ref][pred], classes 0..4 (row/column 0 always 0). */
export function matrixToJson(m: ConfusionMatrix): Json {
  const counts: number[][] = [];
  for (let r = 0; r < NUM_CLASSES; r++)
    counts.push(Array.from(m.counts.subarray(r * NUM_CLASSES, (r + 1) * NUM_CLASSES)));
  return {
    classes: [0, 1, 2, 3, 4],
    counts,
    scored: m.scored,
    considered: m.considered,
    noDataReference: m.noDataReference,
    noDataPrediction: m.noDataPrediction,
    excluded: m.excluded,
    invalid: m.invalid,
  };
}

/** Rounds a number for export: integers stay exact, others keep 6 decimals. */
export function roundNumber(v: number): number {
  if (!Number.isFinite(v)) throw new Error(`Non-finite number ${v} in a metrics report.`);
  return Number.isInteger(v) ? v : Math.round(v * 1e6) / 1e6;
}

const KEEP_EXACT = new Set(['grid', 'window']);

function toJson(value: unknown, key = ''): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return roundNumber(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (KEEP_EXACT.has(key)) return JSON.parse(JSON.stringify(value)) as Json;
  if (Array.isArray(value)) return value.map((v) => toJson(v));
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === 'matrix' ? matrixToJson(v as ConfusionMatrix) : toJson(v, k);
    }
    return out;
  }
  throw new Error(`Cannot export a ${typeof value} to JSON.`);
}

/** The report as a JSON-ready object. */
export function reportToJson(report: MetricsReport): Json {
  return {
    format: METRICS_JSON_FORMAT,
    version: METRICS_JSON_VERSION,
    ...(toJson(report) as { [key: string]: Json }),
  };
}

export function reportJsonText(report: MetricsReport): string {
  return `${JSON.stringify(reportToJson(report), null, 2)}\n`;
}

export async function writeReportJson(report: MetricsReport, path: string): Promise<void> {
  await writeFileAtomic(path, reportJsonText(report));
}
