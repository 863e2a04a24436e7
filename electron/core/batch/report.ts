/**
 * The batch summary, written into the output folder at the end of every run: a CSV (one row per
 * scene), a JSON and a self-contained HTML page (styles inline, quicklooks embedded as data: URIs,
 * nothing fetched).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { csvField, escapeHtml } from '../metrics/index.js';
import { OVERLAY_COLOURS } from '../render/quicklook.js';
import type { AgreementSummary, BatchSceneState, BatchSnapshot } from './types.js';

/** The quicklooks' legend, in the colours they are drawn with (the app's map colours). */
const QUICKLOOK_LEGEND = (
  [
    [2, 'cloud'],
    [3, 'semi-transparent'],
    [4, 'shadow'],
  ] as const
)
  .map(([c, name]) => `<span style="background:rgb(${OVERLAY_COLOURS[c]!.join(',')})">${name}</span>`)
  .join('');

export const REPORT_NAMES = {
  csv: 's2cloud-batch-summary.csv',
  json: 's2cloud-batch-summary.json',
  html: 's2cloud-batch-report.html',
} as const;

const pct = (v: number | null | undefined): string =>
  v === null || v === undefined ? '' : (100 * v).toFixed(2);

const CSV_HEADER = [
  'id',
  'product',
  'date',
  'tile',
  'level',
  'size_mb',
  'status',
  'reason',
  'error_code',
  'error_file',
  'seconds',
  'clear_pct',
  'cloud_pct',
  'semi_transparent_pct',
  'shadow_pct',
  'no_data_pct',
  'product_mask',
  'product_mask_overall_accuracy_pct',
  'product_mask_kappa',
  'product_mask_cloud_agreement_pct',
  'product_mask_cloud_f1',
  'reference',
  'reference_overall_accuracy_pct',
  'reference_kappa',
  'reference_cloud_agreement_pct',
  'reference_cloud_f1',
  'classes_file',
];

function agreementCells(a: AgreementSummary | undefined): string[] {
  if (!a) return ['', '', '', '', ''];
  return [
    a.source,
    pct(a.overallAccuracy),
    a.kappa?.toFixed(4) ?? '',
    pct(a.cloudAgreement),
    a.cloudF1?.toFixed(4) ?? '',
  ];
}

export function batchCsv(snap: BatchSnapshot): string {
  const rows = [CSV_HEADER.join(',')];
  for (const s of snap.scenes) {
    const sm = s.summary;
    const cells: (string | number)[] = [
      s.id,
      s.productName ?? '',
      s.date ?? '',
      s.tile ?? '',
      s.level ?? '',
      s.sizeBytes !== undefined ? (s.sizeBytes / 2 ** 20).toFixed(1) : '',
      s.status,
      s.error?.message ?? s.reason ?? '',
      s.error?.code ?? '',
      s.error?.file ?? '',
      s.seconds !== undefined ? s.seconds.toFixed(1) : '',
      pct(sm?.clear),
      pct(sm?.cloud),
      pct(sm?.semiTransparent),
      pct(sm?.shadow),
      pct(sm?.noData),
      ...agreementCells(sm?.agreement),
      ...agreementCells(sm?.reference),
      s.outputs?.classes ?? '',
    ];
    rows.push(cells.map((c) => csvField(c)).join(','));
  }
  return `${rows.join('\n')}\n`;
}

export function batchJson(snap: BatchSnapshot): string {
  const { scenes, ...rest } = snap;
  return `${JSON.stringify(
    {
      format: 's2cloud-batch-summary',
      version: 1,
      generatedAt: new Date().toISOString(),
      ...rest,
      scenes: scenes.map(({ progress: _p, stage: _s, etaSeconds: _e, ...s }) => s),
    },
    null,
    2,
  )}\n`;
}

function mb(b: number | undefined): string {
  return b === undefined
    ? ''
    : b >= 2 ** 30
      ? `${(b / 2 ** 30).toFixed(2)} GB`
      : `${(b / 2 ** 20).toFixed(1)} MB`;
}

function agreementHtml(a: AgreementSummary | undefined): string {
  if (!a) return '<td></td><td></td><td></td>';
  return `<td>${escapeHtml(a.source)}</td><td>${pct(a.overallAccuracy)}</td><td>${pct(a.cloudAgreement)}</td>`;
}

async function quicklookUri(s: BatchSceneState): Promise<string | null> {
  const f = s.outputs?.quicklook;
  if (!f || !['done', 'skipped'].includes(s.status) || !existsSync(f)) return null;
  return `data:image/png;base64,${(await readFile(f)).toString('base64')}`;
}

