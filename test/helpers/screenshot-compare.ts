/**
 * Screenshot tests against reference images (the MapLibre habit): decode both PNGs, count the
 * pixels whose channels differ by more than a threshold, and fail when more than a fraction of
 * the image differs, writing a diff image next to the screenshot. A missing reference is created
 * from the screenshot; UPDATE_SCREENSHOTS=1 overwrites existing ones.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { encodePng } from '../../electron/core/render/png.js';

/** Where reference images live: test/e2e/reference/<name>.png. */
export const REFERENCE_DIR = join(import.meta.dirname, '..', 'e2e', 'reference');

/** Decoded 8-bit pixels, always RGBA. */
export interface DecodedPng {
  width: number;
  height: number;
  /** width * height * 4 bytes, RGBA. */
  rgba: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Decodes a PNG: 8-bit RGB or RGBA (colour types 2 and 6; also 8-bit grey and grey+alpha),
 * non-interlaced, any of the five filter types. Throws for anything else (palette, 16-bit,
 * interlaced) with the reason.
 */
export function decodePng(data: Uint8Array): DecodedPng {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) throw new Error('decodePng: not a PNG file');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos + 8 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('ascii', pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (body.length !== len) throw new Error(`decodePng: truncated ${type} chunk`);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8];
      const colour = body[9];
      const interlace = body[12];
      if (depth !== 8) throw new Error(`decodePng: bit depth ${depth} is not supported (8 only)`);
      if (interlace !== 0) throw new Error('decodePng: interlaced PNGs are not supported');
      const perColour: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };
      channels = perColour[colour ?? -1] ?? 0;
      if (!channels) throw new Error(`decodePng: colour type ${colour} is not supported (RGB, RGBA, grey)`);
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
    pos += 12 + len;
  }
  if (!channels) throw new Error('decodePng: no IHDR chunk');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < (stride + 1) * height)
    throw new Error('decodePng: image data is shorter than the header says');
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    const prev = y * stride - stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? px[row + i - channels]! : 0;
      const b = y > 0 ? px[prev + i]! : 0;
      const c = y > 0 && i >= channels ? px[prev + i - channels]! : 0;
      let v: number;
      switch (filter) {
        case 0:
          v = src[i]!;
          break;
        case 1:
          v = src[i]! + a;
          break;
        case 2:
          v = src[i]! + b;
          break;
        case 3:
          v = src[i]! + ((a + b) >> 1);
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v = src[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new Error(`decodePng: unknown filter type ${filter} on row ${y}`);
      }
      px[row + i] = v & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: px };
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0, q = 0; p < width * height; p++, q += channels) {
    const grey = channels <= 2;
    rgba[p * 4] = px[q]!;
    rgba[p * 4 + 1] = grey ? px[q]! : px[q + 1]!;
    rgba[p * 4 + 2] = grey ? px[q]! : px[q + 2]!;
    rgba[p * 4 + 3] = channels === 2 ? px[q + 1]! : 255;
  }
  return { width, height, rgba };
}

export interface CompareOptions {
  /** A pixel differs when any channel (R, G, B, A) differs by more than this (0-255). Default 16. */
  threshold?: number;
  /** The comparison fails when more than this fraction of the pixels differ (0-1). Default 0.001. */
  maxDiffFraction?: number;
}

export interface CompareResult {
  /** True when the sizes match and at most maxDiffFraction of the pixels differ. */
  match: boolean;
  width: number;
  height: number;
  diffPixels: number;
  /** diffPixels / (width * height); 1 when the sizes differ. */
  diffFraction: number;
  /** Set when the sizes differ: "WxH vs WxH". */
  sizeMismatch?: string;
  /** The diff image: differing pixels red over a faded grey copy of the expected image. */
  diffPng?: Buffer;
}

