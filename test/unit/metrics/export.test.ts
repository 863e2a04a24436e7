import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildReport,
  reportCsvTables,
  reportHtml,
  writeReportCsv,
  writeReportHtml,
  writeReportJson,
  type MetricsReport,
} from '../../../electron/core/metrics/index.js';
import { launchChromium } from '../../helpers/browser.js';
import { DATA_DIR } from '../../helpers/env.js';
import { mask } from './helpers.js';

/** Minimal RFC 4180 parser: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field).toBe('');
  return rows;
}

// 8x6 scene: clear left, cloud right, a semi-transparent and a shadow patch, one no-data row.
const W = 8;
const H = 6;
function scene(shift: number): number[] {
  const v: number[] = [];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      if (y === H - 1) v.push(0);
      else if (x < 4 + shift) v.push(y === 1 && x === 1 ? 4 : 1);
      else v.push(y < 2 ? 3 : 2);
    }
  return v;
}

function makeReport(): MetricsReport {
  const ref = mask('Reference "hand", v2', W, H, scene(0));
  const a = mask('KappaMask L2A', W, H, scene(1));
  const b = mask('Sen2Cor SCL', W, H, scene(-1));
  b.unmapped = { '200': 3 };
  return buildReport({
    reference: ref,
    masks: [a, b],
    points: {
      name: 'ALCD points',
      file: '/data/points.shp',
      points: [
        { col: 0, row: 0, classValue: 1 },
        { col: 7, row: 3, classValue: 2 },
        { col: 7, row: 0, classValue: 3 },
        { col: 4, row: 5, classValue: 2 },
      ],
    },
    buffer: 1,
    shadow: 'exclude',
    pairwise: true,
    date: new Date('2025-01-02T03:04:05Z'),
  });
}

describe('report exports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const report = makeReport();

  it('builds one row per mask and reference', () => {
    expect(report.table.map((r) => [r.reference, r.mask, r.kind])).toEqual([
      ['Reference "hand", v2', 'KappaMask L2A', 'pixels'],
      ['Reference "hand", v2', 'Sen2Cor SCL', 'pixels'],
      ['ALCD points', 'KappaMask L2A', 'points'],
      ['ALCD points', 'Sen2Cor SCL', 'points'],
    ]);
    expect(report.comparisons[0]!.matrix.excluded).toBeGreaterThan(0);
    expect(report.pairwise?.overallAccuracy[0]?.[1]).toBeCloseTo(30 / 40, 12); // 5 valid rows x 8; columns 3 and 4 differ
    expect(report.notes.join('\n')).toMatch(/Sen2Cor SCL: 3 pixels/);
  });

  it('JSON parses, with stable fields and rounded numbers', async () => {
    const path = join(dir, 'report.json');
    await writeReportJson(report, path);
    const j = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> & {
      comparisons: { matrix: { counts: number[][] }; scores: { overallAccuracy: number } }[];
    };
    expect(j.format).toBe('s2cloud-metrics');
    expect(j.generatedAt).toBe('2025-01-02T03:04:05.000Z');
    expect(j.comparisons[0]!.matrix.counts).toHaveLength(5);
    const oa = j.comparisons[0]!.scores.overallAccuracy;
    expect(Math.round(oa * 1e6) / 1e6).toBe(oa);
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('CSV tables parse (RFC 4180), one file per table', async () => {
    const paths = await writeReportCsv(report, dir, 'cmp-');
    expect(paths.map((p) => p.slice(dir.length + 1)).sort()).toEqual(
      ['areas', 'binary', 'confusion', 'coverage', 'pairwise', 'per-class', 'table'].map(
        (n) => `cmp-${n}.csv`,
      ),
    );
    for (const [name, text] of Object.entries(reportCsvTables(report))) {
      const rows = parseCsv(text);
      const width = rows[0]!.length;
      for (const r of rows) expect(r.length, name).toBe(width);
    }
    const table = parseCsv(readFileSync(join(dir, 'cmp-table.csv'), 'utf8'));
    expect(table[0]).toContain('f1_semi_transparent_cloud');
    expect(table[1]![0]).toBe('Reference "hand", v2');
    expect(readFileSync(join(dir, 'cmp-table.csv'), 'utf8')).toContain('"Reference ""hand"", v2"');
  });

  it('HTML is self-contained, with the SVG heatmaps, and renders', async () => {
    const html = reportHtml(report);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link/);
    expect(html).toContain('Reference &#34;hand&#34;, v2');
    const path = join(dir, 'report.html');
    await writeReportHtml(report, path);

    const shots = join(DATA_DIR, 'screenshots');
    mkdirSync(shots, { recursive: true });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const requests: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(`file://${path}`);
      expect(await page.locator('svg').count()).toBe(5); // 4 comparisons + pairwise
      await page.screenshot({ path: join(shots, 'metrics-report.png'), fullPage: true });
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
