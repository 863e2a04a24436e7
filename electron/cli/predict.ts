import { parseArgs } from 'node:util';
import type { ProviderName } from '../core/models/session.js';
import { DEFAULT_MODEL, runModel } from '../core/pipeline/run-model.js';
import { destroySharedDecoder } from '../core/raster/jp2/index.js';
import type { Resolution } from '../core/scene/types.js';
import type { CliIo } from './main.js';
import { formatSeconds, progressBar } from './progress.js';

export { DEFAULT_MODEL };
const CLASS_NAMES = ['no data', 'clear', 'cloud', 'semi-transparent cloud', 'cloud shadow'];

/**
 * `s2cloud predict <product> [--model ID] [--resolution 10|20|60] [--out FILE] [--probabilities]`:
 * runs a cloud model over a whole product and writes the class mask as a Cloud-Optimized GeoTIFF.
 */
export async function runPredict(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        model: { type: 'string', default: DEFAULT_MODEL },
        resolution: { type: 'string' },
        out: { type: 'string' },
        probabilities: { type: 'boolean', default: false },
        'probabilities-out': { type: 'string' },
        batch: { type: 'string' },
        quicklook: { type: 'string' },
        'cloud-only': { type: 'boolean', default: false },
        'no-fusion': { type: 'boolean', default: false },
        granule: { type: 'string' },
        providers: { type: 'string' },
        threads: { type: 'string' },
        'network-workers': { type: 'string' },
        tile: { type: 'string' },
        'max-memory': { type: 'string' },
        coarsening: { type: 'string' },
      },
    });
  } catch (err) {
    io.stderr.write(`s2cloud predict: ${(err as Error).message}\n`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1) {
    io.stderr.write('s2cloud predict: give exactly one product (.SAFE folder, .zip or MTD xml).\n');
    return 2;
  }
  const resolution = values.resolution === undefined ? undefined : Number(values.resolution);
  if (resolution !== undefined && ![10, 20, 60].includes(resolution)) {
    io.stderr.write(`s2cloud predict: --resolution must be 10, 20 or 60 (got ${values.resolution}).\n`);
    return 2;
  }

  if (values.coarsening !== undefined && !['average', 'jp2-level'].includes(values.coarsening)) {
    io.stderr.write(
      `s2cloud predict: --coarsening must be average or jp2-level (got ${values.coarsening}).\n`,
    );
    return 2;
  }
  const workers = values['network-workers'];
  if (workers !== undefined && !(Number.isInteger(Number(workers)) && Number(workers) >= 1)) {
    io.stderr.write(
      `s2cloud predict: --network-workers must be a whole number of at least 1 (got ${workers}).\n`,
    );
    return 2;
  }
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  const bar = progressBar(io.stderr as { write(s: string): unknown; isTTY?: boolean }, 'predict');
  process.once('SIGINT', onSigint);
  try {
    const result = await runModel({
      product: positionals[0]!,
      granule: values.granule,
      modelId: values.model,
      resolution: resolution as Resolution | undefined,
      classesOut: values.out,
      probabilitiesOut: values['probabilities-out'],
      probabilities: values.probabilities,
      quicklookOut: values.quicklook,
      cloudOnly: values['cloud-only'],
      ...(values['no-fusion'] ? { fusion: false } : {}),
      providers: values.providers ? (values.providers.split(',') as ProviderName[]) : undefined,
      threads: values.threads ? Number(values.threads) : undefined,
      ...(workers !== undefined ? { networkWorkers: Number(workers) } : {}),
      tileSize: values.tile ? Number(values.tile) : undefined,
      coarsening: values.coarsening as 'average' | 'jp2-level' | undefined,
      maxMemoryBytes: values['max-memory'] ? Number(values['max-memory']) * 2 ** 30 : undefined,
      batch: values.batch ? Number(values.batch) : undefined,
      log: (line) => io.stderr.write(`${line}\n`),
      signal: ac.signal,
      onProgress: (p) => {
        if (p.stage === 'cnn') bar.update(p.done, p.total, p.etaSeconds ?? null);
      },
      onStage: (stage) => {
        if (stage === 'cnn') return;
        bar.end();
        io.stderr.write(`predict: ${stage}\n`);
      },
    });
    bar.end();
    const counts = result.classCounts;
    const total = counts.reduce((a, b) => a + b, 0);
    const valid = total - (counts[0] ?? 0);
    io.stdout.write(`${result.classesOut}\n`);
    if (result.probabilitiesOut) io.stdout.write(`${result.probabilitiesOut}\n`);
    if (result.quicklookOut) io.stdout.write(`${result.quicklookOut}\n`);
    io.stdout.write(
      `  ${result.productName}, ${result.modelId} at ${result.resolution} m, ${result.grid.width} x ${result.grid.height} px, ${result.tiles} tiles on ${result.provider}\n`,
    );
    counts.forEach((n, c) => {
      if (c === 0 || n === 0) return;
      io.stdout.write(`  ${CLASS_NAMES[c]!.padEnd(24)} ${((100 * n) / Math.max(1, valid)).toFixed(2)} %\n`);
    });
    io.stdout.write(
      `  ${'no data'.padEnd(24)} ${((100 * (counts[0] ?? 0)) / total).toFixed(2)} % of the tile\n`,
    );
    const t = result.timings;
    io.stdout.write(
      `  time ${formatSeconds(t.totalSeconds)} (read ${t.readSeconds.toFixed(1)} s, inference ${t.inferSeconds.toFixed(1)} s` +
        (t.semiSeconds !== undefined ? `, semi-transparent ${t.semiSeconds.toFixed(1)} s` : '') +
        (t.shadowSeconds !== undefined ? `, shadows ${t.shadowSeconds.toFixed(1)} s` : '') +
        (t.postSeconds !== undefined ? `, post-processing ${t.postSeconds.toFixed(1)} s` : '') +
        `, write ${t.writeSeconds.toFixed(1)} s)\n`,
    );
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    await destroySharedDecoder();
  }
}
