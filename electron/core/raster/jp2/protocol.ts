import type { S2ErrorData } from '../../errors.js';
import type { Jp2Codec, WasmBuild } from './native.js';
import type { WasmModule } from './wasm-simd.js';

/** What the pool hands each worker at start: the codec (and WASM build) it runs. */
export interface WorkerData {
  codec: Jp2Codec;
  wasmBuild: WasmBuild | undefined;
  /** The simd build compiled by the pool (WebAssembly.Module crosses to workers by structured clone). */
  wasmModule: WasmModule | undefined;
}

/** Main thread -> worker: decode one single-tile codestream. The buffer is transferred. */
export interface DecodeJob {
  id: number;
  codestream: ArrayBuffer;
  level: number;
  width: number;
  height: number;
  components: number;
  bytesPerSample: number;
}

/** Worker -> main thread. `data` (pixel-interleaved samples) is transferred. */
export type WorkerReply =
  { id: number; ok: true; data: ArrayBuffer } | { id: number; ok: false; error: S2ErrorData };
