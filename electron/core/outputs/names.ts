/**
 * File names built from metadata. PRODUCT_URI, granule ids and zip entry names come from whoever
 * made the file: before one becomes part of an output name it is cut down to a basename of safe
 * characters, so it can neither climb out of the output folder nor name a device or a hidden file.
 */

/** Longest stem kept (room is left for the suffixes callers add, under the usual 255-byte limit). */
export const MAX_STEM_LENGTH = 160;

/**
 * A safe file-name stem from any string: the last path component (either separator), letters,
 * digits, '.', '_' and '-' kept, every other run of characters turned into '_', no leading dot
 * or dash, no '..', at most MAX_STEM_LENGTH characters; `fallback` when nothing is left.
 */
export function safeFileStem(name: string, fallback = 'product'): string {
  const last =
    name
      .split(/[\\/]/)
      .filter((p) => p !== '' && p !== '.' && p !== '..')
      .pop() ?? '';
  let stem = last
    .normalize('NFKC')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[._-]+/, '')
    .slice(0, MAX_STEM_LENGTH)
    .replace(/[. ]+$/, '');
  // Windows reserves these names whatever the extension.
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(stem)) stem = `_${stem}`;
  return stem === '' ? fallback : stem;
}

/** Whether `name` is already a safe stem (what safeFileStem would return unchanged). */
export function isSafeFileStem(name: string): boolean {
  return name !== '' && safeFileStem(name, '') === name;
}
