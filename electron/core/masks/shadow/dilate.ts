/**
 * Square dilation of a binary mask (Fmask: `imdilate` with a (2r+1) x (2r+1) square), separable:
 * a running count along rows, then along columns, O(N) whatever the radius. `mask` holds 0 or 1.
 */
export function dilateSquare(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  if (radius <= 0) return mask.slice();
  const tmp = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let run = 0;
    // Window [x - r, x + r]: add x + r, drop x - r - 1.
    for (let x = -radius; x < width; x++) {
      const add = x + radius;
      if (add < width && mask[row + add]) run++;
      const drop = x - radius - 1;
      if (drop >= 0 && mask[row + drop]) run--;
      if (x >= 0 && run > 0) tmp[row + x] = 1;
    }
  }
  // Along columns, a row at a time: a running count per column keeps the reads in raster order
  // (a column-by-column walk strides a whole row per pixel and misses the cache on wide scenes).
  const out = new Uint8Array(mask.length);
  const run = new Int32Array(width);
  for (let y = -radius; y < height; y++) {
    const add = y + radius;
    if (add < height) {
      const row = add * width;
      for (let x = 0; x < width; x++) run[x] = (run[x] as number) + (tmp[row + x] as number);
    }
    const drop = y - radius - 1;
    if (drop >= 0) {
      const row = drop * width;
      for (let x = 0; x < width; x++) run[x] = (run[x] as number) - (tmp[row + x] as number);
    }
    if (y >= 0) {
      const row = y * width;
      for (let x = 0; x < width; x++) out[row + x] = (run[x] as number) > 0 ? 1 : 0;
    }
  }
  return out;
}
