import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeScene } from '../../fixtures/make-scene.js';
import { runCli } from '../../helpers/cli.js';
import { DATA_DIR, hasTool } from '../../helpers/env.js';

describe.skipIf(!hasTool('opj_compress') || !hasTool('gdalinfo'))('s2cloud fmask', () => {
  const tmp = mkdtempSync(join(tmpdir(), 's2-fmask-'));
  let l1c: string;
  let l2a: string;
  beforeAll(async () => {
    l1c = (await makeScene({ size: 'small', outDir: join(DATA_DIR, 'scenes'), log: () => {} })).safePath;
    l2a = (await makeScene({ size: 'small', level: 'L2A', outDir: join(DATA_DIR, 'scenes'), log: () => {} }))
      .safePath;
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes a COG with Fmask codes, labelled as the built-in Fmask', async () => {
    const out = join(tmp, 'fmask.tif');
    const r = await runCli(['fmask', l1c, '--out', out, '--resolution', '60']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Fmask (built-in)');
    const info = JSON.parse(execFileSync('gdalinfo', ['-json', out], { encoding: 'utf8' })) as {
      size: number[];
      metadata: Record<string, Record<string, string>>;
      bands: Array<{ noDataValue?: number }>;
    };
    expect(info.size).toEqual([183, 183]);
    expect(JSON.stringify(info.metadata)).toContain('Fmask (built-in)');
    expect(info.bands[0]!.noDataValue).toBe(255);
    // The compare command reads it with the Fmask adapter.
    const c = await runCli(['compare', `fmask4=${out}`, `msk-classi=${l1c}`]);
    expect(c.code).toBe(0);
    expect(c.out).toContain('Pairwise agreement');
  });

  it('refuses an L2A product, saying why', async () => {
    const r = await runCli(['fmask', l2a, '--out', join(tmp, 'no.tif')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is L2A; Fmask runs on top-of-atmosphere \(L1C\) products/);
  });
});
