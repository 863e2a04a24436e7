/** Number formats of the metrics panel (the report itself is the core's UiMetricsReport). */
import type { MaskClassValue } from '../../../electron/shared/classes';
import type { UiMetricsReport } from '../../../electron/api/contract';
import { SCORED_CLASSES } from '../../../electron/shared/classes';

export const pct = (v: number | null | undefined): string =>
  v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}`;
export const dec = (v: number | null | undefined): string =>
  v === null || v === undefined ? '—' : v.toFixed(3);

type TableRow = UiMetricsReport['table'][number];

export interface F1Cell {
  cls: MaskClassValue;
  /** The F1 to draw; null when it means nothing (the reference has none of the class). */
  value: number | null;
  /** '0.912', 'n/a' (class absent from the reference) or '—' (not defined). */
  text: string;
  /** Why the cell says n/a, for a tooltip. */
  why?: string;
}

/**
 * F1 of each scored class for one table row. A class the reference does not have cannot be
 * scored: its F1 is 0 by the formula (any prediction of it is wrong) but that says nothing of
 * the mask, so it reads "n/a", not 0.000.
 */
export function f1Cells(report: UiMetricsReport, row: TableRow): F1Cell[] {
  const cmp = report.comparisons.find((c) => c.mask === row.mask && c.reference === row.reference);
  return SCORED_CLASSES.map((cls) => {
    const support = cmp?.scores.classes.find((s) => s.classValue === cls)?.support;
    const v = row.f1[String(cls)] ?? null;
    if (support === 0) {
      return { cls, value: null, text: 'n/a', why: `${row.reference} has no pixel of this class` };
    }
    return { cls, value: v, text: dec(v) };
  });
}

/**
 * Notes of a comparison that are information, not warnings (the overlap figure; how a file was
 * read), with the CLI's wording about adapters put in the GUI's terms.
 */
export function splitNotes(warnings: readonly string[]): { notes: string[]; warnings: string[] } {
  const notes: string[] = [];
  const rest: string[] = [];
  for (const w of warnings) {
    if (/^Overlap: /.test(w)) notes.push(w);
    else if (/: read as .* \(guessed from /.test(w)) {
      notes.push(
        w.replace(
          /; name the adapter as ID=file to choose\)/,
          '; to read it otherwise, pick its format in Layers → Add a layer)',
        ),
      );
    } else rest.push(w);
  }
  return { notes, warnings: rest };
}
