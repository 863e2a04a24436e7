/**
 * The CLI on a THEIA L2A product: info reads it, and the models refuse it in words (the L1C-only
 * default model by level; KappaMask L2A, when installed, by the bands THEIA does not ship).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTheia } from '../../fixtures/make-theia.js';
import { runCli } from '../../helpers/cli.js';
import { DATA_DIR, hasTool } from '../../helpers/env.js';

const tools = hasTool('opj_decompress') && hasTool('gdal_translate') && hasTool('zip');

describe.skipIf(!tools)('s2cloud on a THEIA L2A product', () => {
  let folder = '';
  let tmp = '';
  beforeAll(async () => {
    folder = (await makeTheia({ outDir: join(DATA_DIR, 'theia') })).folder;
    tmp = await mkdtemp(join(tmpdir(), 's2-theia-cli-'));
  }, 120_000);
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('info names the format, the reflectance read and the MAJA masks', async () => {
    const r = await runCli(['info', folder]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('THEIA L2A (MAJA, GeoTIFF)');
    expect(r.out).toContain('SRE reflectance, no data -10000');
    expect(r.out).toContain('MAJA_CLM 20 m');
  });

  it('predict refuses it in words and writes nothing', async () => {
    const out = join(tmp, 'x.tif');
    const a = await runCli(['predict', folder, '--out', out]);
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/accepts L1C products; SENTINEL2A_\S+ is L2A/);
    const b = await runCli(['predict', folder, '--model', 'kappamask-l2a', '--out', out]);
    expect(b.code).toBe(1);
    // Installed: the bands THEIA lacks, by name; not installed: how to install it.
    expect(b.err).toMatch(/needs bands AOT, B01, B09, WVP|is not installed/);
    expect(existsSync(out)).toBe(false);
  });
});
