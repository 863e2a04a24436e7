/**
 * JPEG 2000 decoding for Sentinel-2: per-tile, parallel, bit-exact with OpenJPEG.
 * Plain Node (worker_threads + OpenJPEG: the optional native addon, else WASM); no Electron.
 */
import { tuneAllocator } from '../../memory.js';
import { Jp2Decoder, type Jp2DecoderOptions } from './decoder.js';

export { Jp2Decoder, type Jp2DecoderOptions } from './decoder.js';
export { defaultWorkerCount } from './pool.js';
export { loadNativeAddon, resolveCodec, type Jp2Codec, type Jp2CodecChoice } from './native.js';
export type { DecodedRaster, DecodeRequest, Jp2Info, SampleArray } from './types.js';

let shared: Jp2Decoder | undefined;

/**
 * The process-wide decoder (created on first use; options apply only to that first call). Its
 * first use is where a process starts running the pipeline: the allocator is tuned there, before
 * the decode workers start (see tuneAllocator).
 */
export function getSharedDecoder(opts?: Jp2DecoderOptions): Jp2Decoder {
  if (!shared) {
    tuneAllocator();
    shared = new Jp2Decoder(opts);
  }
  return shared;
}

/** Stops the process-wide decoder's workers; the next getSharedDecoder() starts a new one. */
export async function destroySharedDecoder(): Promise<void> {
  const d = shared;
  shared = undefined;
  await d?.destroy();
}
