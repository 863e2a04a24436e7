import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileByteSource } from '../../../../electron/core/raster/byte-source.js';
import { indexCodestream } from '../../../../electron/core/raster/jp2/codestream.js';
import { Jp2Decoder, loadNativeAddon, resolveCodec } from '../../../../electron/core/raster/jp2/index.js';
import { hasTool, SHARED_DATA } from '../../../helpers/env.js';
import { firstDifference, opjDecompress, syntheticImage, writePgm16 } from './oracle.js';

/**
 * The optional native codec (native/openjp2, libopenjp2 through N-API) against the WASM codec
 * and opj_decompress. Locally it is skipped, with the reason, when the addon is not built; on CI
 * (CI set, libopenjp2-7-dev installed by .ci/run) it must be there.
 */
const loaded = loadNativeAddon();
const built = 'addon' in loaded;
const reason = 'error' in loaded ? loaded.error : '';
const tools = hasTool('opj_compress') && hasTool('opj_decompress');

const CROP = join(SHARED_DATA, 'l1c-crop-T31TDH-2015');

describe('JP2 codec selection', () => {
  it('auto picks native exactly when the addon loads; wasm is always available', async () => {
    expect(resolveCodec('auto')).toBe(built ? 'native' : 'wasm');
    expect(resolveCodec('wasm')).toBe('wasm');
    const d = new Jp2Decoder({ workers: 1, codec: 'wasm' });
    expect(d.codec).toBe('wasm');
    await d.destroy();
  });

  it('S2_JP2_CODEC sets the default; a bad value is INVALID_ARGUMENT', async () => {
    const before = process.env.S2_JP2_CODEC;
    try {
      process.env.S2_JP2_CODEC = 'wasm';
      const d = new Jp2Decoder({ workers: 1 });
      expect(d.codec).toBe('wasm');
      await d.destroy();
      process.env.S2_JP2_CODEC = 'AUTO';
      expect(resolveCodec()).toBe(built ? 'native' : 'wasm');
      process.env.S2_JP2_CODEC = 'gpu';
      expect(() => new Jp2Decoder({ workers: 1 })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    } finally {
      if (before === undefined) delete process.env.S2_JP2_CODEC;
      else process.env.S2_JP2_CODEC = before;
    }
  });

  it.skipIf(built)('forcing native without the addon is an error that says why', () => {
    expect(() => resolveCodec('native')).toThrow(/native JP2 codec was asked for/);
  });

  // On CI the addon is required: a silent fallback to WASM would hide a broken build.
  it.runIf(!!process.env.CI)('the native addon is built and loads (required on CI)', () => {
    expect(reason).toBe('');
  });
});

if (!built) {
  it.skip(`native JP2 codec tests: ${reason}`, () => {});
}

describe.runIf(built)('native JP2 codec (libopenjp2 addon)', () => {
  // Made in beforeAll: the body of a skipped describe still runs when tests are collected.
  let native: Jp2Decoder;
  let wasm: Jp2Decoder;
  let dir = '';
  const generated: Record<string, string> = {};
  const W = 1000;
  const H = 700;

  beforeAll(() => {
    native = new Jp2Decoder({ workers: 2, codec: 'native' });
    wasm = new Jp2Decoder({ workers: 2, codec: 'wasm' });
    if (!tools) return;
    dir = mkdtempSync(join(tmpdir(), 'jp2-native-'));
    writePgm16(join(dir, 'src.pgm'), W, H, syntheticImage(W, H, 3));
    const variants: Record<string, string[]> = {
      'tiles 256, 6 resolutions': ['-t', '256,256', '-n', '6'],
      'odd origins, tile-parts per resolution, precincts': [
        ...['-t', '200,150', '-n', '4', '-d', '13,7', '-T', '5,3', '-TP', 'R', '-c', '[64,64],[32,32]'],
      ],
    };
    for (const [name, args] of Object.entries(variants)) {
      const out = join(dir, `${Object.keys(generated).length}.jp2`);
      execFileSync('opj_compress', ['-i', join(dir, 'src.pgm'), '-o', out, ...args], { stdio: 'ignore' });
      generated[name] = out;
    }
  });

  afterAll(async () => {
    await Promise.all([native.destroy(), wasm.destroy()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Native == WASM == opj_decompress, whole image, at `level`. */
  async function expectSame(file: string, level: number): Promise<void> {
    const src = await fileByteSource(file);
    try {
      const [a, b] = await Promise.all([native.decode(src, { level }), wasm.decode(src, { level })]);
      expect(a.data.constructor).toBe(b.data.constructor);
      expect([a.width, a.height, a.components]).toEqual([b.width, b.height, b.components]);
      expect(firstDifference(a.data, b.data)).toBe(-1);
      const ref = opjDecompress(file, a.components, level);
      expect([a.width, a.height, a.components]).toEqual([ref.width, ref.height, ref.components]);
      expect(firstDifference(a.data, ref.data)).toBe(-1);
    } finally {
      await src.close();
    }
  }

  it('the decoders report their codec', () => {
    expect(native.codec).toBe('native');
    expect(wasm.codec).toBe('wasm');
  });

  it.runIf(tools)('real S2 crop (13 bands + TCI): levels 0 to 2 equal WASM and opj_decompress', async () => {
    const files = readdirSync(CROP).filter((f) => f.endsWith('.jp2'));
    expect(files).toHaveLength(14);
    for (const f of files) {
      const src = await fileByteSource(join(CROP, f));
      const info = await native.info(src);
      await src.close();
      for (let level = 0; level <= Math.min(2, info.levels); level++) await expectSame(join(CROP, f), level);
    }
  });

  it.runIf(tools)(
    'generated multi-tile files: levels 0 to 3 and windows equal WASM and opj_decompress',
    async () => {
      for (const file of Object.values(generated)) {
        for (const level of [0, 1, 2, 3]) await expectSame(file, level);
        const src = await fileByteSource(file);
        const window = { x: 190, y: 140, width: 230, height: 170 }; // across four tiles
        const [a, b] = await Promise.all([
          native.decode(src, { level: 1, window }),
          wasm.decode(src, { level: 1, window }),
        ]);
        expect(firstDifference(a.data, b.data)).toBe(-1);
        await src.close();
      }
    },
  );

  it.runIf(tools)("corrupt tile data is CORRUPT_JP2 naming the file, with OpenJPEG's message", async () => {
    const file = generated['tiles 256, 6 resolutions'] as string;
    const src0 = await fileByteSource(file);
    const part = (await indexCodestream(src0)).tiles[1]?.[0];
    await src0.close();
    if (!part) throw new Error('no tile 1');
    const bytes = Buffer.from(readFileSync(file));
    bytes.fill(0xff, part.offset + 14, part.offset + part.length); // packet headers of tile 1
    const bad = join(dir, 'corrupt.jp2');
    writeFileSync(bad, bytes);
    const src = await fileByteSource(bad);
    try {
      const err = await native.decode(src).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CORRUPT_JP2', file: bad });
      expect((err as Error).message).toContain(bad);
      expect((err as Error).message).toMatch(/OpenJPEG: .*Failed to decode/);
      // The pool is still usable afterwards.
      const ok = await fileByteSource(file);
      expect((await native.decode(ok, { level: 2 })).width).toBe(Math.ceil(W / 4));
      await ok.close();
    } finally {
      await src.close();
    }
  });

  it('the addon itself: OpenJPEG errors become exceptions, bad arguments TypeErrors', () => {
    if (!('addon' in loaded)) throw new Error('unreachable');
    const { addon } = loaded;
    expect(addon.openjpegVersion()).toMatch(/^2\./);
    expect(() => addon.decode(new Uint8Array([1, 2, 3, 4]), 0)).toThrow(
      expect.objectContaining({ code: 'ERR_OPENJPEG', message: expect.stringMatching(/SOC marker/) }),
    );
    expect(() => addon.decode(new Uint8Array(0), 0)).toThrow(
      expect.objectContaining({ code: 'ERR_OPENJPEG' }),
    );
    expect(() => addon.decode(new Uint16Array(4) as unknown as Uint8Array, 0)).toThrow(TypeError);
    expect(() => addon.decode(new Uint8Array(4), -1)).toThrow(RangeError);
  });
});
