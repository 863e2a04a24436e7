import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { S2Error, toS2Error } from '../core/errors.js';
import { discoverProducts, openProduct } from '../core/scene/index.js';
import type { DiscoveryEntry } from '../core/scene/types.js';
import type { CliIo } from './main.js';
import { formatEntry } from './format-product.js';

/** `s2cloud info <product|folder> [--json] [--granule ID]`; exit 1 when any product failed. */
export async function runInfo(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, granule: { type: 'string' } },
    });
  } catch (err) {
    io.stderr.write(`s2cloud info: ${(err as Error).message}\n`);
    return 2;
  }
  const paths = parsed.positionals;
  if (paths.length === 0) {
    io.stderr.write('s2cloud info: give a product (.SAFE, .zip, MTD xml) or a folder of products.\n');
    return 2;
  }
  const entries: DiscoveryEntry[] = [];
  for (const path of paths) entries.push(...(await collect(path, parsed.values.granule)));
  if (parsed.values.json) {
    io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
  } else {
    io.stdout.write(entries.map(formatEntry).join('\n'));
    const bad = entries.filter((e) => !e.ok).length;
    io.stdout.write(`\n${entries.length - bad} product(s) read, ${bad} with problems.\n`);
  }
  return entries.some((e) => !e.ok) ? 1 : 0;
}

/** One product, or every product under a folder that is not itself a product. */
async function collect(path: string, granule: string | undefined): Promise<DiscoveryEntry[]> {
  try {
    const product = await openProduct(path, granule === undefined ? {} : { granule });
    try {
      const { metadata, bands, masks, warnings } = product;
      return [{ path, ok: true, metadata, bands, masks, warnings }];
    } finally {
      await product.close();
    }
  } catch (err) {
    const e = toS2Error(err, path);
    if (e.code === 'NOT_A_PRODUCT' && (await isDirectory(path))) {
      const found = await discoverProducts(path);
      if (found.length > 0) return found;
      const empty = new S2Error('NOT_A_PRODUCT', `${path}: no Sentinel-2 product found in this folder.`, {
        file: path,
      });
      return [{ path, ok: false, error: empty.toJSON() }];
    }
    return [{ path, ok: false, error: e.toJSON() }];
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
