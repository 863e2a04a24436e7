/** The parts of the metrics JSON report (format of `s2cloud compare --json`) the panel shows. */
import type { TableRow } from '../../../electron/core/metrics/table';
/** A row of the comparison table, as `s2cloud compare --json` writes it. */
export type ReportRow = TableRow;

export interface ReportClassScores {
  classValue: number;
  name: string;
  support: number;
  predicted: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface ReportComparison {
  reference: string;
  mask: string;
  matrix: { classes: number[]; counts: number[][] };
  scores: { overallAccuracy: number | null; kappa: number | null; classes: ReportClassScores[] };
  binary: {
    accuracy: number | null;
    precision: number | null;
    recall: number | null;
    f1: number | null;
    truePositives: number;
    falsePositives: number;
    falseNegatives: number;
    trueNegatives: number;
  };
}

export interface ReportJson {
  title: string;
  table: ReportRow[];
  comparisons: ReportComparison[];
  pairwise: { masks: string[]; overallAccuracy: (number | null)[][]; kappa: (number | null)[][] } | null;
  notes: string[];
}

export const pct = (v: number | null | undefined): string =>
  v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}`;
export const dec = (v: number | null | undefined): string =>
  v === null || v === undefined ? '—' : v.toFixed(3);
