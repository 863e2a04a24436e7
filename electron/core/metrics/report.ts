/** Everything one comparison run produces, as one plain object for the exporters and the CLI. */
import type { SchemaMask } from '../masks/schema.js';
import type { Grid, PixelWindow } from '../raster/grid.js';
import { classAreas, pixelAreaM2, type MaskAreas } from './areas.js';
import type { ShadowMode } from './binary.js';
import type { LabelledPoint } from './points.js';
import {
  assertSameGrid,
  compareWithPoints,
  compareWithReference,
  comparisonTable,
  maskLabels,
  pairwiseAgreement,
  type MaskComparison,
  type PairwiseAgreement,
  type TableRow,
} from './table.js';

export interface MaskInfo {
  name: string;
  source: string;
  file: string;
  /** Source values the adapter could not map (value -> pixels). */
  unmapped: Record<string, number>;
}

export interface ReportInput {
  /** Reference raster mask, if any. */
  reference?: SchemaMask;
  /** Masks to score (at least one); all on the reference's grid. */
  masks: readonly SchemaMask[];
  /** Labelled reference points (pixel coordinates on the masks' grid). */
  points?: { name: string; file?: string; points: readonly LabelledPoint[] };
  /** Boundary buffer in pixels (reference raster only). */
  buffer?: number;
  shadow?: ShadowMode;
  window?: PixelWindow;
  /** Pairwise agreement between the masks; default: when there is neither reference nor points. */
  pairwise?: boolean;
  /** Report date (default: now); fixed in tests. */
  date?: Date;
  title?: string;
}

export interface MetricsReport {
  title: string;
  generatedAt: string;
  grid: Grid;
  pixelAreaM2: number | null;
  window: PixelWindow | null;
  buffer: { pixels: number; metric: 'chebyshev'; side: 'reference' } | null;
  shadow: ShadowMode;
  reference: MaskInfo | null;
  points: { name: string; file: string | null; count: number } | null;
  masks: MaskInfo[];
  areas: { mask: string; areas: MaskAreas }[];
  comparisons: MaskComparison[];
  table: TableRow[];
  pairwise: PairwiseAgreement | null;
  notes: string[];
}

export function buildReport(input: ReportInput): MetricsReport {
  const all = input.reference ? [input.reference, ...input.masks] : [...input.masks];
  const grid = assertSameGrid(all);
  const labels = maskLabels(all);
  const info = (m: SchemaMask, i: number): MaskInfo => ({
    name: labels[i]!,
    source: m.source,
    file: m.file,
    unmapped: { ...m.unmapped },
  });
  const offset = input.reference ? 1 : 0;
  const shadow = input.shadow ?? 'clear';
  const buffer = input.reference && input.buffer ? input.buffer : 0;
  const notes: string[] = [];
  if (input.buffer && !input.reference)
    notes.push('The boundary buffer needs a reference raster: not applied.');

  const comparisons: MaskComparison[] = [];
  if (input.reference) {
    comparisons.push(
      ...compareWithReference(input.reference, input.masks, {
        shadow,
        buffer,
        ...(input.window ? { window: input.window } : {}),
      }),
    );
  }
  if (input.points)
    comparisons.push(...compareWithPoints(input.points.name, input.points.points, input.masks, { shadow }));
  for (const c of comparisons) {
    if (c.scores.empty) notes.push(`${c.mask} vs ${c.reference}: ${c.scores.notes.join('; ')}`);
  }
  const wantPairwise = input.pairwise ?? (!input.reference && !input.points);
  const pairwise =
    wantPairwise && input.masks.length >= 2
      ? pairwiseAgreement(input.masks, input.window ? { window: input.window } : {})
      : null;
  if (pairwise) notes.push(...pairwise.notes);
  for (const [i, m] of all.entries()) {
    const n = Object.values(m.unmapped).reduce((s, v) => s + v, 0);
    if (n > 0)
      notes.push(`${labels[i]}: ${n} pixels had values the adapter does not know (counted as no data).`);
  }

  return {
    title: input.title ?? 'Cloud mask comparison',
    generatedAt: (input.date ?? new Date()).toISOString(),
    grid,
    pixelAreaM2: pixelAreaM2(grid),
    window: input.window ?? null,
    buffer: buffer > 0 ? { pixels: buffer, metric: 'chebyshev', side: 'reference' } : null,
    shadow,
    reference: input.reference ? info(input.reference, 0) : null,
    points: input.points
      ? { name: input.points.name, file: input.points.file ?? null, count: input.points.points.length }
      : null,
    masks: input.masks.map((m, i) => info(m, i + offset)),
    areas: all.map((m, i) => ({ mask: labels[i]!, areas: classAreas(m.data, grid) })),
    comparisons,
    table: comparisonTable(comparisons),
    pairwise,
    notes,
  };
}
