/**
 * ONNX Runtime session options for the default model on the CPU: the memory arena, the memory
 * pattern, the tile size, batching and intra-op threads, each setting in its own process (peak RSS
 * is its own), timed over several tiles after a warm-up run. The figures behind `session.ts`'s
 * defaults (arena on, pattern off) and the cards' 512 px tiles.
 *
 *   node --import tsx test/bench/ort-options.bench.ts [--tiles 8] [--model dl-l8s2-uv-6b]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { createSession } from '../../electron/core/models/session.js';
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { tiles: { type: 'string', default: '8' }, model: { type: 'string', default: 'dl-l8s2-uv-6b' } },
  });
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
    '| arena | mem pattern | tile | batch | threads | wall s/Mpx | CPU s/Mpx | system | peak RSS (MB) |',
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
