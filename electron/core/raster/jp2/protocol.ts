import type { S2ErrorData } from '../../errors.js';

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
