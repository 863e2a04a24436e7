import { createWriteStream } from 'node:fs';
import { mkdtemp, open as openFile, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { fileByteSource, memoryByteSource, type ByteSource } from '../raster/byte-source.js';
import { S2Error, writeError } from '../errors.js';

/** A zip read in place through its central directory: nothing is extracted to disk. */
export interface ZipArchive {
  readonly path: string;
  /** File entries (folders left out), with '/' separators. */
  readonly names: readonly string[];
  /**
   * Stored entries: true random access at the entry's data offset. Deflated: inflated into memory
   * when small, else into a temporary file (removed on close). `maxBytes`: the most the entry
   * may inflate to (the caller knows what the file should hold), else MAX_ENTRY_BYTES.
   */
  open(name: string, opts?: { maxBytes?: number }): Promise<ByteSource>;
  readText(name: string): Promise<string>;
  close(): Promise<void>;
}

/** No file of a Sentinel-2 product comes near this (a 10 m band holds 241 MB of raw samples). */
export const MAX_ENTRY_BYTES = 2 ** 30;
/** Text entries (the XML metadata) read whole at most. */
const MAX_TEXT_BYTES = 64 * 2 ** 20;
/** Deflated entries above this are inflated to a temporary file instead of memory. */
export const INFLATE_IN_MEMORY_BYTES = 32 * 2 ** 20;

const STORED = 0;
const DEFLATED = 8;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_SIZE = 30;

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

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

  const inflateStream = async (
    name: string,
    e: yauzl.Entry,
    limit: number,
  ): Promise<NodeJS.ReadableStream> => {
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      zip.openReadStream(e, (err, s) =>
        err ? reject(corrupt(path, `${name}: ${err.message}`, err)) : resolve(s),
      ),
    );
    // yauzl checks the size against the directory's; this also stops at the caller's limit.
    let seen = 0;
    const guard = new Transform({
      transform(chunk: Buffer, _enc, done): void {
        seen += chunk.length;
        if (seen > limit) done(tooLarge(name, seen, limit));
        else done(null, chunk);
      },
    });
    stream.on('error', (err: unknown) => guard.destroy(err instanceof Error ? err : new Error(String(err))));
    // A refused or abandoned entry stops inflating at once.
    guard.on('close', () => (stream as Readable).destroy());
    return stream.pipe(guard);
  };

  const inflate = async (name: string, e: yauzl.Entry, limit: number): Promise<Uint8Array> => {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of await inflateStream(name, e, limit)) chunks.push(chunk as Buffer);
    } catch (err) {
      if (err instanceof S2Error) throw err;
      throw corrupt(path, `${name}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    const all = Buffer.concat(chunks);
    return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
  };

  const temporaries = new Set<string>();
  /** A big deflated entry goes to a private temporary folder, so memory holds none of it. */
  const inflateToFile = async (name: string, e: yauzl.Entry, limit: number): Promise<ByteSource> => {
    const dir = await mkdtemp(join(tmpdir(), 's2cloud-zip-'));
    temporaries.add(dir);
    const file = join(dir, 'entry');
    const drop = async (): Promise<void> => {
      temporaries.delete(dir);
      await rm(dir, { recursive: true, force: true });
    };
    try {
      await pipeline(await inflateStream(name, e, limit), createWriteStream(file, { mode: 0o600 }));
      const src = await fileByteSource(file);
      return {
        name: `${path}!/${name}`,
        size: src.size,
        read: (o, l) => src.read(o, l),
        readAll: () => src.readAll(),
        async close(): Promise<void> {
          await src.close();
          await drop();
        },
      };
    } catch (err) {
      await drop();
      if (err instanceof S2Error) throw err;
      const code = (err as { code?: unknown }).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') throw writeError(err, file);
      throw corrupt(path, `${name}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  };

  const tooLarge = (name: string, bytes: number, limit: number): S2Error =>
    new S2Error(
      'TOO_LARGE',
      `${path}!/${name} inflates to ${mib(bytes)} or more, but this file cannot hold more than ${mib(limit)}: ` +
        'the zip is damaged or was made to exhaust memory, so it is not read.',
      { file: `${path}!/${name}`, details: { bytes, limit } },
    );

  const openEntry = async (name: string, opts: { maxBytes?: number } = {}): Promise<ByteSource> => {
    const e = entryOf(name);
    const limit = Math.min(MAX_ENTRY_BYTES, opts.maxBytes ?? MAX_ENTRY_BYTES);
    if (e.uncompressedSize > limit) throw tooLarge(name, e.uncompressedSize, limit);
    if (e.compressionMethod === STORED) return storedSource(name, e);
    if (e.compressionMethod === DEFLATED) {
      if (e.uncompressedSize > INFLATE_IN_MEMORY_BYTES) return inflateToFile(name, e, limit);
      return memoryByteSource(
        `${path}!/${name}`,
        await inflate(name, e, Math.min(limit, INFLATE_IN_MEMORY_BYTES)),
      );
    }
    throw corrupt(path, `entry ${name} uses unsupported compression method ${e.compressionMethod}`);
  };

  return {
    path,
    names: [...byName.keys()],
    open: openEntry,
    async readText(name: string): Promise<string> {
      // Metadata documents are kilobytes to a few megabytes; a huge one is not read into memory.
      const src = await openEntry(name, { maxBytes: MAX_TEXT_BYTES });
      try {
        return Buffer.from(await src.readAll()).toString('utf8');
      } finally {
        await src.close();
      }
    },
    async close(): Promise<void> {
      zip.close();
      const h = handle;
      handle = undefined;
      await h?.close();
      await Promise.all([...temporaries].map((d) => rm(d, { recursive: true, force: true })));
      temporaries.clear();
    },
  };
}
