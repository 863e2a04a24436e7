/**
 * Square dilation of a binary mask (Fmask: `imdilate` with a (2r+1) x (2r+1) square), separable:
 * a running count along rows, then along columns, O(N) whatever the radius.
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
  const out = new Uint8Array(mask.length);
  for (let x = 0; x < width; x++) {
    let run = 0;
    for (let y = -radius; y < height; y++) {
      const add = y + radius;
      if (add < height && tmp[add * width + x]) run++;
      const drop = y - radius - 1;
      if (drop >= 0 && tmp[drop * width + x]) run--;
      if (y >= 0 && run > 0) out[y * width + x] = 1;
    }
  }
  return out;
}
