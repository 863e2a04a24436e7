/**
 * Mask quality on real data: `npm run bench -- quality`.
 *
 * Every `../shared/data/labelled-*` case (found, not listed) is masked at 10 m and 20 m with the
 * default four-class pipeline and the variants below, scored against its `reference_10m.tif`
 * with the project's own compare code (cloud = cloud + semi-transparent), and printed as one
 * table. Then the clear-scene check: the real, mostly clear crop T31TDH 2015, wrapped into a
 * product, must have at most 0.5 % of its pixels called cloud or semi-transparent.
 *
 * `quality-baseline.json` beside this file holds the figures of main before the mask-quality
 * work (this bench run on commit ed55fe2 with `--only default,cnn-only,fmask`; its 'default'
 * is also the 'jp2-level' row): the table shows what moved. `--write-baseline` rewrites
 * it from this run; `--only default,cnn-only` runs some settings.
 *
 * The `int8*` settings run an int8 copy of the default model (docs/int8.md) whose activation
 * ranges were calibrated on the OTHER labelled case (leave one out), built on first use into
 * native-models/build/int8-loo/ (named by a hash of the quantiser's sources and the options, so
 * a changed quantiser rebuilds). Compare them with `default` and `cnn-only`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fmaskResolution, runFmask, writeFmaskCog } from '../../electron/core/masks/fmask/index.js';
import { compareReport } from '../../electron/core/metrics/compare-service.js';
import type { MaskComparison } from '../../electron/core/metrics/table.js';
import { builtModelsDir } from '../../electron/core/models/paths.js';
import { createSession, type ModelSession } from '../../electron/core/models/session.js';
import { buildInt8, type Int8Options } from '../../native-models/quantize-int8.js';
import {
  DEFAULT_MODEL,
  installedModel,
  runModel,
  type RunModelOptions,
} from '../../electron/core/pipeline/run-model.js';
import { openProduct } from '../../electron/core/scene/index.js';
import type { Resolution } from '../../electron/core/scene/types.js';
import { DATA_DIR, ROOT, SHARED_DATA } from '../helpers/env.js';

interface Setting {
  id: string;
  what: string;
  resolutions: Resolution[];
  /** Options for runModel, or 'fmask'. */
  run: Partial<RunModelOptions> | 'fmask' | 'fmask-average';
  /** Run an int8 copy of the default model built with these options (leave-one-out calibration). */
  int8?: Int8Options;
}

const SETTINGS: Setting[] = [
  { id: 'default', what: 'default four classes (defaults of this build)', resolutions: [10, 20], run: {} },
  {
    id: 'tiles-1024',
    what: "default four classes, CNN on 1024 px tiles (upstream's patch size; the cards use 512 for a smaller ONNX Runtime arena)",
    resolutions: [10, 20],
    run: { tileSize: 1024 },
  },
  {
    id: 'network-pool',
    what: 'default four classes, the network on two worker sessions (runModel opens them, as predict does with 8 GiB of memory)',
    resolutions: [10, 20],
    run: { session: undefined, networkWorkers: 2 },
  },
  {
    id: 'no-fusion',
    what: 'four classes, CNN without the fused decision',
    resolutions: [10, 20],
    run: { fusion: false, coarsening: 'average' },
  },
  {
    id: 'cnn-only',
    what: 'the CNN alone (--cloud-only)',
    resolutions: [10, 20],
    run: { cloudOnly: true, coarsening: 'average' },
  },
  {
    id: 'jp2-level',
    what: 'four classes, no fusion, JPEG2000 reduced level (main before this work)',
    resolutions: [10, 20],
    run: { fusion: false, coarsening: 'jp2-level' },
  },
  {
    id: 'int8',
    what: 'default four classes, int8 CNN (QDQ, 7-bit weights, first separable conv float, min/max ranges from the other case)',
    resolutions: [10, 20],
    run: {},
    int8: {},
  },
  {
    id: 'int8-cnn-only',
    what: 'the int8 CNN alone (compare with cnn-only)',
    resolutions: [10, 20],
    run: { cloudOnly: true, coarsening: 'average' },
    int8: {},
  },
  {
    id: 'int8-u8w',
    what: 'default four classes, int8 CNN with 8-bit weights stored as uint8 (no AVX2 saturation; slower)',
    resolutions: [10, 20],
    run: {},
    int8: { weightType: 'uint8', weightBits: 8 },
  },
  {
    id: 'int8-margin',
    what: 'as int8, every calibrated range widened x1.5 (headroom for brighter scenes)',
    resolutions: [10, 20],
    run: {},
    int8: { rangeMargin: 1.5 },
  },
  {
    id: 'int8-u8w-margin',
    what: 'as int8-u8w, every calibrated range widened x1.5',
    resolutions: [10, 20],
    run: {},
    int8: { weightType: 'uint8', weightBits: 8, rangeMargin: 1.5 },
  },
  {
    id: 'fmask',
    what: 'built-in Fmask 4 (its default: JPEG2000 reduced level)',
    resolutions: [20],
    run: 'fmask',
  },
  {
    id: 'fmask-average',
    what: 'built-in Fmask 4 (block-averaged inputs)',
    resolutions: [20],
    run: 'fmask-average',
  },
];

