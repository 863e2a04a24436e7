import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../../electron/core/render/png.js';
import { compareScreenshot, comparePngs, decodePng } from '../../helpers/screenshot-compare.js';
import { ROOT } from '../../helpers/env.js';

const tmp = mkdtempSync(join(tmpdir(), 's2-shots-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A test image: smooth gradients plus a few hard edges, so every filter has work to do. */
function pattern(width: number, height: number, channels: 3 | 4): Uint8Array {
  const px = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      px[o] = (x * 7 + y * 3) & 0xff;
      px[o + 1] = (x * y) & 0xff;
      px[o + 2] = x > width / 2 ? 250 : 5;
      if (channels === 4) px[o + 3] = (200 + x) & 0xff;
    }
  }
  return px;
}

/** Encodes with the given PNG filter type on each row (cycling through `filters`). */
function encodeFiltered(
  width: number,
  height: number,
  px: Uint8Array,
  channels: 3 | 4,
  filters: number[],
): Buffer {
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length]!;
    raw[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const x = px[y * stride + i]!;
      const a = i >= channels ? px[y * stride + i - channels]! : 0;
      const b = y > 0 ? px[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= channels ? px[(y - 1) * stride + i - channels]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f]!;
      raw[y * (stride + 1) + 1 + i] = (x - pred) & 0xff;
    }
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 4 ? 6 : 2;
  // Two IDAT chunks: a decoder must concatenate them.
  const z = deflateSync(raw);
  const half = Math.floor(z.length / 2);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', z.subarray(0, half)),
    chunk('IDAT', z.subarray(half)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function toRgba(px: Uint8Array, channels: 3 | 4): Uint8Array {
  if (channels === 4) return px;
  const out = new Uint8Array((px.length / 3) * 4);
  for (let p = 0; p < px.length / 3; p++) out.set([px[p * 3]!, px[p * 3 + 1]!, px[p * 3 + 2]!, 255], p * 4);
  return out;
}

describe('decodePng', () => {
  for (const channels of [3, 4] as const) {
    for (const filters of [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4]]) {
      it(`decodes ${channels === 4 ? 'RGBA' : 'RGB'} with filter(s) ${filters.join(',')}`, () => {
        const px = pattern(37, 23, channels);
        const img = decodePng(encodeFiltered(37, 23, px, channels, filters));
        expect(img.width).toBe(37);
        expect(img.height).toBe(23);
        expect(Buffer.from(img.rgba).equals(Buffer.from(toRgba(px, channels)))).toBe(true);
      });
    }
  }

  it('round-trips a real Chromium screenshot (adaptive filters) through encodePng', () => {
    const file = readFileSync(join(ROOT, 'docs', 'studio-main.png'));
    const img = decodePng(file);
    expect(img.width).toBe(file.readUInt32BE(16));
    expect(img.height).toBe(file.readUInt32BE(20));
    const again = decodePng(encodePng(img.width, img.height, img.rgba, 4));
    expect(Buffer.from(again.rgba).equals(Buffer.from(img.rgba))).toBe(true);
  });

  it('refuses what it does not decode, with the reason', () => {
    expect(() => decodePng(Buffer.from('not a png'))).toThrow(/not a PNG/);
    const png = encodePng(2, 2, new Uint8Array(16), 4);
    const interlaced = Buffer.from(png);
    interlaced[8 + 8 + 12] = 1; // IHDR interlace byte (CRC is not checked)
    expect(() => decodePng(interlaced)).toThrow(/interlaced/);
    const sixteen = Buffer.from(png);
    sixteen[8 + 8 + 8] = 16;
    expect(() => decodePng(sixteen)).toThrow(/bit depth 16/);
  });
});

