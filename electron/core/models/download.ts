import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { S2Error } from '../errors.js';

/**
 * Downloads `url` to `dest`, hashing as it streams; the file appears under its name only when
 * the sha256 matches. Needs network access (not exercised by the offline test suite).
 */
export async function downloadVerified(
  url: string,
  dest: string,
  sha256: string,
  signal?: AbortSignal,
): Promise<void> {
  const res = await fetch(url, { signal, redirect: 'follow' }).catch((err: unknown) => {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    throw new S2Error('NOT_FOUND', `${url}: download failed (${cause}).`, { file: url, cause: err });
  });
  if (!res.ok || !res.body) {
    throw new S2Error('NOT_FOUND', `${url}: download failed (HTTP ${res.status}).`, { file: url });
  }
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.partial`;
  const hash = createHash('sha256');
  try {
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => hash.update(chunk));
    await pipeline(body, createWriteStream(tmp));
    const got = hash.digest('hex');
    if (got !== sha256) {
      throw new S2Error('BAD_MODEL', `${url}: downloaded file has sha256 ${got}, expected ${sha256}.`, {
        file: url,
      });
    }
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
}
