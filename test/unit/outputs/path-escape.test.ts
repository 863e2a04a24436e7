/**
 * The probe of issue 12: a product whose PRODUCT_URI is `../../x/newdir/pwned.SAFE`. predict,
 * fmask (default output names), a model run with an output folder (what the GUI does) and a batch
 * must write `pwned_*` inside the folder chosen, and create nothing outside it.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchRun } from '../../../electron/core/batch/index.js';
import { runModel } from '../../../electron/core/pipeline/run-model.js';
import { destroySharedDecoder } from '../../../electron/core/raster/jp2/index.js';
import { makeScene } from '../../fixtures/make-scene.js';
import { runCli } from '../../helpers/cli.js';
import { DATA_DIR, hasTool } from '../../helpers/env.js';
import { ensureBuiltModel } from '../../helpers/models.js';

const HOSTILE_URI = '../../x/newdir/pwned.SAFE';

/** Every path under `dir` (relative), to show nothing was created outside the output folders. */
function tree(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() && !e.name.endsWith('.SAFE') ? [p, ...tree(dir, p)] : [p];
  });
}

describe.skipIf(!hasTool('opj_compress'))('names from metadata cannot leave the output folder', () => {
  const tmp = mkdtempSync(join(tmpdir(), 's2-escape-'));
  const products = join(tmp, 'in');
  const evil = join(products, 'evil.SAFE');
  const cwd = join(tmp, 'work', 'a', 'b');
  beforeAll(async () => {
    const safe = (await makeScene({ size: 'small', outDir: join(DATA_DIR, 'scenes'), log: () => {} }))
      .safePath;
    cpSync(safe, evil, { recursive: true });
    const xml = join(evil, 'MTD_MSIL1C.xml');
    writeFileSync(
      xml,
      readFileSync(xml, 'utf8').replace(
        /<PRODUCT_URI>[^<]*<\/PRODUCT_URI>/,
        `<PRODUCT_URI>${HOSTILE_URI}</PRODUCT_URI>`,
      ),
    );
    mkdirSync(cwd, { recursive: true });
    await ensureBuiltModel('dl-l8s2-uv-6b');
  });
  afterAll(async () => {
    rmSync(tmp, { recursive: true, force: true });
    await destroySharedDecoder();
  });

  const noEscape = (): void => {
    expect(
      tree(tmp).filter((p) => /newdir|pwned/.test(p) && !p.startsWith('work/a/b/') && !p.startsWith('out')),
    ).toEqual([]);
    expect(existsSync(join(tmp, 'work', 'x'))).toBe(false);
    expect(existsSync(join(tmp, 'x'))).toBe(false);
  };

  it('predict and fmask with their default names write into the current folder', async () => {
    const before = process.cwd();
    process.chdir(cwd);
    try {
      const p = await runCli(['predict', evil, '--resolution', '60']);
      expect(p.code, p.err).toBe(0);
      expect(p.out.split('\n')[0]).toBe(join(cwd, 'pwned_dl-l8s2-uv-6b_60m.tif'));
      const f = await runCli(['fmask', evil, '--resolution', '60']);
      expect(f.code, f.err).toBe(0);
      expect(f.out.split('\n')[0]).toBe(join(cwd, 'pwned_fmask-builtin_60m.tif'));
    } finally {
      process.chdir(before);
    }
    expect(readdirSync(cwd).sort()).toEqual(['pwned_dl-l8s2-uv-6b_60m.tif', 'pwned_fmask-builtin_60m.tif']);
    noEscape();
  });

  it('a run into an output folder (the GUI run panel) and a batch stay in their folder', async () => {
    const gui = join(tmp, 'out-gui');
    const r = await runModel({ product: evil, outDir: gui, resolution: 60, cloudOnly: true });
    expect(r.classesOut).toBe(join(gui, 'pwned_dl-l8s2-uv-6b_60m.tif'));
    const outDir = join(tmp, 'out-batch');
    const snap = await new BatchRun({ folder: products, outDir, resolution: 60, jobs: 1 }).start();
    expect(snap.scenes.map((s) => [s.status, s.stem])).toEqual([['done', 'pwned']]);
    for (const f of Object.values(snap.scenes[0]!.outputs!))
      expect(f.startsWith(`${outDir}/pwned_`)).toBe(true);
    noEscape();
  });
});
