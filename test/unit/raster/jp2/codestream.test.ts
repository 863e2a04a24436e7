import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileByteSource, memoryByteSource } from '../../../../electron/core/raster/byte-source.js';
import { indexCodestream } from '../../../../electron/core/raster/jp2/codestream.js';
import { movedOrigin, reduceRect, tileRect } from '../../../../electron/core/raster/jp2/geometry.js';
import { Jp2Decoder } from '../../../../electron/core/raster/jp2/index.js';
import { SHARED_DATA } from '../../../helpers/env.js';

const TCI = join(SHARED_DATA, 'l1c-crop-T31TDH-2015', 'T31TDH_20150726T105026_TCI.jp2');
const decoder = new Jp2Decoder({ workers: 1 });
afterAll(() => decoder.destroy());

describe('JP2 codestream index', () => {
  it('reads the JP2 boxes, SIZ, COD and the tile-parts of the TCI crop', async () => {
    const src = await fileByteSource(TCI);
    const idx = await indexCodestream(src);
    await src.close();
    expect(idx.siz).toMatchObject({ width: 300, height: 300, tileWidth: 256, tileHeight: 256, x0: 0, y0: 0 });
    expect(idx.siz.components).toHaveLength(3);
    expect([idx.tilesX, idx.tilesY, idx.tiles.length]).toEqual([2, 2, 4]);
    expect(idx.styles[0]?.levels).toBe(1);
    const bytes = readFileSync(TCI);
    for (const parts of idx.tiles) {
      for (const p of parts) expect([bytes[p.offset], bytes[p.offset + 1]]).toEqual([0xff, 0x90]);
    }
    expect(await decoder.info(memoryByteSource('tci.jp2', bytes))).toEqual({
      ...{ width: 300, height: 300, tileWidth: 256, tileHeight: 256, tilesX: 2, tilesY: 2, levels: 1 },
      ...{ components: 3, bitsPerSample: 8, signed: false },
    });
  });

  it('a truncated file is CORRUPT_JP2, naming the file', async () => {
    const bytes = readFileSync(TCI);
    const src = memoryByteSource(
      '/data/half-downloaded_TCI.jp2',
      bytes.subarray(0, Math.floor(bytes.length * 0.6)),
    );
    const err = await decoder.info(src).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CORRUPT_JP2', file: '/data/half-downloaded_TCI.jp2' });
    expect((err as Error).message).toMatch(/half-downloaded_TCI\.jp2.*truncated/);
  });

  it('garbage, a broken SIZ or a lost tile-part is CORRUPT_JP2', async () => {
    const junk = memoryByteSource('junk.jp2', new TextEncoder().encode('<html>404 Not Found</html>'));
    await expect(decoder.info(junk)).rejects.toMatchObject({ code: 'CORRUPT_JP2', file: 'junk.jp2' });

    const bytes = readFileSync(TCI);
    const idx = await indexCodestream(memoryByteSource('x', bytes));
    const badSiz = bytes.slice();
    const siz = idx.start + 2; // SIZ follows SOC
    badSiz.fill(0, siz + 4, siz + 12); // Rsiz + Xsiz: an empty image
    await expect(decoder.info(memoryByteSource('badsiz.jp2', badSiz))).rejects.toMatchObject({
      code: 'CORRUPT_JP2',
      message: expect.stringContaining('badsiz.jp2'),
    });

    const lost = bytes.slice();
    const second = idx.tiles[1]?.[0]?.offset as number;
    lost[second] = 0; // the SOT marker of tile 1 is gone
    await expect(decoder.decode(memoryByteSource('lost.jp2', lost))).rejects.toMatchObject({
      code: 'CORRUPT_JP2',
    });
  });
});

describe('tile geometry', () => {
  const siz = {
    ...{ width: 10980, height: 10980, x0: 0, y0: 0, tileWidth: 1024, tileHeight: 1024, tileX0: 0, tileY0: 0 },
    components: [{ precision: 15, signed: false, dx: 1, dy: 1 }],
  };
  const s2 = { levels: 5, cbw: 6, cbh: 6, ppx: Array(6).fill(15), ppy: Array(6).fill(15) };

  it('tiles of a 10 m S2 band cut out at origin 0, edge tiles partial', () => {
    for (let t = 0; t < 121; t++) expect(movedOrigin(tileRect(siz, 11, t), [s2])).toEqual({ x: 0, y: 0 });
    expect(tileRect(siz, 11, 120)).toEqual({ x0: 10240, y0: 10240, x1: 10980, y1: 10980 });
  });

  it('reduced levels use ceil(edge / 2^n) like OpenJPEG', () => {
    expect(reduceRect({ x0: 10240, y0: 0, x1: 10980, y1: 1024 }, 5)).toEqual({
      x0: 320,
      y0: 0,
      x1: 344,
      y1: 32,
    });
    expect(reduceRect({ x0: 13, y0: 7, x1: 1013, y1: 707 }, 1)).toEqual({ x0: 7, y0: 4, x1: 507, y1: 354 });
  });

  it('keeps an origin whose parity or partition would change', () => {
    const r = { x0: 261, y0: 7, x1: 517, y1: 259 };
    expect(movedOrigin(r, [s2])).toEqual({ x: 261, y: 7 });
    // Any move keeps the DWT parity at every level: a multiple of 2^levels.
    const m = movedOrigin({ x0: 200, y0: 150, x1: 400, y1: 300 }, [{ ...s2, levels: 4, cbw: 5, cbh: 5 }]);
    expect([(200 - m.x) % 16, (150 - m.y) % 16]).toEqual([0, 0]);
  });
});
