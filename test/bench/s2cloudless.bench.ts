/**
 * s2cloudless on a full tile, as a user runs it: `s2cloud predict --model s2cloudless` on the
 * generated full-size L1C product (the one full-tile.bench.ts uses) at 60 m and 20 m, one process
 * per run, timed by `/usr/bin/time -v` (wall, CPU of every thread, peak RSS), with the CLI's own
 * stage times. The real model cannot be fetched here, so the run uses a synthetic one of the
 * real one's size class: 200 trees of 31 leaves over the ten bands, thresholds drawn from
 * plausible reflectances (the walk depth, not the values, sets the cost). It also prints the
 * evaluator's single-thread speed on random pixels.
 *
 *   node --import tsx test/bench/s2cloudless.bench.ts [--res 60,20] [--trees 200] [--leaves 31]
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseLightgbmModel, predict } from '../../electron/core/models/lightgbm/index.js';
import { makeScene } from '../fixtures/make-scene.js';
import { DATA_DIR } from '../helpers/env.js';
import { timedRun as run } from './timed-run.js';
import { decisionType, modelText, randomTree, rng } from '../helpers/lightgbm-model.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Ten-band model: 200 trees x 31 leaves, thresholds in 0..0.6 reflectance, mixed default directions. */
function syntheticModel(trees: number, leaves: number): string {
  const random = rng(2024);
  return modelText({
    numFeatures: 10,
    featureNames: ['B01', 'B02', 'B04', 'B05', 'B08', 'B8A', 'B09', 'B10', 'B11', 'B12'],
    trees: Array.from({ length: trees }, () =>
      randomTree(leaves, 10, random, {
        thresholds: () => 0.6 * random() ** 1.5,
        decision: () => decisionType(random() < 0.5, 2),
      }),
    ),
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      res: { type: 'string', default: '60,20' },
      trees: { type: 'string', default: '200' },
      leaves: { type: 'string', default: '31' },
    },
  });
  const trees = Number(values.trees);
  const leaves = Number(values.leaves);
  const text = syntheticModel(trees, leaves);

  // The evaluator alone, one thread: 1M random pixels.
  const model = parseLightgbmModel(text, 'synthetic.txt');
  const n = 1_000_000;
  const random = rng(1);
  const data = Float32Array.from({ length: 10 * n }, () => 0.6 * random());
  predict(model, { data: data.subarray(0, 10 * 1000), count: 1000, stride: 1000, features: 10 }); // warm up
  const t0 = performance.now();
  predict(model, { data, count: n, stride: n, features: 10 });
  const evalS = (performance.now() - t0) / 1000;
  console.log(
    `evaluator, one thread: ${trees} trees x ${leaves} leaves, ${n} px in ${evalS.toFixed(2)} s (${(n / evalS / 1e6).toFixed(2)} Mpx/s)`,
  );

  console.log('Building (or reusing) the full-size L1C product (realistic texture)…');
  const { safePath } = await makeScene({ size: 'full', outDir: join(DATA_DIR, 'scenes'), log: () => {} });
  const tmp = mkdtempSync(join(tmpdir(), 's2-bench-s2cloudless-'));
  const rows: string[] = [];
  try {
    const models = join(tmp, 'models');
    mkdirSync(join(models, 'build'), { recursive: true });
    cpSync(join(ROOT, 'native-models/s2cloudless'), join(models, 's2cloudless'), { recursive: true });
    writeFileSync(join(models, 'build', 's2cloudless.txt'), text);
    for (const res of values.res.split(',')) {
      const out = join(tmp, `s2cloudless-${res}.tif`);
      const m = await run(
        process.execPath,
        [
          join(ROOT, 'bin', 's2cloud.js'),
          'predict',
          safePath,
          '--model',
          's2cloudless',
          '--resolution',
          res,
          '--out',
          out,
          '--probabilities',
        ],
        { S2_MODELS_DIR: models },
      );
      if (!m.ok) console.log(`${res} m failed:\n${m.tail}`);
      const f = (v: number | null, d = 1): string => (v === null ? 'n/a' : v.toFixed(d));
      rows.push(
        `| ${res} m | ${f(m.wallS)} | ${f(m.cpuS)} | ${f(m.peakRssMb, 0)} | ${m.ok ? m.stages : 'failed'} |`,
      );
      console.log(rows.at(-1));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(
    `\ns2cloudless (${trees} trees x ${leaves} leaves, synthetic), full-size generated L1C product ${safePath.split('/').pop()}\n`,
  );
  console.log('| res | wall (s) | CPU (s) | peak RSS (MiB) | stages (CLI) |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

await main();
