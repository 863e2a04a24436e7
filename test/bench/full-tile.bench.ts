/**
 * The default pipeline on a full tile, as a user runs it: `s2cloud predict` (exact reads, fused
 * clouds, semi-transparent rule, shadows) on the generated full-size L1C product (realistic
 * texture: its 10 m bands compress like ESA's), one process per run, timed by `/usr/bin/time -v`
 * (wall, CPU of every thread, peak RSS) with the CLI's own stage times. The same run prints
 * `opj_decompress -threads 2` on one full 10 m band, and each run's ratio to it, so the figures
 * hold on a noisier or faster machine.
 *
 *   node --import tsx test/bench/full-tile.bench.ts [--runs 20:native,10:native,20:wasm]
 *        [--baseline DIR]   also run the CLI of another checkout (e.g. a worktree of main)
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeScene } from '../fixtures/make-scene.js';
import { DATA_DIR } from '../helpers/env.js';
import { timedRun as run } from './timed-run.js';

const ROOT = resolve(import.meta.dirname, '../..');

function band(safe: string, name: string): string {
  const granules = join(safe, 'GRANULE');
  for (const g of readdirSync(granules)) {
    const dir = join(granules, g, 'IMG_DATA');
    const f = readdirSync(dir).find((n) => n.endsWith(`_${name}.jp2`));
    if (f) return join(dir, f);
  }
  throw new Error(`${safe}: no ${name} band`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      runs: { type: 'string', default: '20:native,10:native,20:wasm' },
      baseline: { type: 'string' },
    },
  });
  console.log('Building (or reusing) the full-size L1C product (realistic texture)…');
  const { safePath } = await makeScene({ size: 'full', outDir: join(DATA_DIR, 'scenes'), log: () => {} });
  const tmp = mkdtempSync(join(tmpdir(), 's2-bench-full-'));
  const rows: string[] = [];
  try {
    const b02 = band(safePath, 'B02');
    const opj = await run('opj_decompress', ['-threads', '2', '-i', b02, '-o', join(tmp, 'b02.pgm')]);
    const ref = opj.ok ? opj.wallS : NaN;
    console.log(`opj_decompress -threads 2, one 10 m band (B02): ${ref.toFixed(1)} s wall`);
    const checkouts: [string, string][] = [['this checkout', ROOT]];
    if (values.baseline) checkouts.push([`baseline ${values.baseline}`, resolve(values.baseline)]);
    for (const [label, dir] of checkouts) {
      for (const spec of values.runs.split(',')) {
        const [res, codec = 'native'] = spec.split(':');
        const out = join(tmp, `mask-${res}-${codec}.tif`);
        const m = await run(
          process.execPath,
          [join(dir, 'bin', 's2cloud.js'), 'predict', safePath, '--resolution', res!, '--out', out],
          { S2_JP2_CODEC: codec },
        );
        if (!m.ok) console.log(`${label} ${res} m ${codec} failed:\n${m.tail}`);
        const f = (v: number | null, d = 1): string => (v === null ? 'n/a' : v.toFixed(d));
        rows.push(
          `| ${label} | ${res} m | ${codec} | ${f(m.wallS)} | ${f(m.cpuS)} | ${f(m.peakRssMb, 0)} | ${(m.wallS / ref).toFixed(1)} | ${m.ok ? m.stages : 'failed'} |`,
        );
        console.log(rows.at(-1));
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(
    `\npredict (default four classes), full-size generated L1C product ${safePath.split('/').pop()}\n`,
  );
  console.log(
    '| code | res | codec | wall (s) | CPU (s) | peak RSS (MiB) | wall / opj_decompress | stages (CLI) |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

await main();
