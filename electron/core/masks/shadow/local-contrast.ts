/**
 * Local darkness: a pixel is potential shadow when its NIR and its SWIR are both below `ratio`
 * times the clear-sky background around it (a masked box mean over `radius` pixels). A shadow
 * removes the direct sun and leaves the diffuse sky light, a fraction of the sunlit signal in
 * both bands, whatever the surface; a ratio to the local background is therefore scale-free
 * (no absolute reflectance) and insensitive to the slow brightness changes of a scene that defeat
 * a global flood fill (a dark valley, a darker field pattern half a tile away).
 *
 * The background is estimated twice: over clear pixels, then over clear pixels that the first
 * pass did not call dark, so that a large shadow does not pull its own background down. Cloud,
 * water and no-data never enter the background.
 *
 * Speed and memory: the box mean is taken on blocks of about radius/4 pixels (sums per block,
 * a box over blocks, bilinear interpolation back to pixels), O(N) with a small grid whatever the
 * radius.
 */

export interface LocalContrastInput {
  width: number;
  height: number;
  nir: Float32Array;
  swir: Float32Array;
  /** 1 = cloud, water or no-data: never in the background, never dark. */
  excluded: Uint8Array;
}

/** 1 where both bands are below `ratio` times their local clear background. */
export function localDarkness(input: LocalContrastInput, radius: number, ratio: number): Uint8Array {
  const { width, height, nir, swir, excluded } = input;
  const n = width * height;
  const use = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    use[i] = !excluded[i] && Number.isFinite(nir[i] as number) && Number.isFinite(swir[i] as number) ? 1 : 0;
  }
  const dark = new Uint8Array(n);
  // The backgrounds are interpolated pixel by pixel inside the test, never stored whole (two
  // float planes the size of the scene per pass); the values are those backgroundMean gives.
  const test = (): void => {
    const bn = backgroundGrid(nir, use, width, height, radius);
    const bs = backgroundGrid(swir, use, width, height, radius);
    const axes = interpolationAxes(bn, width, height);
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const i = row + x;
        if (excluded[i]) continue;
        // && as before: SWIR's background only where NIR is dark.
        dark[i] =
          (nir[i] as number) < ratio * interpolateAt(bn, axes, x, y) &&
          (swir[i] as number) < ratio * interpolateAt(bs, axes, x, y)
            ? 1
            : 0;
      }
    }
  };
  test();
  for (let i = 0; i < n; i++) if (dark[i]) use[i] = 0;
  test();
  return dark;
}

/** Block means of a band (see backgroundMean): the grid, its block size and shape. */
interface BackgroundGrid {
  mean: Float32Array;
  b: number;
  bw: number;
  bh: number;
}

function backgroundGrid(
  band: Float32Array,
  use: Uint8Array,
  width: number,
  height: number,
  radius: number,
): BackgroundGrid {
  const b = Math.max(1, Math.floor(radius / 4));
  const bw = Math.ceil(width / b);
  const bh = Math.ceil(height / b);
  const sum = new Float64Array(bw * bh);
  const cnt = new Float64Array(bw * bh);
  const colBlock = new Int32Array(width);
  for (let x = 0; x < width; x++) colBlock[x] = Math.floor(x / b);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const brow = Math.floor(y / b) * bw;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (!use[i]) continue;
      const j = brow + (colBlock[x] as number);
      sum[j] = (sum[j] as number) + (band[i] as number);
      cnt[j] = (cnt[j] as number) + 1;
    }
  }
  const r = Math.max(1, Math.round(radius / b));
  boxInPlace(sum, bw, bh, r);
  boxInPlace(cnt, bw, bh, r);
  const mean = new Float32Array(bw * bh);
  for (let j = 0; j < mean.length; j++)
    mean[j] = (cnt[j] as number) > 0 ? (sum[j] as number) / (cnt[j] as number) : NaN;
  return { mean, b, bw, bh };
}

/** Per column and per row: the two block centres around each pixel and the weight between them. */
interface Axes {
  xs0: Int32Array;
  xs1: Int32Array;
  wxs: Float64Array;
  r0: Int32Array;
  r1: Int32Array;
  wys: Float64Array;
}

