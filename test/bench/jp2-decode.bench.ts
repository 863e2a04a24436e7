/**
 * JP2 decode benchmark: our tile-parallel decoder, with each codec (the native libopenjp2 addon
 * when built, and OpenJPEG WASM), against opj_decompress and gdal_translate on one full-size band
 * (default: B02 of the full-size scene made by `node --import tsx test/fixtures/make-scene.ts --size full`).
 *
 *   node --import tsx test/bench/jp2-decode.bench.ts [path/to/band.jp2] [--workers N] [--repeat N]
 *     [--levels 0,1] [--variants native,wasm-simd,wasm-npm] [--no-gdal]
 *
 * Our variants: the native addon, our own WASM build (native/openjp2-wasm) and the npm package's.
 * Each measurement runs in its own process so peak RSS is that run's alone; with --repeat N the
 * tools run interleaved N times and the table shows medians. Our output is checked bit for bit against opj_decompress (SHA-1 of
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
import { simdWasmPath } from '../../electron/core/raster/jp2/wasm-simd.js';

export interface BenchRow {
  tool: string;
  level: number;
  wallMs: number;
  /** User + system CPU seconds of the whole process: robust to other load on the machine. */
  cpuS: number;
  peakRssMb: number;
  /** SHA-1 of the decoded samples where the tool's output could be hashed. */
  sha1?: string;
  /** Median over rounds of this tool's wall time / opj_decompress's in the same round. */
  vsOpj?: number;
  /** Median CPU seconds / opj_decompress's median CPU seconds (CPU time is robust to other load). */
  cpuVsOpj?: number;
  /** Runs the medians are over. */
  runs: number;
}

