import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { SHARED_DATA } from '../../helpers/env.js';

export const FAKE = join(SHARED_DATA, 'gdal-fake-safe');
export const T31TCJ = join(SHARED_DATA, 'safe-T31TCJ-2024');
export const T31TCJ_CLEAR = join(T31TCJ, 'S2A_MSIL1C_20240120T105341_N0510_R051_T31TCJ_20240120T125244.SAFE');
export const T31TCJ_CLOUDY = join(
  T31TCJ,
  'S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE',
);

export const SAFE = {
  l1b: join(FAKE, 'fake_l1b/S2B_OPER_PRD_MSIL1B.SAFE'),
  l1bGeoloc: join(FAKE, 'fake_l1b_geoloc/S2B_OPER_PRD_MSIL1B.SAFE'),
  l1cPdgs: join(FAKE, 'fake_l1c/S2A_OPER_PRD_MSIL1C.SAFE'),
  l1c509: join(
    FAKE,
    'fake_l1c_processing_baseline_5_09/S2B_MSIL1C_20230823T095559_N0509_R122_T34UCF_20230823T120234.SAFE',
  ),
  l1cCompact: join(FAKE, 'fake_l1c_safecompact/S2A_MSIL1C_test.SAFE'),
  l2aOld: join(FAKE, 'fake_l2a/S2A_USER_PRD_MSIL2A.SAFE'),
  l2a: join(FAKE, 'fake_l2a_MSIL2A/S2A_MSIL2A_20180818T094031_N0208_R036_T34VFJ_20180818T120345.SAFE'),
  l2ap: join(FAKE, 'fake_l2a_MSIL2Ap/S2A_MSIL2A_20170823T094031_N0205_R036_T34VFJ_20170823T094252.SAFE'),
  l2a509: join(
    FAKE,
    'fake_l2a_processing_baseline_5_09/S2B_MSIL2A_20230823T095559_N0509_R122_T34UCF_20230823T124759.SAFE',
  ),
} as const;

/** A temporary folder, removed by the returned cleanup. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `s2-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Copies a product folder into `dir` (a temp folder: shared data is read-only and never goes into git). */
export async function copyProduct(src: string, dir: string, name = basename(src)): Promise<string> {
  const dst = join(dir, name);
  await cp(src, dst, { recursive: true });
  return dst;
}

/** Rewrites a text file in place. */
export async function editFile(path: string, edit: (text: string) => string): Promise<void> {
  await writeFile(path, edit(await readFile(path, 'utf8')));
}

/** Zips `folder` (as its own top-level entry) with Debian's zip: stored (-0) or deflated. */
export function zipFolder(folder: string, out: string, stored: boolean): string {
  execFileSync('zip', ['-r', '-q', ...(stored ? ['-0'] : []), out, basename(folder)], {
    cwd: dirname(folder),
  });
  return out;
}