function interpolationAxes({ b, bw, bh }: BackgroundGrid, width: number, height: number): Axes {
  const xs0 = new Int32Array(width);
  const xs1 = new Int32Array(width);
  const wxs = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    // Block centres at (k + 0.5) * b - 0.5.
    const fx = Math.min(Math.max((x + 0.5) / b - 0.5, 0), bw - 1);
    const x0 = Math.floor(fx);
    xs0[x] = x0;
    xs1[x] = Math.min(x0 + 1, bw - 1);
    wxs[x] = fx - x0;
  }
  const r0 = new Int32Array(height);
  const r1 = new Int32Array(height);
  const wys = new Float64Array(height);
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) / b - 0.5, 0), bh - 1);
    const y0 = Math.floor(fy);
    r0[y] = y0 * bw;
    r1[y] = Math.min(y0 + 1, bh - 1) * bw;
    wys[y] = fy - y0;
  }
  return { xs0, xs1, wxs, r0, r1, wys };
}

/** The background at pixel (x, y), rounded to float32 as a stored plane would hold it. */
function interpolateAt({ mean }: BackgroundGrid, a: Axes, x: number, y: number): number {
  const r0 = a.r0[y] as number;
  const r1 = a.r1[y] as number;
  const x0 = a.xs0[x] as number;
  const x1 = a.xs1[x] as number;
  return Math.fround(
    lerpNaN(
      mean[r0 + x0] as number,
      mean[r0 + x1] as number,
      mean[r1 + x0] as number,
      mean[r1 + x1] as number,
      a.wxs[x] as number,
      a.wys[y] as number,
    ),
  );
}

/**
 * Mean of `band` over `use` pixels in a (2r+1)-pixel box around each pixel, approximated on blocks.
 * NaN where the box holds no usable pixel (the comparison is then false: not dark).
 */
export function backgroundMean(
  band: Float32Array,
  use: Uint8Array,
  width: number,
  height: number,
  radius: number,
): Float32Array {
  const grid = backgroundGrid(band, use, width, height, radius);
  if (grid.b === 1) return grid.mean;
  // Bilinear back to pixels.
  const axes = interpolationAxes(grid, width, height);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) out[row + x] = interpolateAt(grid, axes, x, y);
  }
  return out;
}

/** Bilinear weights over the corners that have a value (NaN corners dropped). No closures: hot loop. */
function lerpNaN(a: number, b: number, c: number, d: number, wx: number, wy: number): number {
  let s = 0;
  let w = 0;
  let k = (1 - wx) * (1 - wy);
  if (k > 0 && !Number.isNaN(a)) {
    s += a * k;
    w += k;
  }
  k = wx * (1 - wy);
  if (k > 0 && !Number.isNaN(b)) {
    s += b * k;
    w += k;
  }
  k = (1 - wx) * wy;
  if (k > 0 && !Number.isNaN(c)) {
    s += c * k;
    w += k;
  }
  k = wx * wy;
  if (k > 0 && !Number.isNaN(d)) {
    s += d * k;
    w += k;
  }
  return w > 0 ? s / w : NaN;
}

/** Box sum of radius r (window clipped at the edges), separable running sums, in place. */
function boxInPlace(a: Float64Array, w: number, h: number, r: number): void {
  const line = new Float64Array(Math.max(w, h));
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) line[x] = a[row + x] as number;
    let run = 0;
    for (let x = 0; x < Math.min(r, w); x++) run += line[x] as number;
    for (let x = 0; x < w; x++) {
      if (x + r < w) run += line[x + r] as number;
      if (x - r - 1 >= 0) run -= line[x - r - 1] as number;
      a[row + x] = run;
    }
  }
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) line[y] = a[y * w + x] as number;
    let run = 0;
    for (let y = 0; y < Math.min(r, h); y++) run += line[y] as number;
    for (let y = 0; y < h; y++) {
      if (y + r < h) run += line[y + r] as number;
      if (y - r - 1 >= 0) run -= line[y - r - 1] as number;
      a[y * w + x] = run;
    }
  }
}
