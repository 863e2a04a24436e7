/**
 * Shadows of clouds outside the image. Along the image border on the sun side, a cloud beyond
 * the edge can cast its shadow inside, where no visible cloud explains it. A region of potential
 * shadow that touches that border is kept where the cloud that would cast it, at the typical
 * height of the scene's matched clouds, lies outside the image; everywhere else it needs a
 * visible cloud like any other shadow. Scenes where no cloud matched give no typical height and
 * keep nothing here (a clear scene's dark forest at the edge stays clear).
 */
import { labelComponents, type Components } from './components.js';
import type { Offset } from './project.js';

/**
 * Adds to `shadow` (in place) the eligible pixels of border-touching `potential` regions.
 * `per`: shadow offset from its cloud per metre of height; `height`: the typical cloud height (m).
 * `comps`: the regions of `potential` when the caller has labelled them already. Returns the
 * number of pixels added.
 */
export function addEdgeShadows(
  potential: Uint8Array,
  shadow: Uint8Array,
  width: number,
  height: number,
  per: Offset,
  cloudHeight: number,
  comps?: Components,
): number {
  const dc = per.dcol * cloudHeight;
  const dr = per.drow * cloudHeight;
  // Less than a pixel of offset: the cloud would sit on its own shadow, nothing to add.
  if (Math.hypot(dc, dr) < 1) return 0;
  const regions = comps ?? labelComponents(potential, width, height);
  // Regions touching a border that the sun direction points to (the casting cloud's side).
  const touches = new Uint8Array(regions.count + 1);
  const mark = (p: number): void => {
    const l = regions.labels[p] as number;
    if (l) touches[l] = 1;
  };
  if (dc < 0) for (let y = 0; y < height; y++) mark(y * width + width - 1);
  if (dc > 0) for (let y = 0; y < height; y++) mark(y * width);
  if (dr < 0) for (let x = 0; x < width; x++) mark((height - 1) * width + x);
  if (dr > 0) for (let x = 0; x < width; x++) mark(x);
  let added = 0;
  for (let y = 0; y < height; y++) {
    // The cloud of a shadow at (y, x) is at (y - dr, x - dc).
    const cy = y - dr;
    const rowOut = cy < 0 || cy >= height;
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const l = regions.labels[p] as number;
      if (!l || !touches[l] || shadow[p]) continue;
      const cx = x - dc;
      if (rowOut || cx < 0 || cx >= width) {
        shadow[p] = 1;
        added++;
      }
    }
  }
  return added;
}

/** Pixel-weighted median of the matched heights (null when nothing matched). */
export function typicalHeight(objects: readonly { pixels: number; height: number | null }[]): number | null {
  const m = objects.filter((o) => o.height !== null) as { pixels: number; height: number }[];
  if (m.length === 0) return null;
  m.sort((a, b) => a.height - b.height);
  const total = m.reduce((s, o) => s + o.pixels, 0);
  let acc = 0;
  for (const o of m) {
    acc += o.pixels;
    if (acc * 2 >= total) return o.height;
  }
  return (m[m.length - 1] as { height: number }).height;
}

/**
 * Silhouettes of clouds cut by the border: 1 where the cloud that would cast a shadow on the
 * pixel, at `cloudHeight`, lies outside the image and the line to it leaves the image through
 * cloud (`nearCloud`: the cloud mask widened by a few pixels). The visible part of such a cloud
 * projects only part of its shadow; this is the rest.
 */
export function cutCloudSilhouettes(
  nearCloud: Uint8Array,
  width: number,
  height: number,
  per: Offset,
  cloudHeight: number,
): Uint8Array {
  // From a shadow pixel towards its cloud: (vy, vx) per unit of t, the cloud at t = 1.
  const vy = -per.drow * cloudHeight;
  const vx = -per.dcol * cloudHeight;
  const out = new Uint8Array(width * height);
  if (Math.hypot(vx, vy) < 1) return out;
  for (let y = 0; y < height; y++) {
    const ty = vy > 0 ? (height - 1 - y) / vy : vy < 0 ? y / -vy : Infinity;
    for (let x = 0; x < width; x++) {
      const tx = vx > 0 ? (width - 1 - x) / vx : vx < 0 ? x / -vx : Infinity;
      const t = Math.min(tx, ty);
      // t >= 1: the cloud is inside the image (its own silhouette speaks for it).
      if (t >= 1) continue;
      const by = Math.round(y + t * vy);
      const bx = Math.round(x + t * vx);
      if (nearCloud[by * width + bx]) out[y * width + x] = 1;
    }
  }
  return out;
}
