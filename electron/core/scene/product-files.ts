import type { ByteSource } from '../raster/byte-source.js';

/**
 * The files of one product, wherever they live (a folder or a zip read in place). Paths are
 * relative to the product root (the .SAFE folder) with '/' separators.
 */
export interface ProductFiles {
  /** For messages: the folder, or `archive.zip!/inner/root`. */
  readonly rootName: string;
  /** Every file of the product (not folders). */
  readonly paths: ReadonlySet<string>;
  /** `maxBytes`: the most the file can hold (zips refuse to inflate an entry past it). */
  open(path: string, opts?: { maxBytes?: number }): Promise<ByteSource>;
  readText(path: string): Promise<string>;
  close(): Promise<void>;
}

/** Folder part of a '/'-separated path ('' at the root). */
export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Last component of a '/'-separated path. */
export function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Joins '/'-separated parts, skipping empty ones. */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}
