import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { S2Error } from '../../../electron/core/errors.js';
import {
  confineOutput,
  isSafeFileStem,
  MAX_STEM_LENGTH,
  outputPathIn,
  safeFileStem,
} from '../../../electron/core/outputs/index.js';
import { classesFileName } from '../../../electron/core/pipeline/run-model.js';
import { fmaskFileName } from '../../../electron/core/masks/fmask/index.js';

describe('safeFileStem (names from metadata)', () => {
  it('keeps a real product name as it is', () => {
    const name = 'S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347';
    expect(safeFileStem(name)).toBe(name);
    expect(isSafeFileStem(name)).toBe(true);
  });

  it('reduces paths, "..", separators, odd characters and reserved names to a basename', () => {
    expect(safeFileStem('../../x/newdir/pwned.SAFE')).toBe('pwned.SAFE');
    expect(safeFileStem('..\\..\\windows\\evil')).toBe('evil');
    expect(safeFileStem('..')).toBe('product');
    expect(safeFileStem('/')).toBe('product');
    expect(safeFileStem('.hidden')).toBe('hidden');
    expect(safeFileStem('-rf')).toBe('rf');
    expect(safeFileStem('a..b')).toBe('a.b');
    expect(safeFileStem('name with spaces;$(rm)')).toBe('name_with_spaces_rm_');
    expect(safeFileStem('tab\there\nnewline\0nul')).toBe('tab_here_newline_nul');
    expect(safeFileStem('CON')).toBe('_CON');
    expect(safeFileStem('nul.txt')).toBe('_nul.txt');
    expect(safeFileStem('x'.repeat(1000))).toHaveLength(MAX_STEM_LENGTH);
    expect(isSafeFileStem('../a')).toBe(false);
  });

  it('is what the output naming rules use (class COG, Fmask)', () => {
    expect(classesFileName('../../x/newdir/pwned', 'dl-l8s2-uv-6b', 20)).toBe('pwned_dl-l8s2-uv-6b_20m.tif');
    expect(fmaskFileName('../../x/newdir/pwned', 20)).toBe('pwned_fmask-builtin_20m.tif');
  });
});

describe('confineOutput (outputs stay in the chosen folder)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 's2-confine-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('accepts a path inside the folder and creates its parent', async () => {
    const root = join(tmp, 'out');
    const p = await confineOutput(root, 'sub/a.tif');
    expect(p).toBe(join(root, 'sub', 'a.tif'));
  });

  it('refuses "..", absolute paths elsewhere and a link that leads out, with UNSAFE_PATH', async () => {
    const root = join(tmp, 'out2');
    mkdirSync(root);
    const outside = join(tmp, 'elsewhere');
    mkdirSync(outside);
    symlinkSync(outside, join(root, 'link'));
    for (const bad of ['../x.tif', '/etc/x.tif', 'link/x.tif', '.']) {
      const err = await confineOutput(root, bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(S2Error);
      expect((err as S2Error).code).toBe('UNSAFE_PATH');
      expect((err as S2Error).message).toMatch(/is outside the output folder/);
    }
  });

  it('outputPathIn turns a hostile metadata name into a file directly in the folder', async () => {
    const root = join(tmp, 'out3');
    const p = await outputPathIn(root, '../../x/newdir/pwned_fmask-builtin_20m.tif');
    expect(p).toBe(join(root, 'pwned_fmask-builtin_20m.tif'));
  });
});
