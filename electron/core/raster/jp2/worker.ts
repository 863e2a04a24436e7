import { parentPort } from 'node:worker_threads';
import { S2Error } from '../../errors.js';
import type { DecodeJob, WorkerReply } from './protocol.js';
import { CodecError, OpenJpegWasm } from './wasm.js';

/**
 * One decode worker: one OpenJPEG WASM instance, jobs handled one at a time in arrival order
 * (the pool relies on that order to know which job was running when a worker dies).
 */
const port = parentPort;
if (!port) throw new Error('jp2 worker.ts must run in a worker thread');

let wasm: Promise<OpenJpegWasm> = OpenJpegWasm.load();

function run(job: DecodeJob, codec: OpenJpegWasm): WorkerReply {
  try {
    const out = codec.decode({ ...job, codestream: new Uint8Array(job.codestream) });
    // Hand over a buffer of exactly the tile's size so it can be transferred without a copy.
    const data =
      out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out.buffer : out.slice().buffer;
    return { id: job.id, ok: true, data: data as ArrayBuffer };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (!(err instanceof CodecError)) wasm = OpenJpegWasm.load(); // a trap can leave the instance unusable
    const code = err instanceof CodecError ? 'CORRUPT_JP2' : 'INTERNAL';
    return { id: job.id, ok: false, error: new S2Error(code, message).toJSON() };
  }
}

let chain: Promise<void> = Promise.resolve();
port.on('message', (job: DecodeJob) => {
  chain = chain.then(async () => {
    let reply: WorkerReply;
    try {
      reply = run(job, await wasm);
    } catch (err) {
      const message = `could not load the OpenJPEG WASM decoder: ${err instanceof Error ? err.message : String(err)}`;
      reply = { id: job.id, ok: false, error: new S2Error('INTERNAL', message).toJSON() };
    }
    port.postMessage(reply, reply.ok ? [reply.data] : []);
  });
});
