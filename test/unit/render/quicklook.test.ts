import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../../electron/core/render/png.js';
import { renderQuicklook } from '../../../electron/core/render/quicklook.js';
import { destroySharedDecoder } from '../../../electron/core/raster/jp2/index.js';
import { openProduct } from '../../../electron/core/scene/index.js';
import { productGrid } from '../../../electron/core/scene/reflectance.js';
import type { Product } from '../../../electron/core/scene/types.js';
import { makeScene } from '../../fixtures/make-scene.js';
import { DATA_DIR, hasTool } from '../../helpers/env.js';
import { gdalRead } from '../../helpers/gdal-raw.js';

describe.skipIf(!hasTool('gdal_translate'))('PNG and quicklooks', () => {
  const tmp = mkdtempSync(join(tmpdir(), 's2-ql-'));
  let product: Product;
  beforeAll(async () => {
    const { safePath } = await makeScene({ size: 'small', outDir: join(DATA_DIR, 'scenes'), log: () => {} });
    product = await openProduct(safePath);
  });
  afterAll(async () => {
    await product?.close();
    await destroySharedDecoder();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('writes PNGs that GDAL reads back pixel for pixel', () => {
    const px = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const f = join(tmp, 'small.png');
    writeFileSync(f, encodePng(5, 3, px, 3));
    for (let b = 0; b < 3; b++) {
      const band = gdalRead(tmp, f, ['-b', `${b + 1}`], 'Byte');
      expect(Array.from(band)).toEqual(Array.from({ length: 15 }, (_, i) => px[i * 3 + b]));
    }
  });

  it('draws the mask classes over the true-colour image', async () => {
    const grid = productGrid(product, 20);
    const mask = new Uint8Array(grid.width * grid.height).fill(1);
    for (let y = 0; y < 100; y++) for (let x = 0; x < 100; x++) mask[y * grid.width + x] = 4; // shadow, top-left
    const plain = await renderQuicklook(product, { maxSize: 600 });
    const tinted = await renderQuicklook(product, { maxSize: 600, mask, maskGrid: grid });
    expect([plain.width, plain.height]).toEqual([549, 549]); // TCI 1098 px at level 1
    const a = join(tmp, 'plain.png');
    const b = join(tmp, 'tinted.png');
    writeFileSync(a, plain.png);
    writeFileSync(b, tinted.png);
    const blue = (f: string, x: number, y: number): number =>
      gdalRead(tmp, f, ['-b', '3', '-srcwin', `${x}`, `${y}`, '1', '1'], 'Byte')[0]!;
    const red = (f: string, x: number, y: number): number =>
      gdalRead(tmp, f, ['-b', '1', '-srcwin', `${x}`, `${y}`, '1', '1'], 'Byte')[0]!;
    // Inside the shadow block (20 m pixel 50 -> quicklook pixel 50): pulled towards the map's
    // shadow orange.
    expect(red(b, 50, 50) - blue(b, 50, 50)).toBeGreaterThan(red(a, 50, 50) - blue(a, 50, 50));
    // Outside it the picture is untouched.
    expect(red(b, 400, 400)).toBe(red(a, 400, 400));
  });
});
