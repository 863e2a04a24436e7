/**
 * Self-contained HTML report: inline CSS, inline SVG confusion-matrix heatmaps (counts and
 * row-normalised percentages), the tables and the metadata. No external asset, no script.
 */
import { CLASS_COLOURS, CLASS_NAMES, type MaskClassValue } from '../masks/schema.js';
import { pixelSize } from '../raster/grid.js';
import { cell } from './confusion.js';
import type { MetricsReport } from './report.js';
import { SCORED_CLASSES } from './scores.js';
import type { MaskComparison, PairwiseAgreement } from './table.js';
import { writeFileAtomic } from '../atomic-write.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const int = (v: number): string => Math.round(v).toLocaleString('en-US');
const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);
const num = (v: number | null, d = 3): string => (v === null ? '—' : v.toFixed(d));
const km2 = (v: number | null): string => (v === null ? '—' : v < 10 ? v.toFixed(4) : v.toFixed(2));
const rgb = (c: MaskClassValue): string => `rgb(${CLASS_COLOURS[c].join(',')})`;
const swatch = (c: MaskClassValue): string => `<span class="sw" style="background:${rgb(c)}"></span>`;

/** White to deep blue; text turns white on dark cells. */
function heat(f: number): { fill: string; text: string } {
  const t = Math.max(0, Math.min(1, f));
  const mix = (a: number, b: number): number => Math.round(a + (b - a) * t);
  return { fill: `rgb(${mix(247, 8)},${mix(251, 69)},${mix(255, 148)})`, text: t > 0.5 ? '#fff' : '#1a1a1a' };
}

