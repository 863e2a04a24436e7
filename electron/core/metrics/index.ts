/** Mask comparison metrics: confusion matrices, scores, buffers, points, areas, tables, exports. */
export { NUM_CLASSES, addPair, cell, confusionMatrix, emptyConfusion } from './confusion.js';
export type { ConfusionMatrix, ConfusionOptions } from './confusion.js';
export { SCORED_CLASSES, agreement, classScores, scoreMatrix } from './scores.js';
export type { Averages, ClassScores, Scores } from './scores.js';
export { binaryClass, binaryScores } from './binary.js';
export type { BinaryScores, ShadowMode } from './binary.js';
export { boundaryBuffer } from './buffer.js';
export { validatePoints } from './points.js';
export type { LabelledPoint, PointValidation } from './points.js';
export { classAreas, pixelAreaM2 } from './areas.js';
export type { ClassArea, MaskAreas } from './areas.js';
export {
  assertSameGrid,
  compareWithPoints,
  compareWithReference,
  comparisonTable,
  maskLabels,
  pairwiseAgreement,
} from './table.js';
export type { CompareOptions, MaskComparison, PairwiseAgreement, TableRow } from './table.js';
export { buildReport } from './report.js';
export type { MaskInfo, MetricsReport, ReportInput } from './report.js';
export { reportCsvTables, toCsv, csvField, writeReportCsv } from './export-csv.js';
export type { CsvValue } from './export-csv.js';
export {
  METRICS_JSON_FORMAT,
  METRICS_JSON_VERSION,
  matrixToJson,
  reportJsonText,
  reportToJson,
  roundNumber,
  writeReportJson,
} from './export-json.js';
export type { Json } from './export-json.js';
export { confusionSvg, escapeHtml, pairwiseSvg, reportHtml, writeReportHtml } from './export-html.js';
