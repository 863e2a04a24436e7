/**
 * A product list file instead of a folder: one product path per line (.SAFE folder, zip or
 * MTD_MSIL*.xml), blank lines and lines starting with `#` ignored, relative paths taken from the
 * list's own folder (so a list works from any working directory and inside a container).
 * A listed path that is missing or not a product is an `unusable` scene, not an error of the
 * whole batch: one bad line in a season's list must not stop every worker.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { S2Error, throwIfAborted, toS2Error, untilAborted } from '../errors.js';
import { openProduct } from '../scene/index.js';
import type { DiscoveryEntry } from '../scene/types.js';

export interface ListedProduct {
  /** The scene's id in the journal: the path as the list gives it, relative to the list's folder. */
  id: string;
  /** Absolute path. */
  path: string;
  /** 1-based line in the list (for messages). */
  line: number;
}

/** Whether `path` names a list file rather than a folder or a product. */
export async function isProductList(path: string): Promise<boolean> {
  const st = await stat(path).catch(() => null);
  if (!st || !st.isFile()) return false;
  // A zip or a product XML given alone is a product, not a list.
  return !/\.zip$|\.xml$/i.test(path);
}

/** The products a list names, in its order, each once (a repeated line is dropped). */
export async function readProductList(listFile: string): Promise<ListedProduct[]> {
  let text: string;
  try {
    text = await readFile(listFile, 'utf8');
  } catch (err) {
    throw new S2Error('NOT_FOUND', `${listFile}: cannot read the product list.`, {
      file: listFile,
      cause: err,
    });
  }
  if (text.includes('\0'))
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${listFile} is not a product list (a text file with one product path per line): it holds binary data.`,
      { file: listFile },
    );
  const base = dirname(resolve(listFile));
  const seen = new Set<string>();
  const out: ListedProduct[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const path = resolve(base, line);
    if (seen.has(path)) return;
    seen.add(path);
    const rel = relative(base, path);
    const id = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : path;
    out.push({ id, path, line: i + 1 });
  });
  if (out.length === 0)
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${listFile} names no product: write one path per line (.SAFE folder, zip or MTD_MSIL*.xml); lines starting with # are comments.`,
      { file: listFile },
    );
  return out;
}

const CONCURRENCY = 4;

/**
 * Opens every listed product to summarise it, as discovery does for a folder (a shard needs them
 * all too: output names are made unique over the whole list).
 */
export async function discoverListed(
  listFile: string,
  items: readonly ListedProduct[],
  signal?: AbortSignal,
): Promise<DiscoveryEntry[]> {
  const results = new Array<DiscoveryEntry>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      throwIfAborted(signal);
      const i = next++;
      const { path, line } = items[i]!;
      try {
        const product = await openProduct(path);
        await product.close();
        const { metadata, bands, masks, warnings } = product;
        results[i] = { path, ok: true, metadata, bands, masks, warnings };
      } catch (err) {
        const e = toS2Error(err, path);
        const missing = (await stat(path).catch(() => null)) === null;
        results[i] = {
          path,
          ok: false,
          error: missing
            ? new S2Error('NOT_FOUND', `${path} (line ${line} of ${listFile}) does not exist.`, {
                file: path,
              }).toJSON()
            : e.toJSON(),
        };
      }
    }
  };
  await untilAborted(
    Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker)),
    signal,
  );
  throwIfAborted(signal);
  return results;
}
