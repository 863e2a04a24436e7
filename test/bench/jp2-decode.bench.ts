/**
 * JP2 decode benchmark: our tile-parallel decoder, with each codec (the native libopenjp2 addon
 * when built, and OpenJPEG WASM), against opj_decompress and gdal_translate on one full-size band
 * (default: B02 of the full-size scene made by `node --import tsx test/fixtures/make-scene.ts --size full`).
 *
 *   node --import tsx test/bench/jp2-decode.bench.ts [path/to/band.jp2] [--workers N] [--repeat N]
 *
 * Each measurement runs in its own process so peak RSS is that run's alone; with --repeat N the
 * table shows the median run. Our output is checked bit for bit against opj_decompress (SHA-1 of
 * the little-endian samples).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileByteSource } from '../../electron/core/raster/byte-source.js';
import { Jp2Decoder, loadNativeAddon, type Jp2Codec } from '../../electron/core/raster/jp2/index.js';

export interface BenchRow {
  tool: string;
  level: number;
  wallMs: number;
  /** User + system CPU seconds of the whole process: robust to other load on the machine. */
  cpuS: number;
  peakRssMb: number;
  /** SHA-1 of the decoded samples where the tool's output could be hashed. */
  sha1?: string;
}

export interface Jp2BenchResult {
  file: string;
  width: number;
  height: number;
  tiles: number;
  workers: number;
  rows: BenchRow[];
  /** Whether our output hashed equal to opj_decompress's, per codec and level ("native L0"). */
  bitExact: Record<string, boolean>;
  markdown: string;
}

interface ChildResult {
  wallMs: number;
  peakRssMb: number;
  sha1: string;
  width: number;
  height: number;
  tiles: number;
}

const SELF = fileURLToPath(import.meta.url);

/** Child mode: one cold decode (pool start, codec load, all tiles), reported as JSON on stdout. */
async function child(file: string, level: number, workers: number, codec: Jp2Codec): Promise<void> {
  const t0 = performance.now();
  const decoder = new Jp2Decoder({ workers, codec });
  const src = await fileByteSource(file);
  const info = await decoder.info(src);
  const r = await decoder.decode(src, { level });
  const wallMs = performance.now() - t0;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const sha1 = createHash('sha1')
    .update(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength))
    .digest('hex');
  await decoder.destroy();
  await src.close();
  const out: ChildResult = {
    wallMs,
    peakRssMb,
    sha1,
    width: info.width,
    height: info.height,
    tiles: info.tilesX * info.tilesY,
  };
  process.stdout.write(JSON.stringify(out));
}

/** Runs a command, measuring wall time and peak RSS (GNU time when present, else /proc polling). */
interface Measured {
  wallMs: number;
  cpuS: number;
  peakRssMb: number;
  stdout: string;
}

function measure(cmd: string, args: string[]): Promise<Measured> {
  const gnuTime = existsSync('/usr/bin/time');
  const [exe, argv] = gnuTime ? ['/usr/bin/time', ['-v', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(exe, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hwmKb = 0;
    const poll = gnuTime
      ? undefined
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
            hwmKb = Math.max(hwmKb, Number(m?.[1] ?? 0));
          } catch {
            /* exited */
          }
        }, 20);
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (poll) clearInterval(poll);
      if (code !== 0) return reject(new Error(`${cmd} exited with ${code}: ${stderr.slice(-500)}`));
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const user = Number(/User time \(seconds\): ([\d.]+)/.exec(stderr)?.[1] ?? NaN);
      const sys = Number(/System time \(seconds\): ([\d.]+)/.exec(stderr)?.[1] ?? NaN);
      resolve({ wallMs, cpuS: user + sys, peakRssMb: (m ? Number(m[1]) : hwmKb) / 1024, stdout });
    });
  });
}