interface Row {
  case: string;
  setting: string;
  resolution: number;
  cloud: { f1: number | null; precision: number | null; recall: number | null };
  shadow: { f1: number | null; precision: number | null; recall: number | null };
  clearF1: number | null;
  overallAccuracy: number | null;
  kappa: number | null;
  seconds: number;
}

type Baseline = Record<string, { cloudF1: number | null; shadowF1: number | null }>;

const BASELINE = join(import.meta.dirname, 'quality-baseline.json');
const key = (r: Pick<Row, 'case' | 'setting' | 'resolution'>): string =>
  `${r.case}/${r.setting}/${r.resolution}`;

function labelledCases(): { name: string; safe: string; reference: string }[] {
  return readdirSync(SHARED_DATA)
    .filter((d) => d.startsWith('labelled-'))
    .sort()
    .flatMap((d) => {
      const dir = join(SHARED_DATA, d);
      const safe = readdirSync(dir).find((f) => f.endsWith('.SAFE'));
      const reference = join(dir, 'reference_10m.tif');
      return safe && existsSync(reference)
        ? [{ name: d.slice('labelled-'.length), safe: join(dir, safe), reference }]
        : [];
    });
}

/** Sessions on int8 copies calibrated on every case but `held` (or on all, held = ''), cached. */
/** sha256 (12 hex) of the quantiser's sources: a cached int8 model is only reused by the same code. */
function quantizerVersion(): string {
  const dir = join(ROOT, 'electron/core/models/quantize');
  const files = [
    ...readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map((f) => join(dir, f)),
    join(ROOT, 'native-models/quantize-int8.ts'),
  ];
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(f));
  return h.digest('hex').slice(0, 12);
}

function int8Sessions(cases: { name: string; safe: string; reference: string }[]): {
  get(setting: Setting, held: string): Promise<ModelSession>;
  release(): Promise<void>;
} {
  const open = new Map<string, Promise<ModelSession>>();
  const version = quantizerVersion();
  return {
    get(setting, held): Promise<ModelSession> {
      const key = `${setting.id}/${held}`;
      let s = open.get(key);
      if (!s) {
        const calibration = cases.filter((c) => c.name !== held);
        const file = join(
          builtModelsDir(),
          'int8-loo',
          `${version}-${JSON.stringify(setting.int8).replace(/[^a-z0-9]+/gi, '_')}-${calibration.map((c) => c.name).join('+')}.onnx`,
        );
        s = (existsSync(file) ? Promise.resolve() : buildInt8(calibration, file, setting.int8)).then(() =>
          createSession(file, { providers: ['cpu'], log: () => {} }),
        );
        open.set(key, s);
      }
      return s;
    },
    async release(): Promise<void> {
      for (const s of open.values()) await (await s).session.release();
    },
  };
}

function scoreRow(
  c: MaskComparison,
  caseName: string,
  setting: string,
  resolution: number,
  seconds: number,
): Row {
  const cls = (v: number): MaskComparison['scores']['classes'][number] | undefined =>
    c.scores.classes.find((x) => x.classValue === v);
  const shadow = cls(4);
  return {
    case: caseName,
    setting,
    resolution,
    cloud: { f1: c.binary.f1, precision: c.binary.precision, recall: c.binary.recall },
    shadow: { f1: shadow?.f1 ?? null, precision: shadow?.precision ?? null, recall: shadow?.recall ?? null },
    clearF1: cls(1)?.f1 ?? null,
    overallAccuracy: c.scores.overallAccuracy,
    kappa: c.scores.kappa,
    seconds,
  };
}