/** Compares two PNG images pixel by pixel. */
export function comparePngs(
  actual: Uint8Array,
  expected: Uint8Array,
  options: CompareOptions = {},
): CompareResult {
  const threshold = options.threshold ?? 16;
  const maxDiffFraction = options.maxDiffFraction ?? 0.001;
  const a = decodePng(actual);
  const e = decodePng(expected);
  if (a.width !== e.width || a.height !== e.height) {
    return {
      match: false,
      width: a.width,
      height: a.height,
      diffPixels: a.width * a.height,
      diffFraction: 1,
      sizeMismatch: `${a.width}x${a.height} vs ${e.width}x${e.height}`,
    };
  }
  const n = a.width * a.height;
  const diff = new Uint8Array(n * 4);
  let diffPixels = 0;
  for (let p = 0; p < n; p++) {
    const o = p * 4;
    let differs = false;
    for (let k = 0; k < 4; k++) {
      if (Math.abs(a.rgba[o + k]! - e.rgba[o + k]!) > threshold) {
        differs = true;
        break;
      }
    }
    if (differs) {
      diffPixels++;
      diff.set([255, 0, 0, 255], o);
    } else {
      const grey = Math.round((e.rgba[o]! * 0.3 + e.rgba[o + 1]! * 0.59 + e.rgba[o + 2]! * 0.11) * 0.3 + 178);
      diff.set([grey, grey, grey, 255], o);
    }
  }
  const diffFraction = n === 0 ? 0 : diffPixels / n;
  return {
    match: diffFraction <= maxDiffFraction,
    width: a.width,
    height: a.height,
    diffPixels,
    diffFraction,
    diffPng: encodePng(a.width, a.height, diff, 4),
  };
}

export interface ScreenshotCheck extends CompareResult {
  /** The reference image used (or just created). */
  reference: string;
  /** True when the reference was created or overwritten from this screenshot. */
  updated: boolean;
  /** The diff image written next to the screenshot when the comparison failed. */
  diffPath?: string;
  /** A one-line account, for an assertion message. */
  message: string;
}

export interface ScreenshotOptions extends CompareOptions {
  /** Folder of reference images (default test/e2e/reference). */
  referenceDir?: string;
  /** Overwrite the reference with the screenshot (default: env UPDATE_SCREENSHOTS=1). */
  update?: boolean;
}

/**
 * Compares the screenshot file `actualPath` with `<referenceDir>/<name>.png`. The reference is
 * created from the screenshot when missing (or overwritten with `update`). On a mismatch the
 * diff is written as `<actual without .png>.diff.png` beside the screenshot.
 *
 *   const shot = await page.screenshot({ path: join(SHOTS, 'map.png') });
 *   const r = compareScreenshot(join(SHOTS, 'map.png'), 'map');
 *   expect(r.match, r.message).toBe(true);
 */
export function compareScreenshot(
  actualPath: string,
  name: string,
  options: ScreenshotOptions = {},
): ScreenshotCheck {
  const reference = join(options.referenceDir ?? REFERENCE_DIR, name.endsWith('.png') ? name : `${name}.png`);
  const update = options.update ?? process.env.UPDATE_SCREENSHOTS === '1';
  const actual = readFileSync(actualPath);
  if (update || !existsSync(reference)) {
    const { width, height } = decodePng(actual); // refuse to store something that is not a PNG
    mkdirSync(dirname(reference), { recursive: true });
    writeFileSync(reference, actual);
    return {
      match: true,
      width,
      height,
      diffPixels: 0,
      diffFraction: 0,
      reference,
      updated: true,
      message: `${basename(reference)}: reference ${update ? 'updated' : 'created'} from ${actualPath}`,
    };
  }
  const result = comparePngs(actual, readFileSync(reference), options);
  const check: ScreenshotCheck = { ...result, reference, updated: false, message: '' };
  if (result.match) {
    check.message = `${basename(reference)}: ${result.diffPixels} pixel(s) differ (within tolerance)`;
    return check;
  }
  if (result.diffPng) {
    check.diffPath = actualPath.replace(/(\.png)?$/i, '.diff.png');
    writeFileSync(check.diffPath, result.diffPng);
  }
  check.message = result.sizeMismatch
    ? `${basename(reference)}: size differs (${result.sizeMismatch}, actual vs reference); ` +
      `UPDATE_SCREENSHOTS=1 to accept ${actualPath}`
    : `${basename(reference)}: ${result.diffPixels} pixel(s) differ ` +
      `(${(result.diffFraction * 100).toFixed(3)}% > ${((options.maxDiffFraction ?? 0.001) * 100).toFixed(3)}%); ` +
      `diff: ${check.diffPath}; UPDATE_SCREENSHOTS=1 to accept ${actualPath}`;
  return check;
}
