import { parentPort, workerData } from 'node:worker_threads';
import { S2Error } from '../../errors.js';
import { OpenJpegNative, type Jp2Codec, type WasmBuild } from './native.js';
import type { DecodeJob, WorkerData, WorkerReply } from './protocol.js';
import { OpenJpegWasmSimd } from './wasm-simd.js';
import { CodecError, OpenJpegWasm, type TileDecodeRequest } from './wasm.js';

/**
 * One decode worker: one OpenJPEG instance (native addon or WASM, as the pool chose), jobs
 * handled one at a time in arrival order (the pool relies on that order to know which job was
 * running when a worker dies).
 */
const port = parentPort;
if (!port) throw new Error('jp2 worker.ts must run in a worker thread');

const data = workerData as Partial<WorkerData> | null;
const kind: Jp2Codec = data?.codec === 'native' ? 'native' : 'wasm';
const build: WasmBuild = data?.wasmBuild === 'simd' ? 'simd' : 'npm';
const load = (): Promise<{ decode(req: TileDecodeRequest): Uint8Array }> =>
  kind === 'native'
    ? Promise.resolve().then(() => OpenJpegNative.load())
    : build === 'simd'
      ? OpenJpegWasmSimd.load(data?.wasmModule)
      : OpenJpegWasm.load();
let instance = load();

function run(job: DecodeJob, codec: { decode(req: TileDecodeRequest): Uint8Array }): WorkerReply {
  try {
    const out = codec.decode({ ...job, codestream: new Uint8Array(job.codestream) });
    // Hand over a buffer of exactly the tile's size so it can be transferred without a copy.
    const data =
      out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out.buffer : out.slice().buffer;
    return { id: job.id, ok: true, data: data as ArrayBuffer };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (!(err instanceof CodecError)) instance = load(); // a trap can leave the instance unusable
    const code = err instanceof CodecError ? 'CORRUPT_JP2' : 'INTERNAL';
    return { id: job.id, ok: false, error: new S2Error(code, message).toJSON() };
  }
}

let chain: Promise<void> = Promise.resolve();
port.on('message', (job: DecodeJob) => {
  chain = chain.then(async () => {
    let reply: WorkerReply;
    try {
      reply = run(job, await instance);
    } catch (err) {
      const message = `could not load the OpenJPEG ${kind === 'native' ? 'native' : `WASM (${build})`} decoder: ${err instanceof Error ? err.message : String(err)}`;
      reply = { id: job.id, ok: false, error: new S2Error('INTERNAL', message).toJSON() };
    }
    port.postMessage(reply, reply.ok ? [reply.data] : []);
  });
});
