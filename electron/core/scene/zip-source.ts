import { open as openFile, type FileHandle } from 'node:fs/promises';
import yauzl from 'yauzl';
import { memoryByteSource, type ByteSource } from '../raster/byte-source.js';
import { S2Error } from '../errors.js';

/** A zip read in place through its central directory: nothing is extracted to disk. */
export interface ZipArchive {
  readonly path: string;
  /** File entries (folders left out), with '/' separators. */
  readonly names: readonly string[];
  /** Stored entries: true random access at the entry's data offset. Deflated: inflated into memory. */
  open(name: string): Promise<ByteSource>;
  readText(name: string): Promise<string>;
  close(): Promise<void>;
}

const STORED = 0;
const DEFLATED = 8;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_SIZE = 30;

function corrupt(path: string, why: string, cause?: unknown): S2Error {
  return new S2Error(
    'CORRUPT_ZIP',
    `${path} is not a readable zip (${why}). The download may be incomplete: download it again.`,
    { file: path, cause },
  );
}

async function readDirectory(path: string): Promise<{ zip: yauzl.ZipFile; entries: yauzl.Entry[] }> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT')
      throw new S2Error('NOT_FOUND', `${path} does not exist.`, { file: path, cause: err });
    throw corrupt(path, err instanceof Error ? err.message : String(err), err);
  }
  const entries: yauzl.Entry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      entries.push(e);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', (err: unknown) =>
      reject(corrupt(path, err instanceof Error ? err.message : String(err), err)),
    );
    zip.readEntry();
  }).catch((err: unknown) => {
    zip.close();
    throw err;
  });
  return { zip, entries };
}

/** Opens a zip: reads its central directory and checks every entry lies inside the file. */
export async function openZipArchive(path: string): Promise<ZipArchive> {
  const { zip, entries } = await readDirectory(path);
  const byName = new Map<string, yauzl.Entry>();
  for (const e of entries) {
    if (e.fileName.endsWith('/')) continue;
    // A cut-off download can keep a central directory that points past the end of the file.
    if (e.relativeOffsetOfLocalHeader + e.compressedSize > zip.fileSize) {
      zip.close();
      throw corrupt(path, `entry ${e.fileName} lies past the end of the file`);
    }
    byName.set(e.fileName, e);
  }
  let handle: FileHandle | undefined;
  const fd = async (): Promise<FileHandle> => (handle ??= await openFile(path, 'r'));
  const readAt = async (offset: number, length: number): Promise<Uint8Array> => {
    const buf = new Uint8Array(length);
    let done = 0;
    const h = await fd();
    while (done < length) {
      const { bytesRead } = await h.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === length ? buf : buf.subarray(0, done);
  };

  const entryOf = (name: string): yauzl.Entry => {
    const e = byName.get(name);
    if (!e)
      throw new S2Error('MISSING_FILE', `${path}!/${name} is not in the zip.`, { file: `${path}!/${name}` });
    if (e.isEncrypted()) throw corrupt(path, `entry ${name} is encrypted`);
    return e;
  };

  const storedSource = async (name: string, e: yauzl.Entry): Promise<ByteSource> => {
    // The local header's name and extra lengths can differ from the central directory's.
    const header = await readAt(e.relativeOffsetOfLocalHeader, LOCAL_HEADER_SIZE);
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    if (header.length < LOCAL_HEADER_SIZE || view.getUint32(0, true) !== LOCAL_HEADER_SIGNATURE) {
      throw corrupt(path, `bad local header for ${name}`);
    }
    const start =
      e.relativeOffsetOfLocalHeader + LOCAL_HEADER_SIZE + view.getUint16(26, true) + view.getUint16(28, true);
    const size = e.uncompressedSize;
    if (start + size > zip.fileSize) throw corrupt(path, `entry ${name} is cut off`);
    const read = async (offset: number, length: number): Promise<Uint8Array> => {
      const n = Math.max(0, Math.min(length, size - offset));
      return n === 0 ? new Uint8Array(0) : readAt(start + offset, n);
    };
    return { name: `${path}!/${name}`, size, read, readAll: () => read(0, size), close: async () => {} };
  };

  const inflate = async (name: string, e: yauzl.Entry): Promise<Uint8Array> => {
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      zip.openReadStream(e, (err, s) =>
        err ? reject(corrupt(path, `${name}: ${err.message}`, err)) : resolve(s),
      ),
    );
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (err) {
      throw corrupt(path, `${name}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    const all = Buffer.concat(chunks);
    return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
  };

  const openEntry = async (name: string): Promise<ByteSource> => {
    const e = entryOf(name);
    if (e.compressionMethod === STORED) return storedSource(name, e);
    if (e.compressionMethod === DEFLATED) return memoryByteSource(`${path}!/${name}`, await inflate(name, e));
    throw corrupt(path, `entry ${name} uses unsupported compression method ${e.compressionMethod}`);
  };

  return {
    path,
    names: [...byName.keys()],
    open: openEntry,
    async readText(name: string): Promise<string> {
      const src = await openEntry(name);
      return Buffer.from(await src.readAll()).toString('utf8');
    },
    async close(): Promise<void> {
      zip.close();
      const h = handle;
      handle = undefined;
      await h?.close();
    },
  };
}
