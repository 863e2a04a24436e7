/**
 * Picking a few places from a score raster, spread over the scene: the best pixel of each block
 * of a grid over the scene, then blocks in score order, skipping any pick closer than
 * `minDistance` pixels to one already taken. Ten suggestions on one cloud edge teach less than
 * ten over the scene, and a person jumping from one to the next wants them apart.
 */

export interface SpreadOptions {
  /** Places wanted. */
  count: number;
  /** Smallest distance between two picks, in pixels (default: half the block side). */
  minDistance?: number;
  /** Blocks per pick (default 4): more blocks, finer choice. */
  blocksPerPick?: number;
}

/** Indices of the picked pixels, best first. Pixels scoring 0 or NaN are never picked. */
export function pickSpread(score: Float32Array, width: number, height: number, o: SpreadOptions): number[] {
  const count = Math.max(0, Math.floor(o.count));
  if (count === 0 || width === 0 || height === 0) return [];
  const blocks = count * (o.blocksPerPick ?? 4);
  const side = Math.max(1, Math.floor(Math.sqrt((width * height) / blocks)));
  const bw = Math.ceil(width / side);
  const bh = Math.ceil(height / side);
  const best = new Int32Array(bw * bh).fill(-1);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const v = score[i]!;
      if (!(v > 0)) continue;
      const b = Math.floor(y / side) * bw + Math.floor(x / side);
      const cur = best[b]!;
      if (cur < 0 || v > score[cur]!) best[b] = i;
    }
  const candidates = [...best].filter((i) => i >= 0).sort((a, b) => score[b]! - score[a]! || a - b);
  const d = o.minDistance ?? side / 2;
  const d2 = d * d;
  const picked: number[] = [];
  for (const i of candidates) {
    if (picked.length >= count) break;
    const x = i % width;
    const y = Math.floor(i / width);
    if (picked.every((j) => ((j % width) - x) ** 2 + (Math.floor(j / width) - y) ** 2 >= d2)) picked.push(i);
  }
  return picked;
}
