/**
 * Draws the application icon, build/icon.png (1024 x 1024 RGBA), without any image library: a
 * rounded square of land and water seen from above, a cloud, and the cloud's shadow, which is
 * what the app masks. electron-builder derives the .icns, .ico and Linux sizes from it.
 *
 *   node --import tsx scripts/make-icon.ts [out.png]
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from '../electron/core/render/png.js';

const SIZE = 1024;
const SUPER = 3; // supersampling per axis, for smooth edges

type Rgba = [number, number, number, number];

function inRoundedSquare(x: number, y: number): boolean {
  const m = 0.06; // margin
  const r = 0.2; // corner radius
  if (x < m || y < m || x > 1 - m || y > 1 - m) return false;
  const cx = Math.min(Math.max(x, m + r), 1 - m - r);
  const cy = Math.min(Math.max(y, m + r), 1 - m - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** A cloud: the union of a few discs and a flat base, centred on (ox, oy). */
function inCloud(x: number, y: number, ox: number, oy: number): boolean {
  const discs: [number, number, number][] = [
    [-0.17, 0.03, 0.12],
    [-0.04, -0.07, 0.17],
    [0.14, -0.01, 0.13],
    [0.22, 0.07, 0.08],
  ];
  for (const [dx, dy, r] of discs) {
    if ((x - ox - dx) ** 2 + (y - oy - dy) ** 2 <= r * r) return true;
  }
  const bx = x - ox;
  const by = y - oy;
  return bx >= -0.26 && bx <= 0.28 && by >= 0.0 && by <= 0.15 && inRoundedBase(bx, by);
}

function inRoundedBase(bx: number, by: number): boolean {
  const r = 0.075;
  const cx = Math.min(Math.max(bx, -0.26 + r), 0.28 - r);
  const cy = Math.min(Math.max(by, r), 0.15 - r);
  return (bx - cx) ** 2 + (by - cy) ** 2 <= r * r;
}

function sample(x: number, y: number): Rgba {
  if (!inRoundedSquare(x, y)) return [0, 0, 0, 0];
  // Ground: a river (water) meandering through fields, shaded from top-left to bottom-right.
  const river = Math.abs(y - (0.72 + 0.08 * Math.sin(x * 7.5))) < 0.05;
  const shade = 0.85 + 0.3 * (1 - (x + y) / 2);
  let c: Rgba = river
    ? [40 * shade, 110 * shade, 190 * shade, 255]
    : (Math.floor(x * 6) + Math.floor(y * 5)) % 2 === 0
      ? [70 * shade, 140 * shade, 80 * shade, 255]
      : [120 * shade, 160 * shade, 70 * shade, 255];
  // The cloud's shadow falls below and to the right of the cloud.
  if (inCloud(x, y, 0.56, 0.53)) c = [c[0] * 0.35, c[1] * 0.35, c[2] * 0.45, 255];
  if (inCloud(x, y, 0.46, 0.4)) {
    const lit = 1 - 0.12 * Math.max(0, y - 0.35) * 4;
    c = [250 * lit, 252 * lit, 255 * lit, 255];
  }
  return c;
}

export function drawIcon(size: number = SIZE): Buffer {
  const px = new Uint8Array(size * size * 4);
  const n = SUPER * SUPER;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const acc = [0, 0, 0, 0];
      for (let sj = 0; sj < SUPER; sj++) {
        for (let si = 0; si < SUPER; si++) {
          const s = sample((i + (si + 0.5) / SUPER) / size, (j + (sj + 0.5) / SUPER) / size);
          const a = s[3] / 255;
          acc[0]! += s[0] * a;
          acc[1]! += s[1] * a;
          acc[2]! += s[2] * a;
          acc[3]! += s[3];
        }
      }
      const o = (j * size + i) * 4;
      const alpha = acc[3]! / n;
      const cover = alpha / 255;
      px[o] = cover > 0 ? Math.round(acc[0]! / n / cover) : 0;
      px[o + 1] = cover > 0 ? Math.round(acc[1]! / n / cover) : 0;
      px[o + 2] = cover > 0 ? Math.round(acc[2]! / n / cover) : 0;
      px[o + 3] = Math.round(alpha);
    }
  }
  return encodePng(size, size, px, 4);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'build', 'icon.png'));
  writeFileSync(out, drawIcon());
  console.log(`wrote ${out}`);
}
