import { open, stat } from 'node:fs/promises';
import { S2Error } from '../errors.js';

/**
 * Random access to the bytes of one file, wherever it lives: a plain file, or an entry of a
 * zip read in place. JP2 decoding reads only the tiles it needs through this interface.
 */
export interface ByteSource {
  /** For messages: the file path, or `archive.zip!/inner/path` for zip entries. */
  readonly name: string;
  readonly size: number;
  /** Reads `length` bytes at `offset`; fewer only at the end of the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
  readAll(): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A ByteSource over a plain file. The descriptor is opened lazily and kept until close(). */
export async function fileByteSource(path: string): Promise<ByteSource> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new S2Error('NOT_FOUND', `${path} is not a file.`, { file: path });
    size = st.size;
  } catch (err) {
    if (err instanceof S2Error) throw err;
    throw new S2Error('MISSING_FILE', `${path} does not exist or cannot be read.`, {
      file: path,
      cause: err,
    });
  }
  // The promise is kept, not the handle: concurrent first reads (geotiff.js asks for many strips
  // at once) must share one descriptor instead of each opening one that only GC would close.
  let handle: Promise<Awaited<ReturnType<typeof open>>> | undefined;
  const fd = (): Promise<Awaited<ReturnType<typeof open>>> => {
    if (!handle) {
      const p = open(path, 'r');
      handle = p;
      // A failed open is retried by the next read.
      p.catch(() => {
        if (handle === p) handle = undefined;
      });
    }
    return handle;
  };
  const read = async (offset: number, length: number): Promise<Uint8Array> => {
    const n = Math.max(0, Math.min(length, size - offset));
    const buf = new Uint8Array(n);
    let done = 0;
    const h = await fd();
    while (done < n) {
      const { bytesRead } = await h.read(buf, done, n - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === n ? buf : buf.subarray(0, done);
  };
  return {
    name: path,
    size,
    read,
    readAll: () => read(0, size),
    async close(): Promise<void> {
      const h = handle;
      handle = undefined;
      await (await h?.catch(() => undefined))?.close();
    },
  };
}

/** A ByteSource over bytes already in memory (tests, small files, inflated zip entries). */
export function memoryByteSource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    size: bytes.length,
    async read(offset: number, length: number): Promise<Uint8Array> {
      return bytes.subarray(offset, Math.min(bytes.length, offset + length));
    },
    async readAll(): Promise<Uint8Array> {
      return bytes;
    },
    async close(): Promise<void> {},
  };
}
