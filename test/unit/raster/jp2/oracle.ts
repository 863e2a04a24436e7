import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pnm {
  width: number;
  height: number;
  components: number;
  /** Samples in pixel-interleaved order, native byte order. */
  data: Uint8Array | Uint16Array;
}

/** Parses binary PGM/PPM (P5/P6), 8 or 16 bits (big-endian, as the format says). */
export function parsePnm(b: Uint8Array): Pnm {
  const tokens: string[] = [];
  let p = 0;
  const ws = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
  while (tokens.length < 4) {
    while (ws(b[p])) p++;
    if (b[p] === 0x23) {
      while (b[p] !== 0x0a) p++;
      continue;
    }
    let s = '';
    while (p < b.length && !ws(b[p])) s += String.fromCharCode(b[p++] as number);
    tokens.push(s);
  }
  p++; // the single whitespace after maxval
  const [magic, w, h, max] = tokens;
  const width = Number(w);
  const height = Number(h);
  const components = magic === 'P6' ? 3 : 1;
  const n = width * height * components;
  if (Number(max) < 256) return { width, height, components, data: b.slice(p, p + n) };
  const data = new Uint16Array(n);
  for (let i = 0; i < n; i++) data[i] = ((b[p + 2 * i] as number) << 8) | (b[p + 2 * i + 1] as number);
  return { width, height, components, data };
}

/** Writes a 16-bit PGM (input for opj_compress). */
export function writePgm16(path: string, width: number, height: number, data: Uint16Array): void {
  const head = Buffer.from(`P5\n${width} ${height}\n65535\n`, 'latin1');
  const body = Buffer.alloc(width * height * 2);
  for (let i = 0; i < width * height; i++) body.writeUInt16BE(data[i] as number, 2 * i);
  writeFileSync(path, Buffer.concat([head, body]));
}

/** The reference decode: opj_decompress (native OpenJPEG) at reduce level `level`. */
export function opjDecompress(file: string, components: number, level = 0): Pnm {
  const dir = mkdtempSync(join(tmpdir(), 'jp2-oracle-'));
  try {
    const out = join(dir, components === 3 ? 'out.ppm' : 'out.pgm');
    execFileSync('opj_decompress', ['-i', file, '-o', out, '-r', String(level)], { stdio: 'ignore' });
    return parsePnm(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A textured 16-bit test image (smooth fields + noise), values roughly 0..4000. */
export function syntheticImage(width: number, height: number, seed = 1): Uint16Array {
  const out = new Uint16Array(width * height);
  let s = seed >>> 0;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v =
        1800 + 1200 * Math.sin(x / 37) * Math.cos(y / 23) + 500 * Math.sin((x + 2 * y) / 311) + 400 * rnd();
      out[y * width + x] = Math.max(0, Math.min(4000, Math.round(v)));
    }
  }
  return out;
}

/** Crops a pixel-interleaved image. */
export function crop<T extends Uint8Array | Uint16Array>(
  img: T,
  width: number,
  components: number,
  win: { x: number; y: number; width: number; height: number },
): T {
  const out = new (img.constructor as new (n: number) => T)(win.width * win.height * components);
  for (let y = 0; y < win.height; y++) {
    const from = ((win.y + y) * width + win.x) * components;
    out.set(img.subarray(from, from + win.width * components), y * win.width * components);
  }
  return out;
}

/** Index of the first differing sample, or -1 (cheaper to report than a full toEqual diff). */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
