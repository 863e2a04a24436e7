/**
 * COG writer benchmark: full-size Sentinel-2 grids. Each case runs in its own process so that
 * peak RSS is its own. Prints a markdown table. Run: `npm run bench -- cog-write`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CogWriter, KAPPAMASK_PALETTE, writeCog } from '../../electron/core/raster/cog/index.js';
import type { Grid } from '../../electron/core/raster/grid.js';

interface CaseResult {
  name: string;
  seconds: number;
  peakRssMb: number;
  fileMb: number;
}

const CASES: Record<string, (out: string) => Promise<string>> = {
  /** Whole uint8 class mask in memory (what inference hands over at 10 m), writeCog. */
  async 'uint8 classes 10980x10980, in memory, mode overviews'(out) {
    const n = 10980;
    const grid: Grid = { epsg: 32633, width: n, height: n, transform: [399960, 10, 0, 5000040, 0, -10] };
    const data = new Uint8Array(n * n);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++)
        data[y * n + x] = 1 + ((((x >> 6) ^ (y >> 6)) + ((x * y) % 7 === 0 ? 1 : 0)) % 4);
    }
    const t0 = performance.now();
    await writeCog(out, {
      grid,
      dataType: 'Uint8',
      bands: [{ data }],
      nodata: 0,
      palette: KAPPAMASK_PALETTE,
    });
    return ((performance.now() - t0) / 1000).toFixed(2);
  },
  /** Float32 probabilities at 20 m, fed by 512-row strips as they are produced. */
  async 'float32 probability 5490x5490, streamed, average overviews'(out) {
    return streamFloat(out, 5490, 20);
  },
  /** Float32 at 10 m: 480 MB if held whole; streamed it never is. */
  async 'float32 probability 10980x10980, streamed, average overviews'(out) {
    return streamFloat(out, 10980, 10);
  },
  /** The same with zlib level 1: float mantissas barely compress, level 6 mostly costs time. */
  async 'float32 probability 10980x10980, streamed, deflate level 1'(out) {
    return streamFloat(out, 10980, 10, 1);
  },
};

async function streamFloat(out: string, n: number, res: number, deflateLevel = 6): Promise<string> {
  const grid: Grid = { epsg: 32633, width: n, height: n, transform: [399960, res, 0, 5000040, 0, -res] };
  const strip = new Float32Array(n * 512);
  let genMs = 0;
  const t0 = performance.now();
  const w = await CogWriter.open(out, { grid, dataType: 'Float32', bands: [{}], nodata: -1, deflateLevel });
  for (let y0 = 0; y0 < n; y0 += 512) {
    const rows = Math.min(512, n - y0);
    const g0 = performance.now();
    for (let r = 0; r < rows; r++) {
      const y = y0 + r;
      for (let x = 0; x < n; x++)
        strip[r * n + x] = 1 / (1 + Math.exp(-Math.sin(x / 97) * Math.cos(y / 61) * 8));
    }
    genMs += performance.now() - g0;
    await w.writeRows(y0, [strip.subarray(0, rows * n)]);
  }
  await w.finish();
  return ((performance.now() - t0 - genMs) / 1000).toFixed(2); // writer time only
}

const self = fileURLToPath(import.meta.url);
const [, , mode, name] = process.argv;
if (mode === 'case' && name !== undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'cog-bench-'));
  const out = join(dir, 'out.tif');
  try {
    const seconds = Number(await CASES[name]!(out));
    const r: CaseResult = {
      name,
      seconds,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      fileMb: Math.round((statSync(out).size / 1e6) * 10) / 10,
    };
    console.log(JSON.stringify(r));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  console.log('| case | write time (s) | peak RSS (MiB) | file (MB) |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const c of Object.keys(CASES)) {
    const p = spawnSync(process.execPath, ['--import', 'tsx', self, 'case', c], { encoding: 'utf8' });
    if (p.status !== 0) {
      console.log(`| ${c} | failed: ${p.stderr.trim().split('\n').pop() ?? ''} | | |`);
      continue;
    }
    const r = JSON.parse(p.stdout.trim().split('\n').pop()!) as CaseResult;
    console.log(`| ${r.name} | ${r.seconds} | ${r.peakRssMb} | ${r.fileMb} |`);
  }
}
