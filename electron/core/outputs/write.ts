import { open, type FileHandle } from 'node:fs/promises';

/** The part of a FileHandle the write helpers use (tests inject one that fails or writes short). */
export interface WritableHandle {
  write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<{ bytesWritten: number }>;
}

/**
 * Writes all of `data` at `position`, looping over short writes (a disk filling up can accept
 * part of a buffer). A write that makes no progress is an ENOSPC error, as the kernel's own.
 */
export async function writeFully(
  fh: WritableHandle | FileHandle,
  data: Uint8Array,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    if (bytesWritten <= 0) {
      throw Object.assign(new Error(`no space left: wrote ${done} of ${data.length} bytes`), {
        code: 'ENOSPC',
      });
    }
    done += bytesWritten;
  }
}

/**
 * Syncs a folder so that a rename into it survives a power cut. Best effort: some platforms
 * (Windows) and file systems cannot open or sync a folder, and the file itself is already synced.
 */
export async function syncFolder(folder: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(folder, 'r');
    await fh.sync();
  } catch {
    // Not supported here: nothing more can be done.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