export interface Jp2BenchResult {
  file: string;
  width: number;
  height: number;
  tiles: number;
  workers: number;
  rows: BenchRow[];
  /** Whether our output hashed equal to opj_decompress's in every run, per codec and level ("wasm-simd L0"). */
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
async function child(file: string, level: number, workers: number, variant: CodecVariant): Promise<void> {
  const t0 = performance.now();
  const codec: Jp2Codec = variant === 'native' ? 'native' : 'wasm';
  const decoder = new Jp2Decoder({ workers, codec, wasmBuild: variant === 'wasm-npm' ? 'npm' : 'simd' });
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

function table(rows: BenchRow[]): string {
  const lines = [
    '| tool | level | runs | wall (s), median | vs opj_decompress, median of rounds | CPU (s), median | CPU vs opj_decompress | peak RSS (MiB) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const cells = [
      r.tool,
      r.level,
      r.runs,
      (r.wallMs / 1000).toFixed(2),
      r.vsOpj !== undefined ? `${r.vsOpj.toFixed(2)}x` : '',
      r.cpuS.toFixed(1),
      r.cpuVsOpj !== undefined ? `${r.cpuVsOpj.toFixed(2)}x` : '',
      r.peakRssMb.toFixed(0),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** One of our decoders: a codec, and for WASM which build (see PoolOptions.wasmBuild). */
export type CodecVariant = 'native' | 'wasm-simd' | 'wasm-npm';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0
    ? NaN
    : n % 2
      ? (s[(n - 1) / 2] as number)
      : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
};

interface Run {
  wallMs: number;
  cpuS: number;
  peakRssMb: number;
  sha1?: string;
  meta?: ChildResult;
}

/**
 * Benchmarks one JP2 band at `levels`; prints progress with `log`. The tools run interleaved
 * (one run of each, `repeat` times) so a machine shared with other work slows them alike; each
 * row is the median run, and `vs opj` the median of the per-round ratios to opj_decompress.
 */
export async function runJp2Bench(
  file: string,
  opts: {
    workers?: number;
    levels?: number[];
    repeat?: number;
    gdal?: boolean;
    variants?: CodecVariant[];
    log?: (s: string) => void;
  } = {},
): Promise<Jp2BenchResult> {
  const log = opts.log ?? ((s: string): void => console.log(s));
  const workers = opts.workers ?? 2;
  const levels = opts.levels ?? [0, 1];
  const repeat = Math.max(1, opts.repeat ?? 1);
  const dir = mkdtempSync(join(tmpdir(), 'jp2-bench-'));
  const rows: BenchRow[] = [];
  const bitExact: Record<string, boolean> = {};
  const loaded = loadNativeAddon();
  const simd = simdWasmPath() !== undefined;
  const variants = (opts.variants ?? ['native', 'wasm-simd', 'wasm-npm']).filter((v) => {
    if (v === 'native' && 'error' in loaded) log(`native codec not benchmarked: ${loaded.error}`);
    else if (v === 'wasm-simd' && !simd)
      log('wasm-simd not benchmarked: native/openjp2-wasm/openjp2.wasm is missing');
    else return true;
    return false;
  });
  let meta: ChildResult | undefined;
  const ratios: string[] = [];
  try {
    for (const level of levels) {
      const tools: { name: string; run: () => Promise<Run> }[] = variants.map((v) => ({
        name: `Jp2Decoder ${v} (${workers} workers)`,
        run: async (): Promise<Run> => {
          const argv = ['--import', 'tsx', SELF, '--child', file, String(level), String(workers), v];
          const m = await measure(process.execPath, argv);
          const c = JSON.parse(m.stdout) as ChildResult;
          // Our wall time is the decode's own (pool start, codec load, all tiles), without tsx's start-up.
          return { wallMs: c.wallMs, cpuS: m.cpuS, peakRssMb: m.peakRssMb, sha1: c.sha1, meta: c };
        },
      }));
      const OPJ = 'opj_decompress -threads 2';
      if (has('opj_decompress')) {
        tools.push({
          name: OPJ,
          run: async (): Promise<Run> => {
            const out = join(dir, 'opj.rawl'); // planar little-endian samples: hashable against ours
            const r = await measure('opj_decompress', [
              '-threads',
              '2',
              '-r',
              String(level),
              '-i',
              file,
              '-o',
              out,
            ]);
            const sha1 = createHash('sha1').update(readFileSync(out)).digest('hex');
            rmSync(out);
            return { ...r, sha1 };
          },
        });
      }
      if (opts.gdal !== false && has('gdal_translate')) {
        tools.push({
          name: 'gdal_translate -of ENVI',
          run: async (): Promise<Run> => {
            const out = join(dir, `gdal-${level}.envi`);
            // -outsize 1/2^n makes GDAL's JP2OpenJPEG driver decode the reduced resolution level.
            const size = level > 0 ? ['-outsize', `${100 / 2 ** level}%`, `${100 / 2 ** level}%`] : [];
            const r = await measure('gdal_translate', ['-q', '-of', 'ENVI', ...size, file, out]);
            rmSync(out, { force: true });
            return r;
          },
        });
      }
      const runs = new Map<string, Run[]>(tools.map((t) => [t.name, []]));
      for (let round = 0; round < repeat; round++) {
        for (const t of tools) {
          const r = await t.run();
          (runs.get(t.name) as Run[]).push(r);
          meta = r.meta ?? meta;
          log(
            `round ${round + 1} level ${level} ${t.name}: ${(r.wallMs / 1000).toFixed(2)} s, ` +
              `CPU ${r.cpuS.toFixed(1)} s, ${r.peakRssMb.toFixed(0)} MB`,
          );
        }
      }
      const opj = runs.get(OPJ);
      for (const t of tools) {
        const rs = runs.get(t.name) as Run[];
        const sha1 = rs[0]?.sha1;
        if (opj && t.name !== OPJ && sha1 !== undefined) {
          const key = `${t.name.split(' ')[1]} L${level}`;
          bitExact[key] = rs.every((r) => r.sha1 === opj[0]?.sha1);
        }
        // Per-round ratios: robust to the machine's speed drifting between rounds.
        const perRound = opj ? rs.map((r, i) => r.wallMs / (opj[i] as Run).wallMs) : [];
        rows.push({
          tool: t.name,
          level,
          wallMs: median(rs.map((r) => r.wallMs)),
          cpuS: median(rs.map((r) => r.cpuS)),
          peakRssMb: median(rs.map((r) => r.peakRssMb)),
          sha1,
          vsOpj: opj ? median(perRound) : undefined,
          cpuVsOpj: opj ? median(rs.map((r) => r.cpuS)) / median(opj.map((r) => r.cpuS)) : undefined,
          runs: rs.length,
        });
        if (opj) ratios.push(`${t.name} L${level}: ${perRound.map((x) => x.toFixed(2)).join(' ')}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const markdown = table(rows);
  log(`per-round ratios to opj_decompress:\n${ratios.join('\n')}`);
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
    await child(args[1] as string, Number(args[2]), Number(args[3]), args[4] as CodecVariant);
    return;
  }
  const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? defaultBand();
  const w = args.indexOf('--workers');
  const rep = args.indexOf('--repeat');
  const lv = args.indexOf('--levels');
  const only = args.indexOf('--variants');
  if (!file) {
    console.error(
      'usage: node --import tsx test/bench/jp2-decode.bench.ts [band.jp2] [--workers N] [--repeat N]\n' +
        '  [--levels 0,1] [--variants native,wasm-simd,wasm-npm] [--no-gdal]\n' +
        '(no band given and no full-size scene: node --import tsx test/fixtures/make-scene.ts --size full)',
    );
    process.exitCode = 2;
    return;
  }
  const res = await runJp2Bench(file, {
    workers: w >= 0 ? Number(args[w + 1]) : undefined,
    repeat: rep >= 0 ? Number(args[rep + 1]) : undefined,
    levels: lv >= 0 ? (args[lv + 1] ?? '0').split(',').map(Number) : undefined,
    variants: only >= 0 ? ((args[only + 1] ?? '').split(',') as CodecVariant[]) : undefined,
    gdal: !args.includes('--no-gdal'),
  });
  console.log(`\n${res.file}: ${res.width} x ${res.height}, ${res.tiles} tiles\n`);
  console.log(res.markdown);
  console.log(`\nbit-exact with opj_decompress: ${JSON.stringify(res.bitExact)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
