import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  FMASK_CLASS_NAMES,
  FMASK_CODES,
  fmaskFileName,
  runFmask,
  writeFmaskCog,
} from '../core/masks/fmask/index.js';
import { outputPathIn } from '../core/outputs/index.js';
import { destroySharedDecoder } from '../core/raster/jp2/index.js';
import { openProduct } from '../core/scene/index.js';
import type { CliIo } from './main.js';
import { formatSeconds } from './progress.js';

/**
 * `s2cloud fmask <product> [--resolution 20|60] [--out FILE]`: the built-in implementation of
 * Fmask 4's Sentinel-2 algorithm, written with Fmask's codes (0 land, 1 water, 2 shadow, 3 snow,
 * 4 cloud, 255 no data) and labelled "Fmask (built-in)" so it is never taken for the original.
 */
export async function runFmaskCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        resolution: { type: 'string', default: '20' },
        out: { type: 'string' },
        granule: { type: 'string' },
      },
    });
  } catch (err) {
    io.stderr.write(`s2cloud fmask: ${(err as Error).message}\n`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1) {
    io.stderr.write('s2cloud fmask: give exactly one L1C product (.SAFE folder, .zip or MTD xml).\n');
    return 2;
  }
  const res = Number(values.resolution);
  if (res !== 20 && res !== 60) {
    io.stderr.write(`s2cloud fmask: --resolution must be 20 or 60 (got ${values.resolution}).\n`);
    return 2;
  }
  const product = await openProduct(
    positionals[0]!,
    values.granule === undefined ? {} : { granule: values.granule },
  );
  try {
    if (product.metadata.level !== 'L1C') {
      io.stderr.write(
        `s2cloud fmask: ${product.metadata.productName} is ${product.metadata.level}; Fmask runs on top-of-atmosphere (L1C) products.\n`,
      );
      return 1;
    }
    // The default name comes from the product's metadata: kept inside the current folder.
    const out =
      values.out !== undefined
        ? resolve(values.out)
        : await outputPathIn(process.cwd(), fmaskFileName(product.metadata.productName, res));
    const ac = new AbortController();
    const onSigint = (): void => ac.abort();
    process.once('SIGINT', onSigint);
    let lastStage = '';
    try {
      const result = await runFmask(product, {
        resolution: res,
        signal: ac.signal,
        onProgress: (_f, stage) => {
          if (stage !== lastStage) io.stderr.write(`fmask: ${(lastStage = stage)}\n`);
        },
      });
      await writeFmaskCog(out, result, { productId: product.metadata.productName, signal: ac.signal });
      io.stdout.write(`${out}\n  Fmask (built-in), ${product.metadata.productName}, ${res} m\n`);
      // Classes are shares of the pixels with data; no data is a share of the whole tile.
      const noData = FMASK_CLASS_NAMES[FMASK_CODES.noData];
      for (const [name, share] of Object.entries(result.shares)) {
        const of = name === noData ? ' of the tile' : '';
        io.stdout.write(`  ${name.padEnd(12)} ${(100 * share).toFixed(2)} %${of}\n`);
      }
      const total = Object.values(result.timings).reduce((a, b) => a + b, 0) / 1000;
      io.stdout.write(
        `  time ${formatSeconds(total)} (${Object.entries(result.timings)
          .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
          .join(', ')})\n`,
      );
      return 0;
    } finally {
      process.off('SIGINT', onSigint);
    }
  } finally {
    await product.close();
    await destroySharedDecoder();
  }
}
