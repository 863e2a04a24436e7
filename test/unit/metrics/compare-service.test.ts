/** The compare service on real data: the same numbers and text as `s2cloud compare`, as plain JSON. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { S2Error } from '../../../electron/core/errors.js';
import {
  compareMasks,
  reportForUi,
  compareReport,
  type CompareOutcome,
} from '../../../electron/core/metrics/compare-service.js';
import { reportCsvTables } from '../../../electron/core/metrics/index.js';
import { runCli } from '../../helpers/cli.js';
import { SHARED_DATA } from '../../helpers/env.js';

const KM = join(SHARED_DATA, 'kappamask-predictions');
const L1C_KM = join(KM, 'L1C_kappamask.tif');
const L2A_KM = join(KM, 'L2A_kappamask.tif');
const SCL_DIR = join(SHARED_DATA, 'sen2r-tiny-l1c-l2a-scl');
const SCL_2017 = join(SCL_DIR, 'S2A2A_20170703_022_Barbellino_SCL_10.tif');
const SCL_2019 = join(SCL_DIR, 'S2A2A_20190723_022_Barbellino_SCL_10.tif');
const CLOUDY = join(
  SHARED_DATA,
  'safe-T31TCJ-2024/S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE',
);
const ALCD = join(SHARED_DATA, 'safe-T31TCJ-2024/ref_inputs/Toulouse_31TCJ_20240305/In_data/Masks');
const DATE = new Date('2024-01-02T03:04:05Z');

/** What the CLI prints before the "written to" lines is exactly the service's text. */
async function cliText(args: string[]): Promise<string> {
  const r = await runCli(['compare', ...args]);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return r.out;
}

function roundTrips(outcome: CompareOutcome): void {
  expect(JSON.parse(JSON.stringify(outcome))).toStrictEqual(outcome);
}

