import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileByteSource } from '../../../../electron/core/raster/byte-source.js';
import { Jp2Decoder } from '../../../../electron/core/raster/jp2/index.js';
import { hasTool, SHARED_DATA } from '../../../helpers/env.js';
import { firstDifference, opjDecompress } from './oracle.js';

const CROP = join(SHARED_DATA, 'l1c-crop-T31TDH-2015');
const cropFiles = readdirSync(CROP).filter((f) => f.endsWith('.jp2'));

/** MSK_CLASSI_B00.jp2 of every L1C product in the T31TCJ set (1830 x 1830, 3 x 8-bit, 8 x 8 tiles). */
function classiFiles(): string[] {
  const root = join(SHARED_DATA, 'safe-T31TCJ-2024');
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('MSK_CLASSI_B00.jp2'))
    .map((p) => join(root, p));
}

const decoder = new Jp2Decoder({ workers: 2 });
afterAll(() => decoder.destroy());

async function expectLikeOpenJpeg(file: string, level: number): Promise<void> {
  const src = await fileByteSource(file);
  try {
    const info = await decoder.info(src);
    const ours = await decoder.decode(src, { level });
    const ref = opjDecompress(file, info.components, level);
    expect([ours.width, ours.height, ours.components]).toEqual([ref.width, ref.height, ref.components]);
    expect(firstDifference(ours.data, ref.data)).toBe(-1);
  } finally {
    await src.close();
  }
}

describe.skipIf(!hasTool('opj_decompress'))(
  'JP2 decoding is bit-exact with opj_decompress (real S2 data)',
  () => {
    it('finds the 13 bands and TCI of the L1C crop', () => {
      expect(cropFiles).toHaveLength(14);
    });

    for (const f of cropFiles) {
      it(`${f}: every level up to 2`, async () => {
        const src = await fileByteSource(join(CROP, f));
        const info = await decoder.info(src);
        await src.close();
        expect(info.bitsPerSample > 8).toBe(!f.includes('TCI'));
        for (let level = 0; level <= Math.min(2, info.levels); level++)
          await expectLikeOpenJpeg(join(CROP, f), level);
      });
    }

    it('MSK_CLASSI_B00: 1830 x 1830, 3 components of 8 bits, 64 tiles; levels 0 to 2', async () => {
      const files = classiFiles();
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const src = await fileByteSource(file);
        const info = await decoder.info(src);
        await src.close();
        expect(info).toMatchObject({
          width: 1830,
          height: 1830,
          components: 3,
          bitsPerSample: 8,
          tilesX: 8,
          tilesY: 8,
        });
        for (const level of [0, 1, 2]) await expectLikeOpenJpeg(file, level);
      }
    });

    it('TCI decodes to interleaved RGB bytes', async () => {
      const src = await fileByteSource(join(CROP, cropFiles.find((f) => f.includes('TCI')) as string));
      const r = await decoder.decode(src, { level: 1, window: { x: 10, y: 20, width: 30, height: 40 } });
      await src.close();
      expect(r.data).toBeInstanceOf(Uint8Array);
      expect(r.data.length).toBe(30 * 40 * 3);
    });
  },
);
