/**
 * Damaged JPEG 2000 data is not silent (issue 12). A real codestream made by opj_compress with
 * its error-resilience options (SOP/EPH markers, predictable termination) gets garbage written
 * over part of one tile's data, markers left intact: OpenJPEG decodes it with a warning, and
 * both codecs (WASM, and the native addon where it is built) must fail the read with CORRUPT_JP2
 * naming the file and the tile, while the intact file decodes. Sizes read from a header are
 * checked before anything is allocated.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S2Error } from '../../../../electron/core/errors.js';
import { fileByteSource } from '../../../../electron/core/raster/byte-source.js';
import { Jp2Decoder } from '../../../../electron/core/raster/jp2/index.js';
import { loadNativeAddon } from '../../../../electron/core/raster/jp2/native.js';
import { hasTool } from '../../../helpers/env.js';
import { syntheticImage, writePgm16 } from './oracle.js';

const tools = hasTool('opj_compress');
const W = 512;
let dir = '';
const file = (name: string): string => join(dir, name);

/** Offsets of every `marker` (two bytes) in the codestream. */
function markers(b: Uint8Array, marker: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0xff && b[i + 1] === marker) out.push(i);
  return out;
}

beforeAll(() => {
  if (!tools) return;
  dir = mkdtempSync(join(tmpdir(), 'jp2-corrupt-'));
  writePgm16(file('src.pgm'), W, W, syntheticImage(W, W, 3));
  const enc = ['-i', file('src.pgm'), '-t', '256,256', '-n', '5', '-SOP', '-EPH', '-M', '16'];
  execFileSync('opj_compress', [...enc, '-o', file('good.j2k')], { stdio: 'ignore' });
  // Tile 1's data: from its SOD to the next SOT. 2 KB of garbage (never 0xFF, so no marker
  // appears) 3 KB into it, where code-block data lies.
  const b = new Uint8Array(readFileSync(file('good.j2k')));
  const sot = markers(b, 0x90);
  const sod = markers(b, 0x93).find((p) => p > sot[1]!)!;
  let seed = 7;
  for (let i = sod + 3000; i < Math.min(sod + 5000, sot[2]!); i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    b[i] = (seed >>> 16) % 0xff;
  }
  writeFileSync(file('damaged.j2k'), b);
  // One tile, then the header edited to claim 40000 x 40000 pixels, or 262144 1 x 1 tiles.
  execFileSync('opj_compress', ['-i', file('src.pgm'), '-o', file('one.j2k')], { stdio: 'ignore' });
  const one = new Uint8Array(readFileSync(file('one.j2k')));
  const siz = markers(one, 0x51)[0]!;
  const v = new DataView(one.buffer);
  const huge = one.slice();
  const hv = new DataView(huge.buffer);
  for (const at of [6, 10, 22, 26]) hv.setUint32(siz + at, 40000); // Xsiz, Ysiz, XTsiz, YTsiz
  writeFileSync(file('huge.j2k'), huge);
  v.setUint32(siz + 22, 1);
  v.setUint32(siz + 26, 1);
  writeFileSync(file('many-tiles.j2k'), one);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const native = 'addon' in loadNativeAddon();

describe.skipIf(!tools)('damaged tile data fails the read with CORRUPT_JP2', () => {
  for (const codec of ['wasm', 'native'] as const) {
    it.skipIf(codec === 'native' && !native)(`${codec} codec`, async () => {
      const decoder = new Jp2Decoder({ workers: 1, codec, tileCacheBytes: 0 });
      const good = await fileByteSource(file('good.j2k'));
      const src = await fileByteSource(file('damaged.j2k'));
      try {
        const ok = await decoder.decode(good);
        expect(ok.width).toBe(W);
        // Tile 0 alone is intact and still reads.
        await decoder.decode(src, { window: { x: 0, y: 0, width: 256, height: 256 } });
        const err = await decoder.decode(src).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(S2Error);
        const e = err as S2Error;
        expect(e.code).toBe('CORRUPT_JP2');
        expect(e.file).toBe(file('damaged.j2k'));
        expect(e.message).toContain(file('damaged.j2k'));
        expect(e.message).toMatch(/tile 1 \(column 2, row 1 of 2 x 2\) is damaged/);
        expect(e.message).toMatch(/PTERM|SOP|EPH/);
        expect(e.details?.tile).toBe(1);
      } finally {
        await Promise.all([good.close(), src.close(), decoder.destroy()]);
      }
    });
  }
});

describe.skipIf(!tools)('sizes from the header are checked before allocating', () => {
  const decoder = new Jp2Decoder({ workers: 1, codec: 'wasm' });
  afterAll(() => decoder.destroy());

  it('a 40000 x 40000 image read at once is TOO_LARGE, in words', async () => {
    const src = await fileByteSource(file('huge.j2k'));
    expect((await decoder.info(src)).width).toBe(40000);
    const err = (await decoder.decode(src).catch((e: unknown) => e)) as S2Error;
    expect(err.code).toBe('TOO_LARGE');
    expect(err.message).toMatch(/reading 40000 x 40000 pixels at level 0 at once needs 3\.0 GiB/);
    expect(err.message).not.toMatch(/Invalid typed array length/);
    await src.close();
  });

  it('a header declaring more than 65535 tiles is CORRUPT_JP2', async () => {
    const src = await fileByteSource(file('many-tiles.j2k'));
    const err = (await decoder.info(src).catch((e: unknown) => e)) as S2Error;
    expect(err.code).toBe('CORRUPT_JP2');
    expect(err.message).toMatch(/declares 512 x 512 tiles; JPEG 2000 allows 1 to 65535/);
    await src.close();
  });
});