describe('comparePngs', () => {
  const w = 40;
  const h = 30;
  const base = pattern(w, h, 4);
  const png = (px: Uint8Array, width = w, height = h): Buffer => encodePng(width, height, px, 4);

  it('identical images match with no differing pixel', () => {
    const r = comparePngs(png(base), encodeFiltered(w, h, base, 4, [4]));
    expect(r).toMatchObject({ match: true, diffPixels: 0, diffFraction: 0 });
  });

  it('small channel differences under the threshold, and a few pixels over it, still match', () => {
    const noisy = base.slice();
    for (let i = 0; i < noisy.length; i += 4) noisy[i] = Math.min(255, noisy[i]! + 10); // +10 on red: under 16
    noisy.set([0, 0, 0, 255], 0); // one pixel really differs: 1/1200 = 0.083% <= 0.1%
    const r = comparePngs(png(noisy), png(base));
    expect(r.diffPixels).toBe(1);
    expect(r.match).toBe(true);
    expect(comparePngs(png(noisy), png(base), { threshold: 5 }).match).toBe(false);
    expect(comparePngs(png(noisy), png(base), { maxDiffFraction: 0 }).match).toBe(false);
  });

  it('very different images fail, with a diff image marking the changed pixels red', () => {
    const other = base.slice();
    for (let y = 0; y < h / 2; y++)
      for (let x = 0; x < w; x++) other.set([255, 255, 255, 255], (y * w + x) * 4);
    const r = comparePngs(png(other), png(base));
    expect(r.match).toBe(false);
    expect(r.diffFraction).toBeGreaterThan(0.3);
    const diff = decodePng(r.diffPng!);
    expect([...diff.rgba.subarray(0, 4)]).toEqual([255, 0, 0, 255]);
    const last = (w * h - 1) * 4; // bottom half unchanged: grey
    expect(diff.rgba[last]).toBe(diff.rgba[last + 1]);
  });

  it('a size mismatch fails without comparing pixels', () => {
    const r = comparePngs(png(pattern(20, 30, 4), 20, 30), png(base));
    expect(r).toMatchObject({ match: false, diffFraction: 1, sizeMismatch: '20x30 vs 40x30' });
    expect(r.diffPng).toBeUndefined();
  });
});

describe('compareScreenshot', () => {
  const w = 16;
  const h = 12;
  const refDir = join(tmp, 'reference');
  const shot = join(tmp, 'shot.png');

  it('creates a missing reference, then compares against it, writing a diff beside a failing shot', () => {
    const px = pattern(w, h, 4);
    writeFileSync(shot, encodePng(w, h, px, 4));
    const created = compareScreenshot(shot, 'map', { referenceDir: refDir, update: false });
    expect(created).toMatchObject({ match: true, updated: true });
    expect(existsSync(join(refDir, 'map.png'))).toBe(true);

    expect(compareScreenshot(shot, 'map', { referenceDir: refDir, update: false })).toMatchObject({
      match: true,
      updated: false,
      diffPixels: 0,
    });

    const changed = new Uint8Array(w * h * 4).fill(255);
    writeFileSync(shot, encodePng(w, h, changed, 4));
    const failed = compareScreenshot(shot, 'map', { referenceDir: refDir, update: false });
    expect(failed.match).toBe(false);
    expect(failed.diffPath).toBe(join(tmp, 'shot.diff.png'));
    expect(decodePng(readFileSync(failed.diffPath!)).width).toBe(w);
    expect(failed.message).toMatch(/map\.png: \d+ pixel\(s\) differ/);
    expect(failed.message).toContain('UPDATE_SCREENSHOTS=1');
  });

  it('UPDATE_SCREENSHOTS=1 overwrites the reference', () => {
    const before = process.env.UPDATE_SCREENSHOTS;
    process.env.UPDATE_SCREENSHOTS = '1';
    try {
      const r = compareScreenshot(shot, 'map', { referenceDir: refDir });
      expect(r).toMatchObject({ match: true, updated: true });
      expect(readFileSync(join(refDir, 'map.png')).equals(readFileSync(shot))).toBe(true);
    } finally {
      if (before === undefined) delete process.env.UPDATE_SCREENSHOTS;
      else process.env.UPDATE_SCREENSHOTS = before;
    }
    expect(compareScreenshot(shot, 'map', { referenceDir: refDir }).match).toBe(true);
  });

  it('reports a size mismatch in words', () => {
    writeFileSync(shot, encodePng(w + 1, h, new Uint8Array((w + 1) * h * 4), 4));
    const r = compareScreenshot(shot, 'map', { referenceDir: refDir, update: false });
    expect(r.match).toBe(false);
    expect(r.message).toContain('size differs (17x12 vs 16x12');
  });
});
