/**
 * s2cloudless's post-processing (S2PixelCloudDetector.get_mask_from_prob): convolve the cloud
 * probability with a normalised disk of radius `average_over`, threshold it (strictly above),
 * then dilate the cloud with a disk of radius `dilation_size`. Disks are skimage's
 * `disk(r)`: offsets with dx^2 + dy^2 <= r^2. Both filters run as one horizontal run per disk row
 * over per-row prefix sums, so a pixel costs 2r + 1 steps whatever the disk's area.
 */

/** Half-width of each row of skimage's disk(r): w[dy + r] = max x with x^2 + dy^2 <= r^2. */
export function diskRuns(r: number): Int32Array {
  const w = new Int32Array(2 * r + 1);
  for (let dy = -r; dy <= r; dy++) w[dy + r] = Math.floor(Math.sqrt(r * r - dy * dy) + 1e-9);
  return w;
}

/** scipy.ndimage's 'reflect' extension (d c b a | a b c d | d c b a), for any offset. */
export function reflect(i: number, n: number): number {
  const period = 2 * n;
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - 1 - k;
}

/**
 * Mean of `prob` over the disk of radius r around every pixel, edges reflected as
 * scipy.ndimage.convolve(mode='reflect') does. Pixels that are NaN (no data) are left out and the
 * other weights renormalised; where the disk holds no valid pixel the result is NaN. With no
 * NaN this is s2cloudless's convolve(prob, disk(r) / disk(r).sum()).
 */
export function averageOverDisk(prob: Float32Array, width: number, height: number, r: number): Float32Array {
  const out = new Float32Array(width * height);
  if (r <= 0) {
    out.set(prob);
    return out;
  }
  const runs = diskRuns(r);
  const padW = width + 2 * r;
  // Column index of each padded position, reflected into the row.
  const col = new Int32Array(padW);
  for (let x = 0; x < padW; x++) col[x] = reflect(x - r, width);
  // Prefix sums (value and valid count) of each source row over its reflected extension; a row
  // is computed when first needed and dropped once no later output row can reach it.
  const sums = new Map<number, { s: Float64Array; c: Int32Array }>();
  const prefix = (y: number): { s: Float64Array; c: Int32Array } => {
    let p = sums.get(y);
    if (p) return p;
    p = { s: new Float64Array(padW + 1), c: new Int32Array(padW + 1) };
    const row = y * width;
    for (let x = 0; x < padW; x++) {
      const v = prob[row + col[x]!]!;
      const ok = v === v;
      p.s[x + 1] = p.s[x]! + (ok ? v : 0);
      p.c[x + 1] = p.c[x]! + (ok ? 1 : 0);
    }
    sums.set(y, p);
    return p;
  };
  const canEvict = height > 2 * r + 1;
  const accS = new Float64Array(width);
  const accC = new Int32Array(width);
  for (let y = 0; y < height; y++) {
    if (canEvict) sums.delete(y - r - 1);
    accS.fill(0);
    accC.fill(0);
    // One disk row at a time over the whole output row: pixel x's run is padded [x + r - w, x + r + w].
    for (let dy = -r; dy <= r; dy++) {
      const { s, c } = prefix(reflect(y + dy, height));
      const lo = r - runs[dy + r]!;
      const hi = r + runs[dy + r]! + 1;
      for (let x = 0; x < width; x++) {
        accS[x]! += s[x + hi]! - s[x + lo]!;
        accC[x]! += c[x + hi]! - c[x + lo]!;
      }
    }
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const c = accC[x]!;
      out[o + x] = c > 0 ? accS[x]! / c : NaN;
    }
  }
  return out;
}

/**
 * Binary dilation of `mask` (1 = set) by disk(r): a pixel is set when any set pixel lies within
 * the disk around it. Outside the image counts as unset (skimage's reflected border adds nothing
 * for a symmetric disk: the reflection of an outside offset is a nearer inside one).
 */
export function dilateDisk(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  const runs = diskRuns(r);
  // Per-row prefix counts of set pixels, for all rows (4 bytes a pixel; a 20 m tile: 120 MB).
  const pre = new Int32Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    const p = y * (width + 1);
    const m = y * width;
    for (let x = 0; x < width; x++) pre[p + x + 1] = pre[p + x]! + (mask[m + x] ? 1 : 0);
  }
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const dy0 = Math.max(-r, -y);
    const dy1 = Math.min(r, height - 1 - y);
    for (let x = 0; x < width; x++) {
      for (let dy = dy0; dy <= dy1; dy++) {
        const w = runs[dy + r]!;
        const p = (y + dy) * (width + 1);
        const a = Math.max(0, x - w);
        const b = Math.min(width, x + w + 1);
        if (pre[p + b]! - pre[p + a]! > 0) {
          out[y * width + x] = 1;
          break;
        }
      }
    }
  }
  return out;
}

export interface CloudMaskParams {
  threshold: number;
  averageOver: number;
  dilationSize: number;
}

/**
 * Classes from the probability as s2cloudless makes its mask: 2 cloud where the dilated
 * (averaged probability > threshold) is set, 1 clear elsewhere, 0 where the probability is NaN
 * (no data).
 */
export function cloudClasses(
  prob: Float32Array,
  width: number,
  height: number,
  p: CloudMaskParams,
): Uint8Array {
  const avg = averageOverDisk(prob, width, height, p.averageOver);
  const cloud = new Uint8Array(width * height);
  for (let i = 0; i < cloud.length; i++) cloud[i] = avg[i]! > p.threshold ? 1 : 0; // NaN is not above
  const dilated = dilateDisk(cloud, width, height, p.dilationSize);
  const classes = new Uint8Array(width * height);
  for (let i = 0; i < classes.length; i++) {
    const v = prob[i]!;
    classes[i] = v !== v ? 0 : dilated[i] ? 2 : 1;
  }
  return classes;
}
