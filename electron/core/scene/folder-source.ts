import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileByteSource, type ByteSource } from '../raster/byte-source.js';
import { S2Error } from '../errors.js';
import type { ProductFiles } from './product-files.js';

/** Every file under `root`, as '/'-separated paths relative to it. Symlinked folders are not followed. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(rel === '' ? root : join(root, rel), { withFileTypes: true });
    for (const e of entries) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() || e.isSymbolicLink()) out.push(p);
    }
  };
  await walk('');
  return out;
}

/** The files of a product stored as a plain folder (an unzipped .SAFE). */
export async function folderProductFiles(root: string): Promise<ProductFiles> {
  const paths = new Set(await listFiles(root));
  const opened = new Set<ByteSource>();
  const resolve = (path: string): string => {
    // Only files of the product: no '..' escapes, no guessing.
    if (!paths.has(path)) {
      throw new S2Error('MISSING_FILE', `${join(root, path)} is not part of the product ${root}.`, {
        file: join(root, path),
      });
    }
    return join(root, ...path.split('/'));
  };
  return {
    rootName: root,
    paths,
    async open(path: string): Promise<ByteSource> {
      // Kept so that close() releases descriptors the caller forgot; closing twice is harmless.
      const src = await fileByteSource(resolve(path));
      opened.add(src);
      return src;
    },
    async readText(path: string): Promise<string> {
      return readFile(resolve(path), 'utf8');
    },
    async close(): Promise<void> {
      await Promise.all([...opened].map((s) => s.close()));
      opened.clear();
    },
  };
}
