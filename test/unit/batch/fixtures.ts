/** A batch folder: the small generated L1C linked under several names, the small L2A, a truncated zip and an L1B product. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeScene } from '../../fixtures/make-scene.js';
import { DATA_DIR, hasTool, SHARED_DATA } from '../../helpers/env.js';

export const L1B = join(SHARED_DATA, 'gdal-fake-safe/fake_l1b/S2B_OPER_PRD_MSIL1B.SAFE');

export async function smallScenes(): Promise<{ l1c: string; l2a: string }> {
  const out = join(DATA_DIR, 'scenes');
  const l1c = (await makeScene({ size: 'small', level: 'L1C', outDir: out, log: () => {} })).safePath;
  const l2a = (await makeScene({ size: 'small', level: 'L2A', outDir: out, log: () => {} })).safePath;
  return { l1c, l2a };
}

/**
 * `names` links to the small L1C (distinct .SAFE names, one product name), plus, with `broken`,
 * the L2A (which the L1C-only default model cannot run), a truncated zip and an L1B product.
 */
export async function batchFolder(names: string[], broken = true): Promise<string> {
  const { l1c, l2a } = await smallScenes();
  const dir = mkdtempSync(join(tmpdir(), 's2-batch-in-'));
  for (const n of names) symlinkSync(l1c, join(dir, `${n}.SAFE`));
  if (broken) {
    mkdirSync(join(dir, 'more'));
    symlinkSync(l2a, join(dir, 'more', 'l2a.SAFE'));
    symlinkSync(L1B, join(dir, 'more', 'S2B_OPER_PRD_MSIL1B.SAFE'));
    const full = join(dir, 'whole.zip.tmp');
    if (hasTool('zip')) {
      execFileSync('zip', ['-qr0', full, '.'], { cwd: l1c });
      writeFileSync(join(dir, 'truncated.zip'), readFileSync(full).subarray(0, 200_000));
      execFileSync('rm', [full]);
    } else {
      writeFileSync(join(dir, 'truncated.zip'), Buffer.from('PK\x03\x04 not a whole zip'));
    }
  }
  return dir;
}