/** Confusion-matrix heatmap: rows reference, columns prediction, colour = share of the row. */
export function confusionSvg(c: MaskComparison): string {
  const ks = SCORED_CLASSES;
  const cw = 112;
  const ch = 52;
  const left = 178;
  const top = 64;
  const w = left + cw * ks.length + 90;
  const h = top + ch * ks.length + 16;
  const parts: string[] = [];
  parts.push(
    `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" ` +
      `aria-label="Confusion matrix of ${escapeHtml(c.mask)} against ${escapeHtml(c.reference)}" font-family="system-ui, sans-serif">`,
  );
  parts.push(
    `<text x="${left + (cw * ks.length) / 2}" y="14" text-anchor="middle" font-size="13" font-weight="600">Predicted: ${escapeHtml(c.mask)}</text>`,
  );
  parts.push(
    `<text x="14" y="${top + (ch * ks.length) / 2}" text-anchor="middle" font-size="13" font-weight="600" transform="rotate(-90 14 ${top + (ch * ks.length) / 2})">Reference</text>`,
  );
  ks.forEach((p, j) => {
    const x = left + j * cw + cw / 2;
    parts.push(`<rect x="${x - 44}" y="30" width="10" height="10" fill="${rgb(p)}" stroke="#888"/>`);
    parts.push(`<text x="${x + 6}" y="39" text-anchor="middle" font-size="11">${shortName(p)}</text>`);
  });
  parts.push(
    `<text x="${left + cw * ks.length + 45}" y="39" text-anchor="middle" font-size="11" fill="#555">row total</text>`,
  );
  ks.forEach((r, i) => {
    const y = top + i * ch;
    let rowTotal = 0;
    for (const p of ks) rowTotal += cell(c.matrix, r, p);
    parts.push(
      `<rect x="${left - 160}" y="${y + ch / 2 - 5}" width="10" height="10" fill="${rgb(r)}" stroke="#888"/>`,
    );
    parts.push(`<text x="${left - 145}" y="${y + ch / 2 + 4}" font-size="11">${shortName(r)}</text>`);
    ks.forEach((p, j) => {
      const v = cell(c.matrix, r, p);
      const f = rowTotal > 0 ? v / rowTotal : 0;
      const { fill, text } = heat(f);
      const x = left + j * cw;
      const stroke = r === p ? ' stroke="#222" stroke-width="2"' : ' stroke="#fff"';
      parts.push(`<rect x="${x}" y="${y}" width="${cw}" height="${ch}" fill="${fill}"${stroke}/>`);
      parts.push(
        `<text x="${x + cw / 2}" y="${y + 22}" text-anchor="middle" font-size="13" fill="${text}">${int(v)}</text>`,
      );
      parts.push(
        `<text x="${x + cw / 2}" y="${y + 39}" text-anchor="middle" font-size="11" fill="${text}">${rowTotal > 0 ? pct(f) : '—'}</text>`,
      );
    });
    parts.push(
      `<text x="${left + cw * ks.length + 45}" y="${y + ch / 2 + 4}" text-anchor="middle" font-size="11" fill="#555">${int(rowTotal)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

function shortName(c: MaskClassValue): string {
  return c === 3 ? 'semi-transp.' : CLASS_NAMES[c];
}

/** Pairwise agreement heatmap (overall accuracy, kappa in brackets). */
export function pairwiseSvg(p: PairwiseAgreement): string {
  const n = p.masks.length;
  const cw = 120;
  const ch = 46;
  const left = 190;
  const top = 40;
  const w = left + cw * n + 10;
  const h = top + ch * n + 10;
  const parts = [
    `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="Pairwise agreement" font-family="system-ui, sans-serif">`,
  ];
  p.masks.forEach((m, j) => {
    parts.push(
      `<text x="${left + j * cw + cw / 2}" y="${top - 12}" text-anchor="middle" font-size="11">${escapeHtml(clip(m, 18))}</text>`,
    );
    parts.push(
      `<text x="${left - 8}" y="${top + j * ch + ch / 2 + 4}" text-anchor="end" font-size="11">${escapeHtml(clip(m, 28))}</text>`,
    );
  });
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const oa = p.overallAccuracy[i]?.[j] ?? null;
      const k = p.kappa[i]?.[j] ?? null;
      const { fill, text } = i === j ? { fill: '#e8e8e8', text: '#555' } : heat(oa ?? 0);
      const x = left + j * cw;
      const y = top + i * ch;
      parts.push(`<rect x="${x}" y="${y}" width="${cw}" height="${ch}" fill="${fill}" stroke="#fff"/>`);
      const label = i === j ? '—' : `${pct(oa)}`;
      parts.push(
        `<text x="${x + cw / 2}" y="${y + 20}" text-anchor="middle" font-size="13" fill="${text}">${label}</text>`,
      );
      if (i !== j)
        parts.push(
          `<text x="${x + cw / 2}" y="${y + 36}" text-anchor="middle" font-size="11" fill="${text}">κ ${num(k)}</text>`,
        );
    }
  }
  parts.push('</svg>');
  return parts.join('');
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  const th = header.map((h) => `<th>${h}</th>`).join('');
  const trs = rows.map(
    (r) => `<tr>${r.map((v, i) => (i === 0 ? `<th scope="row">${v}</th>` : `<td>${v}</td>`)).join('')}</tr>`,
  );
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>${trs.join('')}</tbody></table>`;
}

/** Marks the best value of each numeric column of the summary table. */
function best(values: readonly (number | null)[]): number {
  let bi = -1;
  values.forEach((v, i) => {
    if (v !== null && (bi < 0 || v > (values[bi] ?? -Infinity))) bi = i;
  });
  return values.filter((v) => v !== null).length > 1 ? bi : -1;
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1a1a1a;font-size:14px}
main{max-width:1100px;margin:0 auto;padding:24px 32px 48px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 10px;border-bottom:2px solid #d5d9e0;padding-bottom:4px}
h3{font-size:15px;margin:20px 0 8px}
.sub{color:#555;margin:0 0 16px}
section.card{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:14px 18px;margin:12px 0}
table{border-collapse:collapse;margin:6px 0 10px;background:#fff;font-variant-numeric:tabular-nums}
th,td{border:1px solid #dde1e7;padding:5px 9px;text-align:right}
td{white-space:nowrap}td:last-child{white-space:normal}
thead th{background:#eef1f5;text-align:center;font-weight:600}
tbody th{text-align:left;font-weight:500}
td.best{font-weight:700;background:#e6f2e6}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.meta dt{color:#555}dl.meta dd{margin:0;word-break:break-all}
.sw{display:inline-block;width:10px;height:10px;border:1px solid #888;margin-right:6px;vertical-align:-1px}
.notes li{color:#8a4b00}
.grid2{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
.muted{color:#666;font-size:12px}
`;

export function reportHtml(report: MetricsReport): string {
  const g = report.grid;
  const meta: [string, string][] = [
    ['Generated', escapeHtml(report.generatedAt)],
    [
      'Reference',
      report.reference
        ? `${escapeHtml(report.reference.name)} <span class="muted">${escapeHtml(report.reference.file)}</span>`
        : report.points
          ? '—'
          : 'none (pairwise agreement only)',
    ],
  ];
  if (report.points) {
    meta.push([
      'Reference points',
      `${escapeHtml(report.points.name)} (${int(report.points.count)} points)${report.points.file ? ` <span class="muted">${escapeHtml(report.points.file)}</span>` : ''}`,
    ]);
  }
  for (const m of report.masks)
    meta.push(['Mask', `${escapeHtml(m.name)} <span class="muted">${escapeHtml(m.file)}</span>`]);
  meta.push([
    'Grid',
    `${g.width} × ${g.height} px, EPSG:${g.epsg}, ${pixelSize(g)} m pixels, origin (${g.transform[0]}, ${g.transform[3]})`,
  ]);
  if (report.window) {
    const w = report.window;
    meta.push(['Window', `x ${w.x}, y ${w.y}, ${w.width} × ${w.height} px`]);
  }
  const px = report.comparisons.filter((c) => c.kind === 'pixels');
  if (px.length > 0) {
    meta.push([
      'Overlap (scored)',
      px
        .map((c) => `${escapeHtml(c.mask)}: ${int(c.overlapPixels)} px, ${km2(c.overlapKm2)} km²`)
        .join('<br>'),
    ]);
  }
  meta.push([
    'Boundary buffer',
    report.buffer
      ? `${report.buffer.pixels} px around reference class boundaries (Chebyshev distance), not scored`
      : 'none',
  ]);
  meta.push([
    'Cloud shadow (binary view)',
    `counted as ${report.shadow === 'exclude' ? 'neither (excluded)' : report.shadow}`,
  ]);

  const out: string[] = [];
  out.push(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">`);
  out.push(`<meta name="viewport" content="width=device-width, initial-scale=1">`);
  out.push(`<title>${escapeHtml(report.title)}</title><style>${CSS}</style></head><body><main>`);
  out.push(`<h1>${escapeHtml(report.title)}</h1>`);
  out.push(
    `<p class="sub">Classes: ${SCORED_CLASSES.map((c) => `${swatch(c)}${CLASS_NAMES[c]}`).join(' &nbsp; ')}; no data is never scored.</p>`,
  );
  out.push(
    `<section class="card"><dl class="meta">${meta.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl></section>`,
  );
  if (report.notes.length > 0) {
    out.push(`<ul class="notes">${report.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`);
  }

  if (report.table.length > 0) {
    out.push('<h2>Summary</h2>');
    const cols: { head: string; get: (i: number) => number | null; fmt: (v: number | null) => string }[] = [
      { head: 'OA', get: (i) => report.table[i]!.overallAccuracy, fmt: pct },
      { head: 'κ', get: (i) => report.table[i]!.kappa, fmt: (v) => num(v) },
      ...SCORED_CLASSES.map((c) => ({
        head: `F1 ${swatch(c)}${shortName(c)}`,
        get: (i: number) => report.table[i]!.f1[String(c)] ?? null,
        fmt: (v: number | null) => num(v),
      })),
      { head: 'Binary acc.', get: (i) => report.table[i]!.binaryAccuracy, fmt: pct },
      { head: 'Precision', get: (i) => report.table[i]!.binaryPrecision, fmt: pct },
      { head: 'Recall', get: (i) => report.table[i]!.binaryRecall, fmt: pct },
      { head: 'F-score', get: (i) => report.table[i]!.binaryF1, fmt: (v) => num(v) },
    ];
    const n = report.table.length;
    const bests = cols.map((c) => best(Array.from({ length: n }, (_, i) => c.get(i))));
    const head = ['Mask', 'Reference', 'Scored', ...cols.map((c) => c.head)];
    const rows = report.table.map((r, i) => {
      const cells = cols.map((c, j) => `<td${bests[j] === i ? ' class="best"' : ''}>${c.fmt(c.get(i))}</td>`);
      return `<tr><th scope="row">${escapeHtml(r.mask)}</th><td style="text-align:left">${escapeHtml(r.reference)}</td><td>${int(r.scored)}${r.kind === 'points' ? ' pts' : ''}</td>${cells.join('')}</tr>`;
    });
    out.push(
      `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`,
    );
    out.push(
      `<p class="muted">OA: overall accuracy over the four classes; κ: Cohen's kappa. Binary view: cloud = cloud + semi-transparent cloud${report.shadow === 'cloud' ? ' + cloud shadow' : ''}, positive class cloud. Best value per column in bold.</p>`,
    );
  }

  for (const c of report.comparisons) {
    out.push(`<h2>${escapeHtml(c.mask)} vs ${escapeHtml(c.reference)}</h2>`);
    out.push('<div class="grid2">');
    out.push(
      `<div>${confusionSvg(c)}<p class="muted">Cells: count, and share of the reference row.</p></div>`,
    );
    const m = c.matrix;
    const cov: [string, string][] = [
      [c.kind === 'points' ? 'Points scored' : 'Pixels scored', int(m.scored)],
      ['Reference no data', int(m.noDataReference)],
      ['Prediction no data', int(m.noDataPrediction)],
    ];
    if (c.kind === 'pixels' && (m.excluded > 0 || report.buffer))
      cov.push(['Excluded by the buffer', int(m.excluded)]);
    if (m.invalid > 0) cov.push(['Values not on the schema', int(m.invalid)]);
    if (c.outside > 0) cov.push(['Points outside the grid', int(c.outside)]);
    out.push(`<div>${table(['Coverage', ''], cov)}`);
    const b = c.binary;
    out.push(
      table(
        ['Binary', ''],
        [
          ['Accuracy', pct(b.accuracy)],
          ['Precision', pct(b.precision)],
          ['Recall', pct(b.recall)],
          ['F-score', num(b.f1)],
        ],
      ),
    );
    out.push('</div></div>');
    const s = c.scores;
    const rows = s.classes.map((k) => [
      `${swatch(k.classValue)}${k.name}`,
      int(k.support),
      int(k.predicted),
      pct(k.precision),
      pct(k.recall),
      num(k.f1),
      num(k.iou),
      escapeHtml(k.notes.join('; ')),
    ]);
    rows.push([
      '<em>macro average</em>',
      '',
      '',
      pct(s.macro.precision),
      pct(s.macro.recall),
      num(s.macro.f1),
      num(s.macro.iou),
      '',
    ]);
    rows.push([
      '<em>weighted average</em>',
      '',
      '',
      pct(s.weighted.precision),
      pct(s.weighted.recall),
      num(s.weighted.f1),
      num(s.weighted.iou),
      '',
    ]);
    out.push(
      table(
        ['Class', 'Support (ref.)', 'Predicted', 'Precision (UA)', 'Recall (PA)', 'F1', 'IoU', 'Note'],
        rows,
      ),
    );
    out.push(
      `<p>Overall accuracy <b>${pct(s.overallAccuracy)}</b>, Cohen's κ <b>${num(s.kappa)}</b>${s.kappaNote ? ` <span class="muted">(${escapeHtml(s.kappaNote)})</span>` : ''}</p>`,
    );
  }

  if (report.pairwise) {
    out.push('<h2>Pairwise agreement</h2>');
    out.push(pairwiseSvg(report.pairwise));
    out.push(
      '<p class="muted">Overall agreement (κ below) between each pair of masks, over pixels valid in both.</p>',
    );
  }

  out.push('<h2>Class areas</h2>');
  const areaHead = [
    'Mask',
    ...[0, 1, 2, 3, 4].map((c) => `${swatch(c as MaskClassValue)}${CLASS_NAMES[c as MaskClassValue]}`),
  ];
  const areaRows = report.areas.map((a) => [
    escapeHtml(a.mask),
    ...a.areas.classes.map(
      (k) => `${km2(k.km2)} km²<br><span class="muted">${int(k.pixels)} px · ${pct(k.fraction)}</span>`,
    ),
  ]);
  out.push(table(areaHead, areaRows));
  out.push('<p class="muted">Shares are of the valid pixels; the no-data share is of all pixels.</p>');
  out.push('</main></body></html>\n');
  return out.join('\n');
}

export async function writeReportHtml(report: MetricsReport, path: string): Promise<void> {
  await writeFileAtomic(path, reportHtml(report));
}
