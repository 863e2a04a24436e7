/**
 * ONNX inference benchmark: one 1024 x 1024 tile (the cards' tile size) through each built
 * DL-L8S2-UV model, on the provider the session factory picks (CPU on machines without a GPU).
 *
 *   node --import tsx test/bench/models-infer.bench.ts [--repeat N] [--size PX] [--threads N]
 *
 * Builds the ONNX files into a temporary folder from ../shared/models/dl-l8s2-uv first.
 * Input is smooth synthetic reflectance (the timing does not depend on the values).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { convertKerasFile } from '../../electron/core/models/convert.js';
import { createSession } from '../../electron/core/models/session.js';
import { tempDir } from '../unit/models/helpers.js';

const { values } = parseArgs({
  options: {
    repeat: { type: 'string', default: '5' },
    size: { type: 'string', default: '1024' },
    threads: { type: 'string' },
  },
});
const repeat = Number(values.repeat);
const size = Number(values.size);
const weightsDir = resolve(import.meta.dirname, '../../../shared/models/dl-l8s2-uv');
const work = tempDir('bench');
const rows: string[] = [];

for (const [id, weights, channels] of [
  ['dl-l8s2-uv-6b', 'landsatbiomeRGBISWIR7.hdf5', 6],
  ['dl-l8s2-uv-4b', 'landsatbiomeRGBI6.hdf5', 4],
] as const) {
  const file = join(work, `${id}.onnx`);
  await convertKerasFile(join(weightsDir, weights), file);
  const { session, provider, threads } = await createSession(file, {
    threads: values.threads ? Number(values.threads) : undefined,
  });
  const data = new Float32Array(channels * size * size);
  for (let i = 0; i < data.length; i++) data[i] = 0.1 + 0.05 * Math.sin(i / 97);
  const feeds = { [session.inputNames[0] ?? '']: new ort.Tensor('float32', data, [1, channels, size, size]) };
  await session.run(feeds); // warm-up: first run allocates and plans
  const times: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t0);
  }
  await session.release();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  const rss = process.resourceUsage().maxRSS / 1024;
  rows.push(
    `| ${id} | ${size} x ${size} | ${provider} | ${threads} | ${median.toFixed(0)} | ${(times[0] ?? 0).toFixed(0)} | ${((size * size) / (median / 1000) / 1e6).toFixed(2)} | ${rss.toFixed(0)} |`,
  );
}

console.log('| model | tile | provider | threads | median ms | min ms | Mpx/s | peak RSS MB |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
