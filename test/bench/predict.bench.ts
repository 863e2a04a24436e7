/**
 * End-to-end benchmark of `predict` on a full-size generated L1C product (10980 x 10980 at
 * 10 m): open, decode, infer (DL-L8S2-UV 6 bands), write the class COG. Each resolution runs in
 * its own process so its peak RSS is its own.
 *
 *   node --import tsx test/bench/predict.bench.ts [--resolutions 20,10] [--model ID]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ClassCogSink } from '../../electron/core/pipeline/sinks.js';
import { predictProduct, type PredictResult } from '../../electron/core/models/infer/engine.js';
import { onnxRunner } from '../../electron/core/models/infer/runner.js';
import { createSession } from '../../electron/core/models/session.js';
import { destroySharedDecoder, getSharedDecoder } from '../../electron/core/raster/jp2/index.js';
import { openProduct } from '../../electron/core/scene/index.js';
import type { Resolution } from '../../electron/core/scene/types.js';
import { makeScene } from '../fixtures/make-scene.js';
import { DATA_DIR } from '../helpers/env.js';
import { ensureBuiltModel } from '../helpers/models.js';
import { peakRssMb, runChild, sendReport } from './child.js';

interface ChildReport {
  resolution: number;
  provider: string;
  tiles: number;
  size: [number, number];
  timings: PredictResult['timings'];
  peakRssMb: number;
  cloudShare: number;
  decoder: string;
}

async function child(safe: string, resolution: Resolution, model: string, out: string): Promise<void> {
  const { card, file } = await ensureBuiltModel(model);
  const session = await createSession(file, { log: () => {} });
  const product = await openProduct(safe);
  const decoder = getSharedDecoder();
  const r = await predictProduct(product, {
    card,
    runner: onnxRunner(session, card),
    resolution,
    steps: [
      new ClassCogSink(out, {
        modelId: card.id,
        modelVersion: card.version,
        productId: product.metadata.productName,
      }),
    ],
    decoder,
  });
  const valid = r.classCounts.reduce((a, b) => a + b, 0) - (r.classCounts[0] ?? 0);
  const report: ChildReport = {
    resolution,
    provider: session.provider,
    tiles: r.tiles,
    size: [r.grid.width, r.grid.height],
    timings: r.timings,
    peakRssMb: peakRssMb(),
    cloudShare: (r.classCounts[2] ?? 0) / Math.max(1, valid),
    decoder: `${decoder.workers} workers${'codec' in decoder ? ` (${String((decoder as { codec: unknown }).codec)})` : ''}`,
  };
  await session.session.release();
  await product.close();
  await destroySharedDecoder();
  sendReport(report);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      resolutions: { type: 'string', default: '20,10' },
      model: { type: 'string', default: 'dl-l8s2-uv-6b' },
    },
    allowPositionals: true,
  });
  console.log('Building (or reusing) the full-size L1C product…');
  const { safePath } = await makeScene({ size: 'full', outDir: join(DATA_DIR, 'scenes') });
  await ensureBuiltModel(values.model);
  const tmp = mkdtempSync(join(tmpdir(), 's2-bench-predict-'));
  const rows: string[] = [];
  try {
    for (const res of values.resolutions.split(',').map(Number)) {
      const { report: r, wallS } = await runChild<ChildReport>(fileURLToPath(import.meta.url), [
        safePath,
        String(res),
        values.model,
        join(tmp, `mask-${res}.tif`),
      ]);
      const t = r.timings;
      rows.push(
        `| ${res} m | ${r.size.join(' x ')} | ${r.tiles} | ${wallS.toFixed(1)} | ${t.totalSeconds.toFixed(1)} | ${t.readSeconds.toFixed(1)} | ${t.inferSeconds.toFixed(1)} | ${t.writeSeconds.toFixed(1)} | ${(r.tiles / t.totalSeconds).toFixed(2)} | ${r.peakRssMb.toFixed(0)} | ${r.provider} | ${(100 * r.cloudShare).toFixed(1)} % |`,
      );
      console.log(rows.at(-1));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\npredict, ${values.model}, full-size generated L1C product\n`);
  console.log(
    '| resolution | pixels | tiles | wall incl. start (s) | predict (s) | read+decode (s) | inference (s) | COG write (s) | tiles/s | peak RSS (MiB) | provider | cloud |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  await child(argv[1]!, Number(argv[2]) as Resolution, argv[3]!, argv[4]!);
} else {
  await main();
}
