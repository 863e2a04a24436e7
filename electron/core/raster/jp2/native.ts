import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S2Error } from '../../errors.js';
import { CodecError, type TileDecodeRequest } from './wasm.js';
import { compileSimdWasm } from './wasm-simd.js';

/** The tile codecs: native OpenJPEG (optional N-API addon) or OpenJPEG compiled to WASM (always there). */
export type Jp2Codec = 'native' | 'wasm';
/** What S2_JP2_CODEC (or the `codec` option) asks for; `auto` takes native when it loads. */
export type Jp2CodecChoice = Jp2Codec | 'auto';

/**
 * The WASM builds: `simd` is ours (native/openjp2-wasm, committed; faster), `npm` the
 * @cornerstonejs/codec-openjpeg package's (always installed: the fallback when ours is missing).
 */
export type WasmBuild = 'simd' | 'npm';
/** What S2_JP2_WASM (or the `wasmBuild` option) asks for; `auto` takes simd when its file compiles. */
export type WasmBuildChoice = WasmBuild | 'auto';

/**
 * The WASM build for `choice` (default: S2_JP2_WASM, else auto). Asking for simd when its file is
 * missing or does not compile is an error, not a silent fallback.
 */
export function resolveWasmBuild(choice: string | undefined = process.env.S2_JP2_WASM): WasmBuild {
  const want = (choice ?? '').trim().toLowerCase() || 'auto';
  if (want === 'npm') return 'npm';
  if (want !== 'simd' && want !== 'auto') {
    throw new S2Error('INVALID_ARGUMENT', `S2_JP2_WASM is "${choice}"; use simd, npm or auto.`);
  }
  let why: string;
  try {
    compileSimdWasm(); // cached: the pool hands this compiled module to its workers
    return 'simd';
  } catch (err) {
    why = err instanceof Error ? err.message : String(err);
  }
  if (want === 'auto') return 'npm';
  throw new S2Error('INTERNAL', `The SIMD WASM JP2 codec was asked for but ${why}.`, {
    details: { reason: why },
  });
}

/** The exports of native/openjp2 (src/openjp2.c). */
export interface NativeAddon {
  decode(
    codestream: Uint8Array,
    reduce: number,
  ): {
    width: number;
    height: number;
    components: number;
    precision: number;
    signed: boolean;
    data: Uint8Array | Uint16Array | Int16Array;
  };
  openjpegVersion(): string;
  /** glibc's mallopt (see src/openjp2.c); absent from builds that predate it. */
  tuneMalloc?(mmapThreshold: number, arenaMax: number): boolean;
}

const ADDON = join('native', 'openjp2', 'build', 'Release', 'openjp2.node');

/**
 * Where the built addon is: native/openjp2/build/Release/openjp2.node in the first folder above
 * this module that has one (the repository root, from both the TS sources and dist/).
 */
export function nativeAddonPath(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const p = join(dir, ADDON);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

let cached: { addon: NativeAddon } | { error: string } | undefined;

/** Loads the addon once per thread; the error says why it is not usable (not built, wrong ABI...). */
export function loadNativeAddon(): { addon: NativeAddon } | { error: string } {
  if (cached) return cached;
  const path = nativeAddonPath();
  if (!path) {
    cached = { error: `${ADDON} is not built (npm run build:native; needs libopenjp2 headers)` };
    return cached;
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    if (typeof addon.decode !== 'function') throw new Error('it has no decode()');
    cached = { addon };
  } catch (err) {
    cached = { error: `${path} does not load: ${err instanceof Error ? err.message : String(err)}` };
  }
  return cached;
}

/**
 * The codec to use for `choice` (default: S2_JP2_CODEC, else auto). Asking for native when the
 * addon cannot load is an error, not a silent fallback.
 */
export function resolveCodec(choice: string | undefined = process.env.S2_JP2_CODEC): Jp2Codec {
  const want = (choice ?? '').trim().toLowerCase() || 'auto';
  if (want === 'wasm') return 'wasm';
  if (want !== 'native' && want !== 'auto') {
    throw new S2Error('INVALID_ARGUMENT', `S2_JP2_CODEC is "${choice}"; use wasm, native or auto.`);
  }
  const loaded = loadNativeAddon();
  if ('addon' in loaded) return 'native';
  if (want === 'auto') return 'wasm';
  throw new S2Error('INTERNAL', `The native JP2 codec was asked for but ${loaded.error}.`, {
    details: { reason: loaded.error },
  });
}

/** Native OpenJPEG, one decode at a time on the calling thread (same contract as OpenJpegWasm). */
export class OpenJpegNative {
  private constructor(private readonly addon: NativeAddon) {}

  static load(): OpenJpegNative {
    const loaded = loadNativeAddon();
    if ('error' in loaded) throw new Error(loaded.error);
    return new OpenJpegNative(loaded.addon);
  }

  /** Decodes a single-tile codestream at `level`; returns the pixel-interleaved samples. */
  decode(req: TileDecodeRequest): Uint8Array {
    let out: ReturnType<NativeAddon['decode']>;
    try {
      out = this.addon.decode(req.codestream, req.level);
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      if (e.code === 'ERR_OPENJPEG') throw new CodecError(String(e.message));
      throw err;
    }
    const bps = out.precision > 8 ? 2 : 1;
    if (
      out.width !== req.width ||
      out.height !== req.height ||
      out.components !== req.components ||
      bps !== req.bytesPerSample
    ) {
      throw new CodecError(
        `decoded ${out.width}x${out.height}x${out.components} of ${bps} bytes, expected ` +
          `${req.width}x${req.height}x${req.components} of ${req.bytesPerSample}`,
      );
    }
    return new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
  }
}