export async function batchHtml(snap: BatchSnapshot): Promise<string> {
  const o = snap.options;
  const rows: string[] = [];
  const figures: string[] = [];
  for (const s of snap.scenes) {
    const sm = s.summary;
    const detail = s.error ? `${s.error.code}: ${s.error.message}` : (s.reason ?? '');
    rows.push(
      `<tr class="${s.status}"><td title="${escapeHtml(s.path)}">${escapeHtml(s.productName ?? s.id)}</td>` +
        `<td>${escapeHtml(s.date?.slice(0, 10) ?? '')}</td><td>${escapeHtml(s.tile ?? '')}</td><td>${escapeHtml(s.level ?? '')}</td>` +
        `<td class="n">${mb(s.sizeBytes)}</td><td>${s.status}</td>` +
        `<td class="n">${pct(sm?.clear)}</td><td class="n">${pct(sm?.cloud)}</td><td class="n">${pct(sm?.semiTransparent)}</td><td class="n">${pct(sm?.shadow)}</td>` +
        agreementHtml(sm?.agreement) +
        agreementHtml(sm?.reference) +
        `<td class="n">${s.seconds !== undefined ? s.seconds.toFixed(1) : ''}</td><td class="why">${escapeHtml(detail)}</td></tr>`,
    );
    const uri = await quicklookUri(s);
    if (uri) {
      figures.push(
        `<figure><img alt="${escapeHtml(s.productName ?? s.id)}" src="${uri}"><figcaption>${escapeHtml(s.productName ?? s.id)}` +
          (sm
            ? ` — cloud ${pct(sm.cloud)} %, semi-transparent ${pct(sm.semiTransparent)} %, shadow ${pct(sm.shadow)} %`
            : '') +
          `</figcaption></figure>`,
      );
    }
  }
  const count = (st: string): number => snap.scenes.filter((s) => s.status === st).length;
  const generated = new Date().toISOString();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>S2 Cloud Studio batch report</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}td.why{max-width:32em;font-size:12px}
tr.failed td,tr.unusable td{background:#fdecea}tr.cancelled td,tr.pending td{background:#fff8e1}
figure{display:inline-block;margin:0 1em 1em 0;max-width:420px}figure img{max-width:420px;border:1px solid #999}
figcaption{font-size:12px}dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{font-weight:600}
.legend span{display:inline-block;padding:1px 6px;margin-right:6px;color:#000}
</style></head><body>
<h1>Batch report</h1>
<dl>
<dt>Folder</dt><dd>${escapeHtml(o.folder)}</dd>
<dt>Output folder</dt><dd>${escapeHtml(snap.outDir)}</dd>
<dt>Model</dt><dd>${escapeHtml(o.modelId ?? '')} at ${o.resolution ?? ''} m${o.cloudOnly ? ' (cloud only)' : ' (four classes)'}</dd>
<dt>State</dt><dd>${snap.state}: ${count('done')} done, ${count('skipped')} skipped, ${count('failed')} failed, ${count('cancelled')} cancelled, ${count('pending')} pending, ${count('unusable')} unusable</dd>
<dt>Generated</dt><dd>${generated}</dd>
</dl>
<p>Shares are of the valid pixels. Agreement: overall accuracy of the five classes and binary cloud
(cloud + semi-transparent) vs clear agreement, with the model's classes taken as the prediction and
the product's own mask (or the reference) as the reference, on the model's grid.</p>
<table><thead><tr><th>Product</th><th>Date</th><th>Tile</th><th>Level</th><th>Size</th><th>Status</th>
<th>Clear %</th><th>Cloud %</th><th>Semi-transp. %</th><th>Shadow %</th>
<th>Product mask</th><th>OA %</th><th>Cloud agr. %</th><th>Reference</th><th>OA %</th><th>Cloud agr. %</th>
<th>Seconds</th><th>Reason / error</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
<p class="legend">Quicklooks: ${QUICKLOOK_LEGEND}</p>
${figures.join('\n')}
</body></html>
`;
}

/** Writes the three reports (atomically) into the output folder; returns their paths. */
export async function writeBatchReports(
  snap: BatchSnapshot,
): Promise<{ csv: string; json: string; html: string }> {
  const paths = {
    csv: join(snap.outDir, REPORT_NAMES.csv),
    json: join(snap.outDir, REPORT_NAMES.json),
    html: join(snap.outDir, REPORT_NAMES.html),
  };
  const withReports: BatchSnapshot = { ...snap, reports: paths };
  await writeFileAtomic(paths.csv, batchCsv(withReports));
  await writeFileAtomic(paths.json, batchJson(withReports));
  await writeFileAtomic(paths.html, await batchHtml(withReports));
  return paths;
}
