/**
 * Metrics benchmark: two synthetic full-tile 10 m masks (10980 x 10980, random blobs, ~90 %
 * agreement) -> confusion matrix + scores + binary view, and (separately) the 3 px boundary
 * buffer. Each case runs in its own process so its peak RSS (VmHWM) is its own; the masks'
 * 241 MB count in it. Prints a markdown table.
 *
 *   node --import tsx test/bench/metrics.bench.ts [--size 10980]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  binaryScores,
  boundaryBuffer,
  confusionMatrix,
  scoreMatrix,
} from '../../electron/core/metrics/index.js';
import { peakRssMb } from './child.js';

/** Reference: blobs of the four classes plus a no-data band; prediction: the same with ~10 % of it changed in blobs. */
function makeMasks(n: number): { ref: Uint8Array; pred: Uint8Array } {
  let s = 12345;
  const rnd = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const ref = new Uint8Array(n * n);
  const pred = new Uint8Array(n * n);
  // Class field on a coarse 64 px lattice with per-cell noise: blob-like areas.
  const cell = 64;
  const cells = Math.ceil(n / cell);
  const coarse = new Uint8Array(cells * cells);
  const flip = new Uint8Array(cells * cells);
  for (let i = 0; i < coarse.length; i++) {
    const r = rnd();
    coarse[i] = r < 0.45 ? 1 : r < 0.75 ? 2 : r < 0.88 ? 3 : 4;
    flip[i] = rnd() < 0.1 ? 1 + Math.floor(rnd() * 4) : 0;
  }
  for (let y = 0; y < n; y++) {
    const cy = Math.floor(y / cell);
    for (let x = 0; x < n; x++) {
      const i = y * n + x;
      // diagonal no-data wedge in one corner, as on an orbit-edge tile
      if (x + y < n / 8) continue;
      // wobble the cell edges so boundaries are not straight lines
      const cx = Math.floor((x + ((y * 7) & 15)) / cell) % cells;
      const k = cy * cells + cx;
      const c = coarse[k]!;
      ref[i] = c;
      const f = flip[k]!;
      pred[i] = f === 0 ? c : f;
    }
  }
  return { ref, pred };
}

function runCase(name: string, n: number): void {
  const { ref, pred } = makeMasks(n);
  const t0 = performance.now();
  let detail: string;
  if (name === 'metrics') {
    const m = confusionMatrix(ref, pred, n, n);
    const s = scoreMatrix(m);
    const b = binaryScores(m, 'clear');
    detail = `OA ${(s.overallAccuracy! * 100).toFixed(1)} %, kappa ${s.kappa!.toFixed(3)}, binary F1 ${b.f1!.toFixed(3)}`;
  } else {
    const ex = boundaryBuffer(ref, n, n, 3);
    let k = 0;
    for (let i = 0; i < ex.length; i++) k += ex[i]!;
    const m = confusionMatrix(ref, pred, n, n, { exclude: ex });
    detail = `${((k / ex.length) * 100).toFixed(1)} % excluded, OA ${(scoreMatrix(m).overallAccuracy! * 100).toFixed(1)} %`;
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ name, seconds, peakRssMb: peakRssMb(), detail }));
}

const args = process.argv.slice(2);
const sizeArg = args.indexOf('--size');
const n = sizeArg >= 0 ? Number(args[sizeArg + 1]) : 10980;
const caseArg = args.indexOf('--case');
if (caseArg >= 0) {
  runCase(args[caseArg + 1]!, n);
} else {
  const cases: [string, string][] = [
    ['metrics', 'confusion matrix + scores + binary'],
    ['buffer', '3 px boundary buffer + confusion matrix with it'],
  ];
  const rows: string[] = [];
  for (const [id, label] of cases) {
    const r = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--case', id, '--size', String(n)],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      },
    );
    if (r.status !== 0) throw new Error(`case ${id} failed: ${r.stderr}`);
    const j = JSON.parse(r.stdout) as { seconds: number; peakRssMb: number; detail: string };
    rows.push(
      `| ${label} | ${n}² (${((n * n) / 1e6).toFixed(1)} M px) | ${j.seconds.toFixed(2)} | ${j.peakRssMb.toFixed(0)} | ${j.detail} |`,
    );
  }
  console.log('| case | pixels | wall (s) | peak RSS (MiB) | result |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
  console.log('\nWall time excludes making the synthetic masks; peak RSS includes the two 120 MB masks.');
}
