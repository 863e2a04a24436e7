import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Paths in a packaged app. electron-builder puts the app in `<resources>/app.asar` (an archive
 * Electron's `fs` reads transparently), the files matched by `asarUnpack` in
 * `<resources>/app.asar.unpacked` (same relative paths), and `extraResources` beside them in
 * `<resources>`. Electron redirects `fs` reads, `require` and `process.dlopen` of unpacked files
 * itself; these helpers are for what it cannot redirect: paths handed to other programs or to the
 * OS (a dynamic linker, a child process, a URL in a page) and files that are not in the archive
 * at all (extraResources). All are pure string functions on paths outside an archive (a checkout,
 * dist/, tests): they return the path unchanged.
 */

/** Splits `p` at its `app.asar` segment: the resources folder and the path inside the archive. */
export function splitAsarPath(p: string): { resources: string; inner: string } | undefined {
  const m = /^(.*?)[\\/]app\.asar(?:[\\/](.*))?$/.exec(p);
  if (!m?.[1]) return undefined;
  return { resources: m[1], inner: m[2] ?? '' };
}

/** Whether `p` lies inside an `app.asar` archive. */
export function isInsideAsar(p: string): boolean {
  return splitAsarPath(p) !== undefined;
}

/**
 * The real on-disk path of a file that `asarUnpack` took out of the archive:
 * `<res>/app.asar/x/y` -> `<res>/app.asar.unpacked/x/y`. Unchanged outside an archive.
 */
export function unpackedPath(p: string): string {
  return p.replace(/([\\/])app\.asar(?=[\\/]|$)/, '$1app.asar.unpacked');
}

/** `unpackedPath(p)` when that file exists, else `p` (a file packed in the archive, or no archive). */
export function unpackedPathIfExists(p: string): string {
  const u = unpackedPath(p);
  return u !== p && existsSync(u) ? u : p;
}

/**
 * Where `extraResources` put the counterpart of an archive path: `<res>/app.asar/x/y` ->
 * `<res>/x/y`. Unchanged outside an archive, so in a checkout the files are found where they are.
 */
export function outsideAsar(p: string): string {
  const s = splitAsarPath(p);
  return s ? join(s.resources, s.inner) : p;
}
