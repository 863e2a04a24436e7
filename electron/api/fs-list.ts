/** Directory listing for the in-app file browser (the same in Electron and in a browser). */
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { S2Error } from '../core/errors.js';
import type { FsEntry, FsListing } from './contract.js';

/** Names that are Sentinel-2 products (SAFE, or THEIA L2A folders), shown as such and opened with one click. */
const PRODUCT =
  /^S2[A-D]_(MSIL1C|MSIL2A|OPER_PRD_MSIL1C|OPER_PRD_MSIL2A)\w*(\.SAFE|\.zip)$|^MTD_MSIL(1C|2A)\.xml$|^SENTINEL2[A-D]_\d{8}-\d{6}-\d{3}_L2A_T\w+?_[CHD]_V[\d-]+(\.zip)?$|_MTD_ALL\.xml$/i;

export async function listDirectory(path?: string): Promise<FsListing> {
  const dir = resolve(path && path.trim() ? path : homedir());
  let names: string[];
  try {
    const s = await stat(dir);
    if (!s.isDirectory())
      throw new S2Error('INVALID_ARGUMENT', `${dir} is a file, not a folder.`, { file: dir });
    names = await readdir(dir);
  } catch (err) {
    if (err instanceof S2Error) throw err;
    throw new S2Error('NOT_FOUND', `Cannot list ${dir}: ${(err as Error).message}`, { file: dir });
  }
  const entries: FsEntry[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const full = join(dir, name);
    try {
      const s = await stat(full);
      const kind: FsEntry['kind'] = PRODUCT.test(name) ? 'product' : s.isDirectory() ? 'dir' : 'file';
      entries.push({ name, path: full, kind, ...(s.isFile() ? { size: s.size } : {}) });
    } catch {
      // Broken links and unreadable entries are left out.
    }
  }
  const rank = { product: 0, dir: 1, file: 2 } as const;
  entries.sort((a, b) => rank[a.kind] - rank[b.kind] || a.name.localeCompare(b.name));
  const parent = dirname(dir);
  return { path: dir, parent: parent === dir ? null : parent, entries };
}
