/**
 * Our own WASM build of OpenJPEG (native/openjp2-wasm, the `simd` WASM build) against the npm
 * package's build and opj_decompress: every pixel equal, on the real S2 crop and on generated
 * multi-tile files; damaged data and bad input fail as CodecError; the selection between the two
 * builds (S2_JP2_WASM / wasmBuild) and the fallback to the npm package.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileByteSource } from '../../../../electron/core/raster/byte-source.js';
import { Jp2Decoder } from '../../../../electron/core/raster/jp2/index.js';
import { resolveWasmBuild } from '../../../../electron/core/raster/jp2/native.js';
import { OpenJpegWasmSimd, simdWasmPath } from '../../../../electron/core/raster/jp2/wasm-simd.js';
import { CodecError } from '../../../../electron/core/raster/jp2/wasm.js';
import { hasTool, SHARED_DATA } from '../../../helpers/env.js';
import { firstDifference, opjDecompress, syntheticImage, writePgm16 } from './oracle.js';

const tools = hasTool('opj_compress') && hasTool('opj_decompress');
const CROP = join(SHARED_DATA, 'l1c-crop-T31TDH-2015');

describe('WASM build selection', () => {
  it('the committed build is there, and auto picks it', () => {
    expect(simdWasmPath()).toMatch(/native[\\/]openjp2-wasm[\\/]openjp2\.wasm$/);
    expect(resolveWasmBuild('auto')).toBe('simd');
    expect(resolveWasmBuild('')).toBe('simd');
    expect(resolveWasmBuild(' NPM ')).toBe('npm');
    expect(() => resolveWasmBuild('asm')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('S2_JP2_WASM sets the default; the npm package still decodes (the fallback)', async () => {
    const before = process.env.S2_JP2_WASM;
    try {
      process.env.S2_JP2_WASM = 'npm';
      expect(resolveWasmBuild()).toBe('npm');
      delete process.env.S2_JP2_WASM;
      expect(resolveWasmBuild()).toBe('simd');
    } finally {
      if (before === undefined) delete process.env.S2_JP2_WASM;
      else process.env.S2_JP2_WASM = before;
    }
  });

  it('OpenJPEG errors are CodecErrors with its message, and the instance stays usable', async () => {
    const codec = await OpenJpegWasmSimd.load();
    expect(codec.version()).toMatch(/^2\.5\./);
    const req = { level: 0, width: 1, height: 1, components: 1, bytesPerSample: 2 };
    expect(() => codec.decode({ ...req, codestream: new Uint8Array([1, 2, 3, 4]) })).toThrow(CodecError);
    expect(() => codec.decode({ ...req, codestream: new Uint8Array([1, 2, 3, 4]) })).toThrow(/SOC marker/);
    expect(() => codec.decode({ ...req, codestream: new Uint8Array(0) })).toThrow(CodecError);
  });
});

describe.runIf(tools)('SIMD WASM build: bit-exact with the npm build and opj_decompress', () => {
  let simd: Jp2Decoder;
  let npm: Jp2Decoder;
  let dir = '';
  const generated: Record<string, string> = {};
  const W = 1000;
  const H = 700;

  beforeAll(() => {
    simd = new Jp2Decoder({ workers: 2, codec: 'wasm', wasmBuild: 'simd' });
    npm = new Jp2Decoder({ workers: 2, codec: 'wasm', wasmBuild: 'npm' });
    dir = mkdtempSync(join(tmpdir(), 'jp2-simd-'));
    writePgm16(join(dir, 'src.pgm'), W, H, syntheticImage(W, H, 5));
    const variants: Record<string, string[]> = {
      'tiles 256, 6 resolutions': ['-t', '256,256', '-n', '6'],
      'odd origins, tile-parts per resolution, precincts': [
        ...['-t', '200,150', '-n', '4', '-d', '13,7', '-T', '5,3', '-TP', 'R', '-c', '[64,64],[32,32]'],
      ],
      // The irreversible 9/7 wavelet (float paths, SSE2 in the native build) and code-block styles.
      'irreversible 9/7, bypass + reset + restart': ['-t', '512,512', '-n', '5', '-I', '-M', '7'],
    };
    for (const [name, args] of Object.entries(variants)) {
      const out = join(dir, `${Object.keys(generated).length}.jp2`);
      execFileSync('opj_compress', ['-i', join(dir, 'src.pgm'), '-o', out, ...args], { stdio: 'ignore' });
      generated[name] = out;
    }
  });

  afterAll(async () => {
    await Promise.all([simd.destroy(), npm.destroy()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** simd == npm == opj_decompress, whole image, at `level`. */
  async function expectSame(file: string, level: number): Promise<void> {
    const src = await fileByteSource(file);
    try {
      const [a, b] = await Promise.all([simd.decode(src, { level }), npm.decode(src, { level })]);
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

  it('the decoders run the build asked for', () => {
    expect(simd.codec).toBe('wasm');
    expect(npm.codec).toBe('wasm');
  });

  it('real S2 crop (13 bands + TCI): levels 0 to 2', async () => {
    const files = readdirSync(CROP).filter((f) => f.endsWith('.jp2'));
    expect(files).toHaveLength(14);
    for (const f of files) {
      const src = await fileByteSource(join(CROP, f));
      const info = await simd.info(src);
      await src.close();
      for (let level = 0; level <= Math.min(2, info.levels); level++) await expectSame(join(CROP, f), level);
    }
  });

  it('generated multi-tile files: levels 0 to 3, and a window across four tiles', async () => {
    for (const file of Object.values(generated)) {
      for (const level of [0, 1, 2, 3]) await expectSame(file, level);
      const src = await fileByteSource(file);
      const window = { x: 190, y: 140, width: 230, height: 170 };
      const [a, b] = await Promise.all([
        simd.decode(src, { level: 1, window }),
        npm.decode(src, { level: 1, window }),
      ]);
      expect(firstDifference(a.data, b.data)).toBe(-1);
      await src.close();
    }
  });
});
