import { basename, dirname } from 'node:path';

/**
 * Errors meant for people. Every failure that can come from bad input is an S2Error with a
 * stable code, a sentence that names the file and what is wrong, and optional details.
 * They cross process boundaries as plain data (toJSON) and are rebuilt on the other side.
 */
export type S2ErrorCode =
  | 'NOT_FOUND'
  | 'NOT_A_PRODUCT'
  | 'UNSUPPORTED_PRODUCT'
  | 'CORRUPT_ZIP'
  | 'MISSING_FILE'
  | 'BAD_METADATA'
  | 'UNKNOWN_BASELINE'
  | 'CORRUPT_JP2'
  /** A GeoTIFF band or mask (THEIA products) that cannot be read. */
  | 'CORRUPT_TIFF'
  | 'BAD_MODEL'
  | 'BAD_MODEL_CARD'
  | 'INVALID_ARGUMENT'
  | 'CANCELLED'
  /** The disk (or the user's quota) is full: nothing half-written was left. */
  | 'DISK_FULL'
  /** An output path would land outside the folder the user chose. */
  | 'UNSAFE_PATH'
  /** A size read from a file is beyond what can be held or processed. */
  | 'TOO_LARGE'
  /** Another batch holds the output folder's lock. */
  | 'BATCH_LOCKED'
  | 'INTERNAL';

export interface S2ErrorData {
  code: S2ErrorCode;
  message: string;
  file?: string;
  details?: Record<string, unknown>;
}

export class S2Error extends Error {
  readonly code: S2ErrorCode;
  readonly file: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: S2ErrorCode,
    message: string,
    opts: { file?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'S2Error';
    this.code = code;
    this.file = opts.file;
    this.details = opts.details;
  }

  toJSON(): S2ErrorData {
    const out: S2ErrorData = { code: this.code, message: this.message };
    if (this.file !== undefined) out.file = this.file;
    if (this.details !== undefined) out.details = this.details;
    return out;
  }

  static fromJSON(data: S2ErrorData): S2Error {
    return new S2Error(data.code, data.message, { file: data.file, details: data.details });
  }
}

/** Wraps anything thrown into S2Error, keeping S2Errors as they are. */
export function toS2Error(err: unknown, file?: string): S2Error {
  if (err instanceof S2Error) return err;
  if (err instanceof Error && err.name === 'AbortError') {
    return new S2Error('CANCELLED', 'The operation was cancelled.', { file, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new S2Error('INTERNAL', file ? `${file}: ${message}` : message, { file, cause: err });
}

/**
 * An error from writing `path`: a full disk or quota (ENOSPC, EDQUOT) becomes DISK_FULL naming
 * the folder, anything else is wrapped as usual.
 */
export function writeError(err: unknown, path: string): S2Error {
  if (err instanceof S2Error) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    const folder = dirname(path);
    return new S2Error(
      'DISK_FULL',
      `There is no space left in ${folder} to write ${basename(path)}${code === 'EDQUOT' ? ' (disk quota reached)' : ''}: free some space or choose another folder.`,
      { file: path, details: { folder, errno: code }, cause: err },
    );
  }
  return toS2Error(err, path);
}

/** Throws a CANCELLED S2Error when the signal has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new S2Error('CANCELLED', 'The operation was cancelled.');
}

/**
 * Settles with `work`, or rejects with CANCELLED as soon as the signal fires, even when `work`
 * is stuck (a read from a hung network mount or a FIFO): the caller is told at once and the
 * stuck step is left to finish on its own.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new S2Error('CANCELLED', 'The operation was cancelled.'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new S2Error('CANCELLED', 'The operation was cancelled.'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
