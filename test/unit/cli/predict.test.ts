import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeScene } from '../../fixtures/make-scene.js';
import { runCli } from '../../helpers/cli.js';
import { DATA_DIR, hasTool, SHARED_DATA } from '../../helpers/env.js';
import { ensureBuiltModel } from '../../helpers/models.js';

const run = runCli;

describe.skipIf(!hasTool('opj_compress') || !hasTool('gdalinfo'))('s2cloud predict', () => {
  let safe: string;
  const tmp = mkdtempSync(join(tmpdir(), 's2-predict-'));
  beforeAll(async () => {
    safe = (await makeScene({ size: 'small', outDir: join(DATA_DIR, 'scenes'), log: () => {} })).safePath;
    await ensureBuiltModel('dl-l8s2-uv-6b');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes a class COG and prints the class shares', async () => {
    const out = join(tmp, 'mask.tif');
    const {
      code,
      out: text,
      err,
    } = await run(['predict', safe, '--out', out, '--resolution', '60', '--probabilities']);
    expect(code).toBe(0);
    expect(err).toMatch(/runs on cpu/);
    expect(err).toMatch(/predict: 1\/1 tiles/);
    expect(text).toMatch(/dl-l8s2-uv-6b at 60 m, 183 x 183 px/);
    expect(text).toMatch(/cloud\s+\d+\.\d+ %/);
    const info = execFileSync('gdalinfo', [out], { encoding: 'utf8' });
    expect(info).toContain('Size is 183, 183');
    const probs = execFileSync('gdalinfo', [join(tmp, 'mask_probabilities.tif')], { encoding: 'utf8' });
    expect(probs).toContain('Type=Float32');
  });

  it('explains a missing model, a bad resolution and a product it cannot read', async () => {
    const a = await run(['predict', safe, '--model', 'no-such-model']);
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/No model "no-such-model"/);
    expect(a.err).toMatch(/the models are dl-l8s2-uv-4b, dl-l8s2-uv-6b\b/);
    const b = await run(['predict', safe, '--resolution', '30']);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--resolution must be 10, 20 or 60/);
    const cut = join(
      SHARED_DATA,
      'safe-T31TCJ-2024/S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE',
    );
    const out = join(tmp, 'never.tif');
    const c = await run(['predict', cut, '--out', out]);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/is 30 x 30 px but the tile metadata/);
    expect(existsSync(out)).toBe(false);
  });
});
