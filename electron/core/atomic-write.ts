import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { writeError } from './errors.js';
import { syncFolder, writeFully, type WritableHandle } from './outputs/write.js';

let counter = 0;

/** Extensions of the files this project writes (outputs, journal, reports). */
const OUR_EXTENSIONS = String.raw`\.(?:tif|tiff|png|json|csv|html)`;

/**
 * Temporary names this project gives files being written: writeFileAtomic's
 * `<name>.<pid>.<n>.partial` and the COG writer's `<name>.tmp-<pid>` (+ `.tiles`, its spill
 * file). Group 1 is the writer's process id. Anything else in an output folder is the user's.
 */
export const TEMPORARY_NAME_PATTERNS: readonly RegExp[] = [
  new RegExp(String.raw`^[^/\\]+${OUR_EXTENSIONS}\.(\d+)\.\d+\.partial$`, 'i'),
  new RegExp(String.raw`^[^/\\]+${OUR_EXTENSIONS}\.tmp-(\d+)(?:\.tiles)?$`, 'i'),
];

/** The writer's pid when `name` (a basename) is one of our temporary names, else null. */
export function temporaryOwner(name: string): number | null {
  for (const re of TEMPORARY_NAME_PATTERNS) {
    const m = re.exec(basename(name));
    if (m) return Number(m[1]);
  }
  return null;
}

/** Test hook: how the temporary file is opened (a real FileHandle unless a test injects one). */
export interface AtomicWriteOptions {
  openHandle?: (path: string) => Promise<WritableHandle & { sync(): Promise<void>; close(): Promise<void> }>;
}

/**
 * Creates the temporary file exclusively (never writing through a link planted at its name). A
 * leftover with the same name (a killed process whose pid this one reuses, common in containers)
 * is removed once and the create retried.
 */
async function openExclusive(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await rm(path, { force: true });
    return open(path, 'wx');
  }
}

/**
 * Writes a temporary sibling (every byte checked, then synced to disk), then renames it over
 * `path`: a reader never sees a half-written file, and a failure (a full disk: DISK_FULL naming
 * the folder) removes the temporary and leaves the previous file (or none) in place.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${++counter}.partial`;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    const fh = await (opts.openHandle ?? openExclusive)(tmp);
    try {
      await writeFully(fh, bytes, 0);
      await fh.sync(); // the rename must not publish a name whose bytes are not on disk yet
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    await syncFolder(dirname(path));
  } catch (err) {
    await rm(tmp, { force: true });
    throw writeError(err, path);
  }
}
