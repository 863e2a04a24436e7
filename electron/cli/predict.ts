import { existsSync } from 'node:fs';
import { writeFileAtomic } from '../core/atomic-write.js';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { S2Error } from '../core/errors.js';
import { loadCard } from '../core/models/card-load.js';
import { predictProduct, type PredictProgress, type PredictResult } from '../core/models/infer/engine.js';
import { predictFourClasses } from '../core/models/infer/four-class.js';
import { onnxRunner } from '../core/models/infer/runner.js';
import { builtModelsDir, modelsDir } from '../core/models/paths.js';
import { createSession, type ProviderName } from '../core/models/session.js';
import { destroySharedDecoder } from '../core/raster/jp2/index.js';
import { renderQuicklook } from '../core/render/quicklook.js';
import { openProduct } from '../core/scene/index.js';
import type { Resolution } from '../core/scene/types.js';
import type { CliIo } from './main.js';
import { formatSeconds, progressBar } from './progress.js';

export const DEFAULT_MODEL = 'dl-l8s2-uv-6b';
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
        granule: { type: 'string' },
        providers: { type: 'string' },
        threads: { type: 'string' },
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
  const cardFile = join(modelsDir(), values.model, 'model.json');
  if (!existsSync(cardFile)) {
    throw new S2Error('NOT_FOUND', `No model "${values.model}": ${cardFile} does not exist.`, {
      file: cardFile,
    });
  }
  const card = await loadCard(cardFile);
  const onnx = join(builtModelsDir(), card.file.name);
  if (!existsSync(onnx)) {
    throw new S2Error(
      'NOT_FOUND',
      `Model "${card.id}" is not installed (${onnx} is missing): run \`npm run models -- build\`` +
        ` or \`npm run models -- install <file> --card ${card.id}\`.`,
      { file: onnx },
    );
  }
  const product = await openProduct(
    positionals[0]!,
    values.granule === undefined ? {} : { granule: values.granule },
  );
  const res = (resolution ?? card.input.resolution) as Resolution;
  const out = resolve(values.out ?? `${product.metadata.productName}_${card.id}_${res}m.tif`);
  const probOut =
    values['probabilities-out'] !== undefined
      ? resolve(values['probabilities-out'])
      : values.probabilities
        ? out.replace(/(\.tiff?)?$/i, '_probabilities.tif')
        : undefined;
  try {
    const model = await createSession(onnx, {
      providers: values.providers ? (values.providers.split(',') as ProviderName[]) : undefined,
      threads: values.threads ? Number(values.threads) : undefined,
      log: (line) => io.stderr.write(`${line}\n`),
    });
    const bar = progressBar(io.stderr as { write(s: string): unknown; isTTY?: boolean }, 'predict');
    const ac = new AbortController();
    const onSigint = (): void => ac.abort();
    process.once('SIGINT', onSigint);
    try {
      const options = {
        card,
        runner: onnxRunner(model, card),
        resolution: res,
        tileSize: values.tile ? Number(values.tile) : undefined,
        coarsening: values.coarsening as 'average' | 'jp2-level' | undefined,
        maxMemoryBytes: values['max-memory'] ? Number(values['max-memory']) * 2 ** 30 : undefined,
        classesOut: out,
        probabilitiesOut: probOut,
        batch: values.batch ? Number(values.batch) : undefined,
        keepClasses: values.quicklook !== undefined,
        signal: ac.signal,
        onProgress: (p: PredictProgress): void => bar.update(p.tilesDone, p.tilesTotal, p.etaSeconds),
      };
      // Four classes by default (CNN cloud + semi-transparent rule + geometric shadows).
      const result: PredictResult & { timings: { semiSeconds?: number; shadowSeconds?: number } } = values[
        'cloud-only'
      ]
        ? await predictProduct(product, options)
        : await predictFourClasses(product, {
            ...options,
            onStage: (stage) => {
              if (stage === 'cnn') return;
              bar.end();
              io.stderr.write(`predict: ${stage}\n`);
            },
          });
      bar.end();
      const total = result.classCounts.reduce((a, b) => a + b, 0);
      const valid = total - (result.classCounts[0] ?? 0);
      io.stdout.write(`${out}\n`);
      if (probOut) io.stdout.write(`${probOut}\n`);
      if (values.quicklook !== undefined && result.classes) {
        const ql = await renderQuicklook(product, { mask: result.classes, maskGrid: result.grid });
        const qlPath = resolve(values.quicklook);
        await writeFileAtomic(qlPath, ql.png);
        io.stdout.write(`${qlPath}\n`);
      }
      io.stdout.write(
        `  ${product.metadata.productName}, ${card.id} at ${res} m, ${result.grid.width} x ${result.grid.height} px, ${result.tiles} tiles on ${model.provider}\n`,
      );
      result.classCounts.forEach((n, c) => {
        if (c === 0 || n === 0) return;
        io.stdout.write(`  ${CLASS_NAMES[c]!.padEnd(24)} ${((100 * n) / Math.max(1, valid)).toFixed(2)} %\n`);
      });
      io.stdout.write(
        `  ${'no data'.padEnd(24)} ${((100 * (result.classCounts[0] ?? 0)) / total).toFixed(2)} % of the tile\n`,
      );
      const t = result.timings;
      io.stdout.write(
        `  time ${formatSeconds(t.totalSeconds)} (read ${t.readSeconds.toFixed(1)} s, inference ${t.inferSeconds.toFixed(1)} s` +
          (t.semiSeconds !== undefined ? `, semi-transparent ${t.semiSeconds.toFixed(1)} s` : '') +
          (t.shadowSeconds !== undefined ? `, shadows ${t.shadowSeconds.toFixed(1)} s` : '') +
          `, write ${t.writeSeconds.toFixed(1)} s)\n`,
      );
      return 0;
    } finally {
      process.off('SIGINT', onSigint);
      await model.session.release();
    }
  } finally {
    await product.close();
    await destroySharedDecoder();
  }
}