const f3 = (x: number | null | undefined): string => (x === null || x === undefined ? '  n/a' : x.toFixed(3));
const delta = (now: number | null, before: number | null | undefined): string =>
  now === null || before === null || before === undefined
    ? ''
    : ` (${now - before >= 0 ? '+' : ''}${(now - before).toFixed(3)})`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'write-baseline': { type: 'boolean', default: false }, only: { type: 'string' } },
  });
  const only = values.only?.split(',');
  const settings = SETTINGS.filter((s) => !only || only.includes(s.id));
  const cases = labelledCases();
  if (cases.length === 0) throw new Error(`No labelled cases (labelled-*/) in ${SHARED_DATA}.`);
  const { onnx } = await installedModel(DEFAULT_MODEL);
  const session = await createSession(onnx, { providers: ['cpu'], log: () => {} });
  const tmp = await mkdtemp(join(tmpdir(), 's2-quality-'));
  const rows: Row[] = [];
  const int8 = int8Sessions(cases);
  try {
    for (const c of cases) {
      for (const s of settings) {
        for (const res of s.resolutions) {
          const out = join(tmp, `${c.name}_${s.id}_${res}.tif`);
          const t0 = performance.now();
          if (s.run === 'fmask' || s.run === 'fmask-average') {
            const product = await openProduct(c.safe);
            try {
              const r = await runFmask(product, {
                resolution: fmaskResolution(res),
                ...(s.run === 'fmask-average' ? { coarsening: 'average' as const } : {}),
              });
              await writeFmaskCog(out, r);
            } finally {
              await product.close();
            }
          } else {
            const model = s.int8 ? await int8.get(s, c.name) : session;
            await runModel({ product: c.safe, resolution: res, classesOut: out, session: model, ...s.run });
          }
          const seconds = (performance.now() - t0) / 1000;
          const report = await compareReport({
            reference: { path: c.reference, adapter: 'studio', label: 'reference' },
            masks: [
              {
                path: out,
                ...(s.run === 'fmask' || s.run === 'fmask-average' ? { adapter: 'fmask4' as const } : {}),
              },
            ],
          });
          const comparison = report.comparisons[0];
          if (!comparison) throw new Error(`${c.name} ${s.id}: no comparison`);
          rows.push(scoreRow(comparison, c.name, s.id, res, seconds));
          process.stderr.write('.');
        }
      }
    }
    process.stderr.write('\n');
    const baseline: Baseline = existsSync(BASELINE)
      ? (JSON.parse(await readFile(BASELINE, 'utf8')) as Baseline)
      : {};
    console.log(
      '| case | setting | res | cloud F1 (vs main) | P | R | shadow F1 (vs main) | P | R | clear F1 | OA | kappa | s |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      const b = baseline[key(r)];
      console.log(
        `| ${r.case} | ${r.setting} | ${r.resolution} | ${f3(r.cloud.f1)}${delta(r.cloud.f1, b?.cloudF1)} | ${f3(r.cloud.precision)} | ${f3(r.cloud.recall)} | ` +
          `${f3(r.shadow.f1)}${delta(r.shadow.f1, b?.shadowF1)} | ${f3(r.shadow.precision)} | ${f3(r.shadow.recall)} | ` +
          `${f3(r.clearF1)} | ${f3(r.overallAccuracy)} | ${f3(r.kappa)} | ${r.seconds.toFixed(1)} |`,
      );
    }
    console.log('\nSettings:');
    for (const s of settings) console.log(`- ${s.id}: ${s.what}`);
    if (values['write-baseline']) {
      const out: Baseline = {};
      for (const r of rows) out[key(r)] = { cloudF1: r.cloud.f1, shadowF1: r.shadow.f1 };
      await writeFile(BASELINE, JSON.stringify(out, null, 2) + '\n');
      console.log(`\nwrote ${BASELINE}`);
    }
    if (!only || only.includes('default')) await clearSceneCheck(tmp, session, (s) => int8.get(s, ''));
  } finally {
    await int8.release();
    await session.session.release();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The real, mostly clear crop: share of valid pixels called cloud or semi-transparent. */
async function clearSceneCheck(
  tmp: string,
  session: ModelSession,
  int8Session: (s: Setting) => Promise<ModelSession>,
): Promise<void> {
  let wrap: ((dir: string) => Promise<string>) | undefined;
  try {
    wrap = (
      (await import('../fixtures/clear-crop.js')) as { wrapClearCrop: (dir: string) => Promise<string> }
    ).wrapClearCrop;
  } catch {
    console.log('\nclear-scene check: skipped (no clear-crop wrapper in this build)');
    return;
  }
  const safe = await wrap(join(DATA_DIR, 'scenes'));
  console.log(
    '\nClear-scene check (real crop T31TDH 2015, mostly clear; limit 0.5 % cloud + semi-transparent):',
  );
  console.log('| setting | res | cloud | semi-transparent | shadow | verdict |');
  console.log('|---|---|---|---|---|---|');
  // int8 settings here use the copy calibrated on every labelled case (the clear crop is not one).
  for (const s of SETTINGS.filter((x) => x.run !== 'fmask' && x.run !== 'fmask-average')) {
    for (const res of [10, 20] as Resolution[]) {
      const r = await runModel({
        product: safe,
        resolution: res,
        classesOut: join(tmp, `clear_${s.id}_${res}.tif`),
        session: s.int8 ? await int8Session(s) : session,
        ...(s.run as Partial<RunModelOptions>),
      });
      const cloudy = r.shares.cloud + r.shares.semiTransparent;
      console.log(
        `| ${s.id} | ${res} | ${(100 * r.shares.cloud).toFixed(2)} % | ${(100 * r.shares.semiTransparent).toFixed(2)} % | ` +
          `${(100 * r.shares.shadow).toFixed(2)} % | ${cloudy <= 0.005 ? 'ok' : 'ABOVE 0.5 %'} |`,
      );
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exit(1);
  },
);
