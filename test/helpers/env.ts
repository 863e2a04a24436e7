import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');
/** The real Sentinel-2 data shared with the project (read-only; never copied into git). */
export const SHARED_DATA = resolve(ROOT, '../shared/data');
/** Git-ignored folder for generated scenes, models and other derived test inputs. */
export const DATA_DIR = resolve(ROOT, '.data');

const toolCache = new Map<string, boolean>();

/**
 * Whether a command-line tool (gdalinfo, opj_decompress, ...) is on PATH. On CI the tools are
 * installed by .ci/run, so a missing one there is an error rather than a skip.
 */
export function hasTool(name: string): boolean {
  let ok = toolCache.get(name);
  if (ok === undefined) {
    try {
      execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
      ok = true;
    } catch {
      ok = false;
    }
    toolCache.set(name, ok);
  }
  if (!ok && process.env.CI)
    throw new Error(`${name} is required on CI (installed by .ci/run) but is missing.`);
  return ok;
}
