/**
 * ONNX Runtime session options for the default model on the CPU: the memory arena, the memory
 * pattern, the tile size, batching and intra-op threads, each setting in its own process (peak RSS
 * is its own), timed over several tiles after a warm-up run. The figures behind `session.ts`'s
 * defaults (arena on, pattern off) and the cards' 512 px tiles.
 *
 *   node --import tsx test/bench/ort-options.bench.ts [--tiles 8] [--model dl-l8s2-uv-6b]
 *   node --import tsx test/bench/ort-options.bench.ts --int8 [--files A.onnx,B.onnx] [--rounds 6] [--tiles 3]
 *
 * `--int8` times the float model against int8 copies (docs/int8.md) in ONE process with the app's
 * session options (createSession), interleaved round by round, so a busy machine slows both
 * alike. Without files it uses the shipped int8 card's file, else builds one (calibrated on both
 * labelled cases) into native-models/build/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { createSession } from '../../electron/core/models/session.js';
import { builtModelsDir, modelsDir } from '../../electron/core/models/paths.js';
import { buildInt8, labelledCases } from '../../native-models/quantize-int8.js';
import { SHARED_DATA } from '../helpers/env.js';
import { ensureBuiltModel } from '../helpers/models.js';
import { peakRssMb, runChild, sendReport } from './child.js';

interface Setting {
  arena: boolean;
  pattern: boolean;
  tile: number;
  batch: number;
  threads: number;
}

interface ChildReport {
  secondsPerMpx: number;
  cpuPerMpx: number;
  systemShare: number;
  peakRssMb: number;
}

async function child(model: string, s: Setting, tiles: number): Promise<void> {
  const { file, card } = await ensureBuiltModel(model);
  // createSession (what the app uses) keeps the pattern off; a session with it on is opened here.
  const session = s.pattern
    ? await ort.InferenceSession.create(file, {
        executionProviders: ['cpu'],
        intraOpNumThreads: s.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        enableCpuMemArena: s.arena,
        enableMemPattern: true,
      })
    : (await createSession(file, { threads: s.threads, memoryArena: s.arena, log: () => {} })).session;
  const C = card.input.bands.length;
  const input = new Float32Array(s.batch * C * s.tile * s.tile);
  // Reflectance-like values: texture matters little to a CNN's time, denormals would.
  for (let i = 0; i < input.length; i++) input[i] = 0.05 + 0.4 * Math.abs(Math.sin(i * 0.0137));
  const name = session.inputNames[0]!;
  const once = async (): Promise<void> => {
    const t = new ort.Tensor('float32', input, [s.batch, C, s.tile, s.tile]);
    await session.run({ [name]: t });
    t.dispose();
  };
  await once(); // warm-up: graph planning, arena growth
  const runs = Math.max(1, Math.round(tiles / s.batch));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await once();
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const mpx = (runs * s.batch * s.tile * s.tile) / 1e6;
  sendReport({
    secondsPerMpx: wall / mpx,
    cpuPerMpx: (cpu.user + cpu.system) / 1e6 / mpx,
    systemShare: cpu.system / Math.max(1, cpu.user + cpu.system),
    peakRssMb: peakRssMb(),
  } satisfies ChildReport);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

/** The int8 file to time when none is named: the shipped card's, else one built here. */
async function defaultInt8(model: string): Promise<string> {
  const shipped = join(modelsDir(), `${model}-int8`, `${model}-int8.onnx`);
  if (existsSync(shipped)) return shipped;
  const built = join(builtModelsDir(), `${model}-int8.onnx`);
  if (!existsSync(built)) await buildInt8(labelledCases(SHARED_DATA), built);
  return built;
}

/**
 * fp32 against int8 copies, interleaved in one process, app session options. With one thread
 * the CPU time is the steadier figure on a shared machine (no intra-op threads spinning).
 */
