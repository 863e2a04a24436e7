import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodecError, type TileDecodeRequest } from './wasm.js';

/**
 * Our own WASM build of OpenJPEG (native/openjp2-wasm: Debian's OpenJPEG sources, -O3, WASM SIMD,
 * a one-call C entry point), loaded with plain WebAssembly.instantiate. Faster than the npm
 * package's build, and with the native addon's contract: pixels written straight into a buffer
 * this class owns, both buffers reused from one tile to the next.
 */

const WASM = join('native', 'openjp2-wasm', 'openjp2.wasm');

/** Where the committed build is: the first folder above this module that has one (repo root). */
export function simdWasmPath(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const p = join(dir, WASM);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/** A compiled WebAssembly.Module (opaque; the lib settings here have no WebAssembly types). */
export type WasmModule = object;

/** The part of the global WebAssembly API used here. */
interface WasmApi {
  Module: {
    new (bytes: Uint8Array): WasmModule;
    imports(module: WasmModule): { module: string; name: string; kind: string }[];
  };
  instantiate(
    module: WasmModule,
    imports: Record<string, Record<string, (...args: number[]) => number | void>>,
  ): Promise<{ exports: unknown }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The exports of src/s2_openjp2.c. Pointers and sizes are 32-bit numbers. */
interface Exports {
  memory: { readonly buffer: ArrayBuffer };
  _initialize(): void;
  s2_alloc(n: number): number;
  s2_free(p: number): void;
  s2_message(): number;
  s2_version(): number;
  s2_decode(cs: number, len: number, reduce: number, out: number, cap: number, info: number): number;
}

const ERR_DAMAGED = 2;
const ERR_CAPACITY = 4;
/** WASI's "function not supported". */
const ENOSYS = 52;

let compiled: WasmModule | undefined;

/**
 * Compiles the module once per thread. A module compiled elsewhere (the pool's main thread) can
 * be passed in: workers then share its machine code instead of compiling their own.
 */
export function compileSimdWasm(): WasmModule {
  if (compiled) return compiled;
  const path = simdWasmPath();
  if (!path) throw new Error(`${WASM} is missing (native/openjp2-wasm/build.sh builds it)`);
  const mod = new wasmApi.Module(readFileSync(path));
  compiled = mod;
  return mod;
}

/** A growable region of the module's memory, kept from one decode to the next. */
interface Region {
  ptr: number;
  size: number;
}

export class OpenJpegWasmSimd {
  private input: Region = { ptr: 0, size: 0 };
  private output: Region = { ptr: 0, size: 0 };
  private readonly info: number;

  private constructor(private readonly x: Exports) {
    this.info = this.alloc(5 * 4);
  }

  static async load(module?: WasmModule): Promise<OpenJpegWasmSimd> {
    const mod = module ?? compileSimdWasm();
    const ref: { x?: Exports } = {};
    // The host calls libc may make: getenv (OpenJPEG reads OPJ_NUM_THREADS) sees an empty
    // environment; anything else WASI (stdio from code the linker kept) fails with ENOSYS.
    // Memory growth needs no notice: views are re-made after every decode.
    const wasi: Record<string, (...args: number[]) => number> = {
      environ_sizes_get: (count: number, size: number): number => {
        const v = new DataView((ref.x as Exports).memory.buffer);
        v.setUint32(count, 0, true);
        v.setUint32(size, 0, true);
        return 0;
      },
      environ_get: (): number => 0,
    };
    for (const imp of wasmApi.Module.imports(mod)) {
      if (imp.module === 'wasi_snapshot_preview1' && imp.kind === 'function') wasi[imp.name] ??= () => ENOSYS;
    }
    const imports = {
      env: { emscripten_notify_memory_growth: (): void => {} },
      wasi_snapshot_preview1: wasi,
    };
    const instance = await wasmApi.instantiate(mod, imports);
    const x = instance.exports as unknown as Exports;
    ref.x = x;
    x._initialize();
    return new OpenJpegWasmSimd(x);
  }

  /** OpenJPEG's version string, e.g. "2.5.0". */
  version(): string {
    return this.cString(this.x.s2_version());
  }

  private alloc(n: number): number {
    const p = this.x.s2_alloc(n);
    if (p === 0) throw new Error(`the OpenJPEG WASM heap cannot hold ${n} more bytes`);
    return p;
  }

  /** Makes `r` at least `n` bytes, growing by half again so slightly larger tiles do not realloc. */
  private ensure(r: Region, n: number): void {
    if (r.size >= n) return;
    const size = Math.max(n, Math.ceil(r.size * 1.5));
    if (r.ptr) this.x.s2_free(r.ptr);
    r.ptr = 0;
    r.size = 0;
    r.ptr = this.alloc(size);
    r.size = size;
  }

  private cString(p: number): string {
    const bytes = new Uint8Array(this.x.memory.buffer, p);
    const end = bytes.indexOf(0);
    return Buffer.from(bytes.subarray(0, end < 0 ? 0 : end)).toString('utf8');
  }

  /**
   * Decodes a single-tile codestream at `level`; returns the pixel-interleaved samples in a
   * fresh buffer of exactly the tile's size (so the worker can transfer it).
   */
  decode(req: TileDecodeRequest): Uint8Array {
    const n = req.width * req.height * req.components * req.bytesPerSample;
    this.ensure(this.input, req.codestream.length);
    this.ensure(this.output, n);
    new Uint8Array(this.x.memory.buffer, this.input.ptr, req.codestream.length).set(req.codestream);
    const rc = this.x.s2_decode(
      this.input.ptr,
      req.codestream.length,
      req.level,
      this.output.ptr,
      this.output.size,
      this.info,
    );
    // The heap may have grown during the decode: every view is made from the current buffer.
    const heap = this.x.memory.buffer;
    const [w, h, c, prec] = new Uint32Array(heap, this.info, 5);
    if (rc === ERR_CAPACITY) {
      throw new CodecError(
        `decoded ${w}x${h}x${c} of precision ${prec}, expected ${req.width}x${req.height}`,
      );
    }
    if (rc !== 0) {
      const text = this.cString(this.x.s2_message());
      throw new CodecError(rc === ERR_DAMAGED ? `damaged tile data: ${text}` : `OpenJPEG: ${text}`);
    }
    const bps = (prec ?? 0) > 8 ? 2 : 1;
    if (w !== req.width || h !== req.height || c !== req.components || bps !== req.bytesPerSample) {
      throw new CodecError(
        `decoded ${w}x${h}x${c} of ${bps} bytes, expected ` +
          `${req.width}x${req.height}x${req.components} of ${req.bytesPerSample}`,
      );
    }
    return new Uint8Array(heap, this.output.ptr, n).slice();
  }
}
