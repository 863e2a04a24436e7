import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverProducts } from '../../../electron/core/scene/index.js';
import { hasTool } from '../../helpers/env.js';
import { copyProduct, SAFE, T31TCJ, T31TCJ_CLEAR, tempDir, zipFolder } from './scene-fixtures.js';

describe('discoverProducts', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('discover'));
  });
  afterAll(() => cleanup());

  it('finds both real T31TCJ products', async () => {
    const found = await discoverProducts(T31TCJ);
    const ok = found.filter((e) => e.ok);
    expect(ok.map((e) => (e.ok ? e.metadata.mission : ''))).toEqual(['S2A', 'S2B']);
  });

  it('lists every GDAL test product, with the L1B ones as UNSUPPORTED_PRODUCT errors', async () => {
    const found = await discoverProducts(join(SAFE.l1b, '../..'));
    expect(found).toHaveLength(9);
    const failed = found.filter((e) => !e.ok);
    expect(failed.map((e) => (e.ok ? '' : e.error.code))).toEqual([
      'UNSUPPORTED_PRODUCT',
      'UNSUPPORTED_PRODUCT',
    ]);
    // Granule-level XMLs inside the .SAFE folders are not products of their own.
    expect(found.every((e) => !e.path.includes('GRANULE'))).toBe(true);
  });

  it('lists several products, a zip and a loose XML, and reports a broken one without losing the rest', async () => {
    const root = join(dir, 'mixed');
    await mkdir(join(root, 'nested/deeper'), { recursive: true });
    await copyProduct(SAFE.l2a509, root);
    await copyProduct(SAFE.l1cCompact, join(root, 'nested/deeper'));
    // An unzipped product in a folder not named .SAFE: found by its product XML.
    await copyProduct(SAFE.l2a, root, 'unpacked-here');
    const broken = join(root, 'nested/S2B_MSIL1C_BROKEN.SAFE');
    await mkdir(broken);
    await writeFile(join(broken, 'MTD_MSIL1C.xml'), '<not-closed>');
    if (hasTool('zip')) zipFolder(T31TCJ_CLEAR, join(root, 'nested/clear.zip'), true);
    const found = await discoverProducts(root);
    const ok = found.filter((e) => e.ok);
    const failed = found.filter((e) => !e.ok);
    expect(ok).toHaveLength(hasTool('zip') ? 4 : 3);
    expect(found.some((e) => e.ok && e.path === join(root, 'unpacked-here/MTD_MSIL2A.xml'))).toBe(true);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.path).toBe(broken);
    if (failed[0] && !failed[0].ok) {
      expect(failed[0].error.code).toBe('BAD_METADATA');
      expect(failed[0].error.message).toContain('S2B_MSIL1C_BROKEN.SAFE');
    }
  });

  it('gives one NOT_A_PRODUCT entry for a folder with no product', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const found = await discoverProducts(empty);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ path: empty, ok: false, error: { code: 'NOT_A_PRODUCT' } });
  });

  it('stops with CANCELLED when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(discoverProducts(T31TCJ, { signal: ac.signal })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
  });
});