async function int8Comparison(
  model: string,
  files: string[],
  rounds: number,
  tiles: number,
  tile: number,
  threads: number,
): Promise<void> {
  const { file, card } = await ensureBuiltModel(model);
  const int8 = files.length > 0 ? files : [await defaultInt8(model)];
  const entries = [
    { label: 'fp32', file },
    ...int8.map((f, i) => ({ label: int8.length > 1 ? `int8 #${i + 1}` : 'int8', file: f })),
  ];
  const sessions = await Promise.all(
    entries.map(async (e) => (await createSession(e.file, { threads, log: () => {} })).session),
  );
  const C = card.input.bands.length;
  const input = new Float32Array(C * tile * tile);
  for (let i = 0; i < input.length; i++) input[i] = 0.05 + 0.4 * Math.abs(Math.sin(i * 0.0137));
  const once = async (session: ort.InferenceSession): Promise<void> => {
    const t = new ort.Tensor('float32', input, [1, C, tile, tile]);
    await session.run({ [session.inputNames[0]!]: t });
    t.dispose();
  };
  for (const s of sessions) await once(s); // warm-up
  const wall = entries.map(() => [] as number[]);
  const cpu = entries.map(() => [] as number[]);
  const mpx = (tiles * tile * tile) / 1e6;
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < sessions.length; k++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < tiles; i++) await once(sessions[k]!);
      const c = process.cpuUsage(c0);
      wall[k]!.push((performance.now() - t0) / mpx);
      cpu[k]!.push((c.user + c.system) / 1e3 / mpx);
    }
  }
  console.log(
    `\n${model}: fp32 vs int8, one process, ${rounds} interleaved rounds of ${tiles} tiles of ${tile} px, ${threads} thread(s), createSession options (median; min-max)\n`,
  );
  console.log('| model | file | wall ms/Mpx | CPU ms/Mpx | wall vs fp32 |');
  console.log('|---|---|---|---|---|');
  const base = median(wall[0]!);
  entries.forEach((e, k) => {
    const w = wall[k]!;
    console.log(
      `| ${e.label} | ${e.file.split('/').slice(-2).join('/')} | ${median(w).toFixed(0)} (${Math.min(...w).toFixed(0)}-${Math.max(...w).toFixed(0)}) | ${median(cpu[k]!).toFixed(0)} | ${(median(w) / base).toFixed(2)} |`,
    );
  });
  for (const s of sessions) await s.release();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      tiles: { type: 'string', default: '8' },
      model: { type: 'string', default: 'dl-l8s2-uv-6b' },
      int8: { type: 'boolean', default: false },
      files: { type: 'string', default: '' },
      rounds: { type: 'string', default: '6' },
      tile: { type: 'string', default: '512' },
      threads: { type: 'string', default: '2' },
    },
  });
  if (values.int8) {
    await int8Comparison(
      values.model,
      values.files.split(',').filter((p) => p !== ''),
      Number(values.rounds),
      process.argv.includes('--tiles') ? Number(values.tiles) : 3,
      Number(values.tile),
      Number(values.threads),
    );
    return;
  }
  const settings: Setting[] = [
    { arena: false, pattern: true, tile: 1024, batch: 1, threads: 2 }, // before
    { arena: true, pattern: true, tile: 1024, batch: 1, threads: 2 },
    { arena: true, pattern: false, tile: 1024, batch: 1, threads: 2 },
    { arena: true, pattern: false, tile: 512, batch: 1, threads: 2 }, // now
    { arena: true, pattern: false, tile: 512, batch: 4, threads: 2 },
    { arena: true, pattern: false, tile: 256, batch: 1, threads: 2 },
    { arena: true, pattern: false, tile: 512, batch: 1, threads: 1 },
  ];
  const rows: string[] = [];
  for (const s of settings) {
    const { report: r } = await runChild<ChildReport>(fileURLToPath(import.meta.url), [
      values.model,
      JSON.stringify(s),
      values.tiles,
    ]);
    rows.push(
      `| ${s.arena ? 'on' : 'off'} | ${s.pattern ? 'on' : 'off'} | ${s.tile} | ${s.batch} | ${s.threads} | ${r.secondsPerMpx.toFixed(3)} | ${r.cpuPerMpx.toFixed(3)} | ${(100 * r.systemShare).toFixed(0)} % | ${r.peakRssMb.toFixed(0)} |`,
    );
    console.log(rows.at(-1));
  }
  console.log(
    `\nONNX Runtime on the CPU, ${values.model}, ${values.tiles} tiles per setting after one warm-up\n`,
  );
  console.log(
    '| arena | mem pattern | tile | batch | threads | wall s/Mpx | CPU s/Mpx | system | peak RSS (MiB) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  await child(argv[1]!, JSON.parse(argv[2]!) as Setting, Number(argv[3]));
} else {
  await main();
}
