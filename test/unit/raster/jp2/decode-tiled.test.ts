import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileByteSource, type ByteSource } from '../../../../electron/core/raster/byte-source.js';
import { Jp2Decoder } from '../../../../electron/core/raster/jp2/index.js';
import { hasTool } from '../../../helpers/env.js';
import { crop, firstDifference, opjDecompress, syntheticImage, writePgm16 } from './oracle.js';

const W = 1000;
const H = 700;

/** Tiled layouts made with opj_compress from one 1000 x 700 16-bit image; edge tiles are partial. */
const VARIANTS: Record<string, string[]> = {
  'tiles 256, 6 resolutions': ['-t', '256,256', '-n', '6'],
  'tiles 256 + TLM marker': ['-t', '256,256', '-n', '6', '-TLM'],
  'tiles 200x150, tile-parts per resolution, precincts, 32x32 blocks': [
    ...['-t', '200,150', '-n', '4', '-TP', 'R', '-b', '32,32', '-c', '[64,64],[32,32]'],
  ],
  'image and tile offsets (odd origins)': ['-t', '256,256', '-n', '5', '-d', '13,7', '-T', '5,3'],
};

const tools = hasTool('opj_compress') && hasTool('opj_decompress');
let dir = '';
const files: Record<string, string> = {};
const decoder = new Jp2Decoder({ workers: 2 });

beforeAll(() => {
  if (!tools) return;
  dir = mkdtempSync(join(tmpdir(), 'jp2-tiled-'));
  writePgm16(join(dir, 'src.pgm'), W, H, syntheticImage(W, H));
  for (const [name, args] of Object.entries(VARIANTS)) {
    const out = join(dir, `${Object.keys(files).length}.jp2`);
    execFileSync('opj_compress', ['-i', join(dir, 'src.pgm'), '-o', out, ...args], { stdio: 'ignore' });
    files[name] = out;
  }
});

afterAll(async () => {
  await decoder.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A ByteSource that counts what it reads. */
function counting(src: ByteSource): ByteSource & { bytes: number } {
  const c = {
    ...src,
    bytes: 0,
    read: async (o: number, n: number) => {
      const b = await src.read(o, n);
      c.bytes += b.length;
      return b;
    },
  };
  return c;
}

describe.skipIf(!tools)('tiled JP2: tile-by-tile decoding equals whole-image opj_decompress', () => {
  for (const name of Object.keys(VARIANTS)) {
    it(`${name}: full resolution and reduce 1 to 3, whole image and windows`, async () => {
      const file = files[name] as string;
      const src = await fileByteSource(file);
      try {
        const info = await decoder.info(src);
        expect([info.width, info.height, info.components]).toEqual([W, H, 1]);
        expect(info.tilesX * info.tilesY).toBeGreaterThan(1);
        for (const level of [0, 1, 2, 3]) {
          const ref = opjDecompress(file, 1, level);
          const whole = await decoder.decode(src, { level });
          expect([whole.width, whole.height]).toEqual([ref.width, ref.height]);
          expect(whole.data).toBeInstanceOf(Uint16Array);
          expect(firstDifference(whole.data, ref.data)).toBe(-1);
          const windows = [
            { x: 0, y: 0, width: 1, height: 1 },
            { x: Math.floor(ref.width / 3), y: Math.floor(ref.height / 4), width: 97, height: 61 },
            { x: ref.width - 40, y: ref.height - 30, width: 40, height: 30 },
          ].filter((w) => w.x + w.width <= ref.width && w.y + w.height <= ref.height);
          for (const window of windows) {
            const part = await decoder.decode(src, { level, window });
            expect(part.window).toEqual(window);
            expect(firstDifference(part.data, crop(ref.data, ref.width, 1, window))).toBe(-1);
          }
        }
      } finally {
        await src.close();
      }
    });
  }

  it('a window inside one tile reads only that tile', async () => {
    const file = files['tiles 256, 6 resolutions'] as string;
    const src = counting(await fileByteSource(file));
    await decoder.info(src);
    const indexBytes = src.bytes;
    expect(indexBytes).toBeLessThan(src.size / 10); // header + 12 bytes per tile-part, not the data
    await decoder.decode(src, { window: { x: 300, y: 300, width: 50, height: 50 } });
    expect(src.bytes - indexBytes).toBeLessThan(src.size / 6); // 1 of 12 tiles
    await src.close();
  });

  it('rejects levels and windows outside the image', async () => {
    const src = await fileByteSource(files['tiles 256, 6 resolutions'] as string);
    await expect(decoder.decode(src, { level: 6 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(
      decoder.decode(src, { level: 1, window: { x: 450, y: 0, width: 51, height: 10 } }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await src.close();
  });
});