const has = (tool: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

function table(rows: BenchRow[], opjWall: Record<number, number>): string {
  const lines = [
    '| tool | level | wall (s) | vs opj_decompress | CPU (s) | peak RSS (MB) |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const ref = opjWall[r.level];
    const ratio = ref ? `${(r.wallMs / ref).toFixed(2)}x` : '';
    const cells = [
      r.tool,
      r.level,
      (r.wallMs / 1000).toFixed(2),
      ratio,
      r.cpuS.toFixed(1),
      r.peakRssMb.toFixed(0),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Median (by `wall`, default the process's wall time) of `n` runs: the machine may be shared. */
async function median(
  n: number,
  run: () => Promise<Measured>,
  wall: (m: Measured) => number = (m) => m.wallMs,
): Promise<Measured> {
  const runs: Measured[] = [];
  for (let i = 0; i < Math.max(1, n); i++) runs.push(await run());
  runs.sort((a, b) => wall(a) - wall(b));
  return runs[Math.floor((runs.length - 1) / 2)] as Measured;
}

/** Benchmarks one JP2 band at levels 0 and 1; prints progress with `log`. */
export async function runJp2Bench(
  file: string,
  opts: { workers?: number; levels?: number[]; repeat?: number; log?: (s: string) => void } = {},
): Promise<Jp2BenchResult> {
  const log = opts.log ?? ((s: string): void => console.log(s));
  const workers = opts.workers ?? 2;
  const levels = opts.levels ?? [0, 1];
  const repeat = opts.repeat ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'jp2-bench-'));
  const rows: BenchRow[] = [];
  const opjWall: Record<number, number> = {};
  const bitExact: Record<string, boolean> = {};
  const loaded = loadNativeAddon();
  const codecs: Jp2Codec[] = 'addon' in loaded ? ['native', 'wasm'] : ['wasm'];
  if ('error' in loaded) log(`native codec not benchmarked: ${loaded.error}`);
  let meta: ChildResult | undefined;
  try {
    for (const level of levels) {
      const ours: Record<string, string> = {};
      for (const codec of codecs) {
        const argv = ['--import', 'tsx', SELF, '--child', file, String(level), String(workers), codec];
        // Our wall time is the decode's own (pool start, codec load, all tiles), without tsx's start-up.
        const own = (r: Measured): number => (JSON.parse(r.stdout) as ChildResult).wallMs;
        const m = await median(repeat, () => measure(process.execPath, argv), own);
        meta = JSON.parse(m.stdout) as ChildResult;
        ours[codec] = meta.sha1;
        rows.push({
          tool: `Jp2Decoder ${codec} (${workers} workers)`,
          level,
          wallMs: meta.wallMs,
          cpuS: m.cpuS,
          peakRssMb: m.peakRssMb,
          sha1: meta.sha1,
        });
        log(
          `${codec.padEnd(8)} level ${level}: ${(meta.wallMs / 1000).toFixed(2)} s, ${m.peakRssMb.toFixed(0)} MB`,
        );
      }
      if (has('opj_decompress')) {
        const out = join(dir, 'opj.rawl'); // planar little-endian samples: hashable against ours
        const r = await median(repeat, () =>
          measure('opj_decompress', ['-threads', '2', '-r', String(level), '-i', file, '-o', out]),
        );
        const sha1 = createHash('sha1').update(readFileSync(out)).digest('hex');
        rmSync(out);
        opjWall[level] = r.wallMs;
        for (const codec of codecs) bitExact[`${codec} L${level}`] = sha1 === ours[codec];
        rows.push({
          tool: 'opj_decompress -threads 2',
          level,
          wallMs: r.wallMs,
          cpuS: r.cpuS,
          peakRssMb: r.peakRssMb,
          sha1,
        });
        log(
          `opj      level ${level}: ${(r.wallMs / 1000).toFixed(2)} s, ${r.peakRssMb.toFixed(0)} MB, bit-exact ${JSON.stringify(bitExact)}`,
        );
      }
      if (has('gdal_translate')) {
        const out = join(dir, `gdal-${level}.envi`);
        // -outsize 1/2^n makes GDAL's JP2OpenJPEG driver decode the reduced resolution level.
        const size = level > 0 ? ['-outsize', `${100 / 2 ** level}%`, `${100 / 2 ** level}%`] : [];
        const r = await median(repeat, () =>
          measure('gdal_translate', ['-q', '-of', 'ENVI', ...size, file, out]),
        );
        rmSync(out, { force: true });
        rows.push({
          tool: 'gdal_translate -of ENVI',
          level,
          wallMs: r.wallMs,
          cpuS: r.cpuS,
          peakRssMb: r.peakRssMb,
        });
        log(`gdal     level ${level}: ${(r.wallMs / 1000).toFixed(2)} s, ${r.peakRssMb.toFixed(0)} MB`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const markdown = table(rows, opjWall);
  return {
    file,
    width: meta?.width ?? 0,
    height: meta?.height ?? 0,
    tiles: meta?.tiles ?? 0,
    workers,
    rows,
    bitExact,
    markdown,
  };
}

/** B02 of the full-size L1C scene under .data/scenes/full-L1C, if it has been built. */
function defaultBand(): string | undefined {
  const root = resolve(SELF, '../../../.data/scenes/full-L1C');
  if (!existsSync(root)) return undefined;
  const hit = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((p) => /IMG_DATA[\\/][^\\/]*_B02\.jp2$/.test(p))
    .sort()[0];
  return hit ? join(root, hit) : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    await child(args[1] as string, Number(args[2]), Number(args[3]), args[4] as Jp2Codec);
    return;
  }
  const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? defaultBand();
  const w = args.indexOf('--workers');
  const rep = args.indexOf('--repeat');
  if (!file) {
    console.error(
      'usage: node --import tsx test/bench/jp2-decode.bench.ts [band.jp2] [--workers N] [--repeat N]\n' +
        '(no band given and no full-size scene: node --import tsx test/fixtures/make-scene.ts --size full)',
    );
    process.exitCode = 2;
    return;
  }
  const res = await runJp2Bench(file, {
    workers: w >= 0 ? Number(args[w + 1]) : undefined,
    repeat: rep >= 0 ? Number(args[rep + 1]) : undefined,
  });
  console.log(`\n${res.file}: ${res.width} x ${res.height}, ${res.tiles} tiles\n`);
  console.log(res.markdown);
  console.log(`\nbit-exact with opj_decompress: ${JSON.stringify(res.bitExact)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
