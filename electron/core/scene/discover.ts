import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { S2Error, throwIfAborted, toS2Error, untilAborted } from '../errors.js';
import { openProduct } from './open.js';
import { isProductXmlName } from './safe-locate.js';
import { isTheiaMtdName } from './theia/names.js';
import type { DiscoveryEntry } from './types.js';

const CONCURRENCY = 4;

/** How discovery lists a folder (tests inject a failing one: as root, chmod 000 does not stop reads). */
export type ReadDir = (dir: string) => Promise<Dirent[]>;

const defaultReadDir: ReadDir = (dir) => readdir(dir, { withFileTypes: true });

/**
 * Candidate products under `folder`: .SAFE folders (not entered), THEIA L2A folders (recognised by
 * their *_MTD_ALL.xml), zips, and loose product XMLs.
 * A subfolder that cannot be read is listed in `unreadable` and the walk goes on; each folder
 * (device + inode) is entered once, so bind mounts or hard-linked loops cannot recurse forever.
 */
async function findCandidates(
  folder: string,
  signal: AbortSignal | undefined,
  list: ReadDir,
): Promise<{ candidates: string[]; unreadable: { path: string; error: unknown }[] }> {
  const out: string[] = [];
  const unreadable: { path: string; error: unknown }[] = [];
  const seen = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    throwIfAborted(signal);
    let entries: Dirent[];
    try {
      const st = await stat(dir);
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) return;
      seen.add(key);
      entries = await list(dir);
    } catch (err) {
      if (dir === folder) throw err;
      unreadable.push({ path: dir, error: err });
      return;
    }
    const xml = entries.find((e) => e.isFile() && isProductXmlName(e.name));
    // A folder holding a product XML is a product (a .SAFE or an unzipped one under another name).
    if (xml && dir !== folder) {
      out.push(/\.SAFE$/i.test(dir) || isTheiaMtdName(xml.name) ? dir : join(dir, xml.name));
      return;
    }
    if (xml) out.push(join(dir, xml.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      // A symbolic link counts when it points at a .SAFE folder or a zip (links to other folders
      // are not followed, so a link cycle cannot loop).
      const link = e.isSymbolicLink() ? await stat(p).catch(() => null) : null;
      if (e.isDirectory() || link?.isDirectory()) {
        if (/\.SAFE$/i.test(e.name)) out.push(p);
        else if (!link) await walk(p);
      } else if ((e.isFile() || link?.isFile()) && /\.zip$/i.test(e.name)) out.push(p);
    }
  };
  await walk(folder);
  return { candidates: out.sort(), unreadable };
}

/**
 * Finds every product under `folder` (recursively) and opens each to summarise it. A product that
 * cannot be opened becomes an `ok: false` entry; the others are still listed. A folder with no
 * product at all gives one NOT_A_PRODUCT entry for the folder itself, so callers show one list.
 * Throws only when the folder itself cannot be read (NOT_FOUND) or on cancellation (CANCELLED).
 */
export async function discoverProducts(
  folder: string,
  opts: { signal?: AbortSignal; readdir?: ReadDir } = {},
): Promise<DiscoveryEntry[]> {
  const { signal } = opts;
  let isDir: boolean;
  try {
    isDir = (await stat(folder)).isDirectory();
  } catch (err) {
    throw new S2Error('NOT_FOUND', `${folder} does not exist or cannot be read.`, {
      file: folder,
      cause: err,
    });
  }
  if (!isDir) throw new S2Error('INVALID_ARGUMENT', `${folder} is not a folder.`, { file: folder });

  let found: Awaited<ReturnType<typeof findCandidates>>;
  try {
    found = await untilAborted(findCandidates(folder, signal, opts.readdir ?? defaultReadDir), signal);
  } catch (err) {
    if (err instanceof S2Error) throw err;
    throw new S2Error('NOT_FOUND', `${folder} cannot be read (${errnoText(err)}).`, {
      file: folder,
      cause: err,
    });
  }
  const { candidates } = found;
  // One entry per unreadable subfolder: the products elsewhere are still listed.
  const problems: DiscoveryEntry[] = found.unreadable.map(({ path, error }) => ({
    path,
    ok: false,
    error: new S2Error(
      'NOT_FOUND',
      `${path} cannot be read (${errnoText(error)}): any product inside it was skipped.`,
      { file: path },
    ).toJSON(),
  }));
  if (candidates.length === 0 && problems.length > 0) return problems;
  if (candidates.length === 0) {
    const error = new S2Error(
      'NOT_A_PRODUCT',
      `${folder} contains no Sentinel-2 product (.SAFE folder, THEIA L2A folder, .zip or MTD_MSIL*.xml).`,
      {
        file: folder,
      },
    );
    return [{ path: folder, ok: false, error: error.toJSON() }];
  }

  const results: DiscoveryEntry[] = new Array<DiscoveryEntry>(candidates.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < candidates.length) {
      throwIfAborted(signal);
      const i = next++;
      const path = candidates[i] as string;
      try {
        const product = await openProduct(path);
        await product.close();
        const { metadata, bands, masks, warnings } = product;
        results[i] = { path, ok: true, metadata, bands, masks, warnings };
      } catch (err) {
        results[i] = { path, ok: false, error: toS2Error(err, path).toJSON() };
      }
    }
  };
  // A product whose files hang (a stalled mount) must not hold back a cancel.
  await untilAborted(
    Promise.all(Array.from({ length: Math.min(CONCURRENCY, candidates.length) }, worker)),
    signal,
  );
  throwIfAborted(signal);
  return [...results, ...problems];
}

function errnoText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
}
