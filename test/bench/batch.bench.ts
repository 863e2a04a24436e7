/**
 * Batch throughput on full-size products: the generated full-size L1C (10980 x 10980 at 10 m)
 * linked under N names into one folder, processed by `BatchRun` at 20 m with the default outputs
 * (four-class COG, agreement with MSK_CLASSI, quicklook). Each jobs setting runs in its own
 * process so its peak RSS is its own.
 *
 *   node --import tsx test/bench/batch.bench.ts [--products 4] [--jobs 1,2] [--resolution 20]
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BatchRun, defaultJobs } from '../../electron/core/batch/index.js';
import { destroySharedDecoder } from '../../electron/core/raster/jp2/index.js';
import type { Resolution } from '../../electron/core/scene/types.js';
import { makeScene } from '../fixtures/make-scene.js';
import { DATA_DIR } from '../helpers/env.js';
import { ensureBuiltModel } from '../helpers/models.js';
import { peakRssMb, runChild, sendReport } from './child.js';

interface ChildReport {
  jobs: number;
  threadsPerJob: number;
  done: number;
  failed: string[];
  wallS: number;
  sceneSeconds: number[];
  peakRssMb: number;
  cloud: number[];
}

async function child(folder: string, outDir: string, jobs: number, resolution: Resolution): Promise<void> {
  const t0 = performance.now();
  const snap = await new BatchRun({ folder, outDir, jobs, resolution }).start();
  const report: ChildReport = {
    jobs: snap.jobs ?? jobs,
    threadsPerJob: snap.threadsPerJob ?? 0,
    done: snap.scenes.filter((s) => s.status === 'done').length,
    failed: snap.scenes
      .filter((s) => s.status !== 'done')
      .map((s) => `${s.id}: ${s.error?.message ?? s.reason}`),
    wallS: (performance.now() - t0) / 1000,
    sceneSeconds: snap.scenes.map((s) => s.seconds ?? NaN),
    peakRssMb: peakRssMb(),
    cloud: snap.scenes.map((s) => s.summary?.cloud ?? NaN),
  };
  await destroySharedDecoder();
  sendReport(report);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      products: { type: 'string', default: '4' },
      jobs: { type: 'string', default: '1,2' },
      resolution: { type: 'string', default: '20' },
    },
    allowPositionals: true,
  });
  const res = Number(values.resolution) as Resolution;
  console.log('Building (or reusing) the full-size L1C product…');
  const { safePath } = await makeScene({ size: 'full', outDir: join(DATA_DIR, 'scenes') });
  await ensureBuiltModel('dl-l8s2-uv-6b');
  const tmp = mkdtempSync(join(tmpdir(), 's2-bench-batch-'));
  const folder = join(tmp, 'in');
  const n = Number(values.products);
  mkdirSync(folder);
  // One product under N names: distinct output stems, the same work each time.
  for (let i = 1; i <= n; i++) symlinkSync(safePath, join(folder, `product${i}.SAFE`));
  const rows: string[] = [];
  try {
    for (const jobs of values.jobs.split(',').map(Number)) {
      const { report: r } = await runChild<ChildReport>(fileURLToPath(import.meta.url), [
        folder,
        join(tmp, `out-${jobs}`),
        String(jobs),
        String(res),
      ]);
      if (r.failed.length) console.log(`  not done: ${r.failed.join('; ')}`);
      const perHour = (3600 * r.done) / r.wallS;
      const mean = r.sceneSeconds.reduce((a, b) => a + b, 0) / r.sceneSeconds.length;
      rows.push(
        `| ${r.jobs} | ${r.threadsPerJob} | ${r.done}/${n} | ${r.wallS.toFixed(1)} | ${mean.toFixed(1)} | ${perHour.toFixed(1)} | ${r.peakRssMb.toFixed(0)} |`,
      );
      console.log(rows.at(-1));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(
    `\nbatch, dl-l8s2-uv-6b four classes at ${res} m + MSK_CLASSI agreement + quicklook, ${n} full-size generated L1C products, ` +
      `${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB (default jobs here: ${defaultJobs(res)})\n`,
  );
  console.log(
    '| jobs | ONNX threads/job | scenes | wall (s) | mean s/scene | products/hour | peak RSS (MiB) |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  await child(argv[1]!, argv[2]!, Number(argv[3]), Number(argv[4]) as Resolution);
} else {
  await main();
}
