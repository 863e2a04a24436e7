import { mkdir, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { S2Error } from '../errors.js';
import { safeFileStem } from './names.js';

/** Whether `child` is `parent` or lies under it (both absolute, already resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Checks that `path` lands inside `folder` (the folder the user chose), following symbolic links:
 * the real path of the output's parent folder must lie under the real path of `folder`. Creates
 * the folders on the way. Returns the absolute path; throws UNSAFE_PATH otherwise.
 */
export async function confineOutput(folder: string, path: string): Promise<string> {
  const root = resolve(folder);
  const out = resolve(root, path);
  const escape = (): S2Error =>
    new S2Error('UNSAFE_PATH', `${out} is outside the output folder ${root}: refusing to write it.`, {
      file: out,
      details: { folder: root },
    });
  if (!isInside(root, out) || out === root) throw escape();
  await mkdir(dirname(out), { recursive: true });
  const [realRoot, realParent] = await Promise.all([realpath(root), realpath(dirname(out))]);
  if (!isInside(realRoot, realParent)) throw escape();
  return out;
}

/**
 * The path of an output named from metadata: `name` (a stem plus a suffix chosen by the caller,
 * e.g. `${productName}_fmask-builtin_20m.tif`) is reduced to a safe basename, joined to
 * `folder` and checked with confineOutput.
 */
export async function outputPathIn(folder: string, name: string): Promise<string> {
  return confineOutput(folder, join(resolve(folder), safeFileStem(basename(name))));
}