describe.skipIf(!existsSync(KM))('compareMasks on the real KappaMask outputs', () => {
  it('scores L1C against L2A as the CLI does, with plain-JSON tables and every export', async () => {
    const out = await compareMasks(
      { reference: { path: L2A_KM }, masks: [{ path: L1C_KM }] },
      { date: DATE },
    );
    expect(out.text).toBe(await cliText(['--reference', L2A_KM, L1C_KM]));
    const row = out.report.table[0]!;
    expect(row.scored).toBe(258992);
    expect(row.overallAccuracy).toBeCloseTo(0.779, 3);
    expect(row.kind).toBe('pixels');
    // The confusion matrix is nested arrays [reference][prediction] that sum to the scored count.
    const m = out.report.comparisons[0]!.matrix;
    expect(Array.isArray(m.counts)).toBe(true);
    expect(m.counts).toHaveLength(5);
    expect(m.counts.flat().reduce((s, v) => s + v, 0)).toBe(row.scored);
    expect(out.report.generatedAt).toBe(DATE.toISOString());
    // Exports: the JSON one is the CLI's --json file format; CSV as writeReportCsv names them.
    const json = JSON.parse(out.json) as {
      format: string;
      table: { scored: number }[];
      comparisons: { matrix: { counts: number[][] } }[];
    };
    expect(json.format).toBe('s2cloud-metrics');
    expect(json.table[0]!.scored).toBe(258992);
    expect(json.comparisons[0]!.matrix.counts).toEqual(m.counts);
    expect(Object.keys(out.csv).sort()).toEqual(
      ['areas.csv', 'binary.csv', 'confusion.csv', 'coverage.csv', 'per-class.csv', 'table.csv'].sort(),
    );
    expect(out.html).toContain('<svg');
    expect(out.warnings.some((w) => /read as KappaMask \(guessed from file name/.test(w))).toBe(true);
    expect(out.warnings.some((w) => /^Overlap: \d+ px/.test(w))).toBe(true);
    roundTrips(out);
  });

  it('gives pairwise agreement without a reference, and the CSV files the CLI writes', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 's2-cmpsvc-'));
    try {
      const out = await compareMasks({ masks: [{ path: L1C_KM }, { path: L2A_KM }] });
      const cli = await cliText([L1C_KM, L2A_KM, '--csv', join(tmp, 'csv')]);
      expect(cli.startsWith(out.text)).toBe(true);
      expect(out.text).toMatch(/77\.9 % \/ 0\.627/);
      expect(out.report.pairwise?.overallAccuracy[0]![1]).toBeCloseTo(0.779, 3);
      for (const name of readdirSync(join(tmp, 'csv')))
        expect(out.csv[name]).toBe(readFileSync(join(tmp, 'csv', name), 'utf8'));
      expect(Object.keys(out.csv)).toContain('pairwise.csv');
      roundTrips(out);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('names masks by their labels and keeps the adapter it is told', async () => {
    const out = await compareMasks({
      reference: { path: L2A_KM, adapter: 'kappamask', label: 'KM L2A' },
      masks: [{ path: L1C_KM, adapter: 'kappamask', label: 'KM L1C' }],
      shadow: 'exclude',
      buffer: 1,
    });
    expect(out.report.table[0]).toMatchObject({ mask: 'KM L1C', reference: 'KM L2A' });
    expect(out.report.buffer?.pixels).toBe(1);
    expect(out.report.shadow).toBe('exclude');
    expect(out.warnings.some((w) => /guessed/.test(w))).toBe(false);
    // Same numbers as without labels.
    const plain = await compareReport({
      reference: { path: L2A_KM },
      masks: [{ path: L1C_KM }],
      shadow: 'exclude',
      buffer: 1,
    });
    const { mask: _m, reference: _r, ...numbers } = plain.table[0]!;
    expect(out.report.table[0]).toMatchObject(numbers);
  });
});

describe.skipIf(!existsSync(SCL_DIR))('compareMasks on the real sen2r SCL crops', () => {
  it('scores 2019 SCL against 2017 SCL with a buffer as the CLI does', async () => {
    const req = {
      reference: { path: SCL_2017, adapter: 'scl' as const },
      masks: [{ path: SCL_2019, adapter: 'scl' as const }],
      buffer: 2,
    };
    const report = await compareReport(req);
    const out = await compareMasks(req);
    expect(out.text).toBe(
      await cliText([
        '--reference',
        SCL_2017,
        '--reference-adapter',
        'scl',
        `scl=${SCL_2019}`,
        '--buffer',
        '2',
      ]),
    );
    expect(out.report.table).toEqual(report.table);
    expect(out.csv).toEqual(reportCsvTables(report));
    const row = out.report.table[0]!;
    expect(row.scored).toBeGreaterThan(0);
    expect(out.report.comparisons[0]!.matrix.excluded).toBeGreaterThan(0);
    roundTrips(out);
  });
});

describe.skipIf(!existsSync(ALCD))('compareMasks against the real ALCD labelled points', () => {
  it("scores the product's MSK_CLASSI on the 249 points, as the CLI does", async () => {
    const out = await compareMasks({ product: CLOUDY, reference: { path: ALCD }, masks: [], binary: true });
    expect(out.text).toBe(await cliText(['--product', CLOUDY, '--reference', ALCD, '--binary']));
    expect(out.report.points?.count).toBe(249);
    expect(out.report.table[0]).toMatchObject({ mask: 'L1C MSK_CLASSI', kind: 'points', scored: 249 });
    expect(out.text).toMatch(/^mask\s+vs\s+scored\s+accuracy\s+precision\s+recall\s+F-score/);
    roundTrips(out);
  });
});

describe('compareMasks errors', () => {
  const tmp = mkdtempSync(join(tmpdir(), 's2-cmpsvc-err-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const failure = async (p: Promise<unknown>): Promise<S2Error> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(S2Error);
    return err as S2Error;
  };

  it('names a missing file and a file that is not a raster', async () => {
    const missing = join(tmp, 'nope.tif');
    const a = await failure(compareMasks({ masks: [{ path: missing }, { path: L1C_KM }] }));
    expect(a.code).toBe('NOT_FOUND');
    expect(a.message).toContain(missing);
    const junk = join(tmp, 'junk.tif');
    writeFileSync(junk, 'not a GeoTIFF');
    const b = await failure(compareMasks({ reference: { path: junk }, masks: [{ path: L1C_KM }] }));
    expect(b.message).toContain(junk);
    expect(JSON.parse(JSON.stringify(b.toJSON()))).toMatchObject({ code: b.code, message: b.message });
  });

  it('refuses bad options before reading anything', async () => {
    const bad = async (req: Parameters<typeof compareMasks>[0], re: RegExp): Promise<void> => {
      const e = await failure(compareMasks(req));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toMatch(re);
    };
    await bad({ masks: [] }, /at least one mask/);
    await bad({ masks: [{ path: L1C_KM }] }, /at least two masks/);
    await bad({ masks: [{ path: L1C_KM, adapter: 'nope' as never }] }, /Unknown mask adapter "nope"/);
    await bad(
      { masks: [{ path: L1C_KM }, { path: L2A_KM }], shadow: 'maybe' as never },
      /clear, cloud or exclude/,
    );
    await bad({ masks: [{ path: L1C_KM }, { path: L2A_KM }], buffer: 1.5 }, /whole number of pixels/);
  });

  it('reportForUi leaves no typed arrays behind', async () => {
    const report = await compareReport({ reference: { path: L2A_KM }, masks: [{ path: L1C_KM }] });
    const ui = reportForUi(report);
    expect(report.comparisons[0]!.matrix.counts).toBeInstanceOf(Float64Array);
    expect(JSON.parse(JSON.stringify(ui))).toStrictEqual(ui);
  });
});
