/**
 * Synthetic scenes for the shadow detector: land with gentle texture, bright blobby clouds at known
 * heights, and their shadows drawn with geometry written out here independently of project.ts.
 */
import type { Grid } from '../../../../electron/core/raster/grid.js';
import type { ShadowInput } from '../../../../electron/core/masks/shadow/types.js';

export interface SceneCloud {
  /** Centre of the cloud's TRUE (nadir) position, pixels. */
  row: number;
  col: number;
  radius: number;
  height: number;
}

export interface SyntheticScene {
  input: ShadowInput;
  /** True shadow (visible part: not under cloud, inside valid data). */
  truth: Uint8Array;
  /** Pixel offset of the shadow from the apparent cloud per metre of height. */
  rowsPerMetre: number;
  colsPerMetre: number;
}

export interface SceneSpec {
  width: number;
  height: number;
  pixel?: number;
  sun: { zenith: number; azimuth: number };
  view?: { zenith: number; azimuth: number };
  clouds: SceneCloud[];
  /** Water rectangles [row0, col0, row1, col1). */
  water?: [number, number, number, number][];
  /** No-data rectangles [row0, col0, row1, col1). */
  noData?: [number, number, number, number][];
  seed?: number;
}

const RAD = Math.PI / 180;

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A lumpy disc: radius modulated by a few harmonics so that shapes match in one place only. */
function blob(cloud: SceneCloud, phase: number): (r: number, c: number) => boolean {
  return (r, c) => {
    const dy = r - cloud.row;
    const dx = c - cloud.col;
    const a = Math.atan2(dy, dx);
    const rr = cloud.radius * (1 + 0.25 * Math.sin(3 * a + phase) + 0.12 * Math.cos(5 * a + 2 * phase));
    return dx * dx + dy * dy <= rr * rr;
  };
}

export function makeScene(spec: SceneSpec): SyntheticScene {
  const { width, height } = spec;
  const px = spec.pixel ?? 20;
  const n = width * height;
  const rand = rng(spec.seed ?? 1);
  const grid: Grid = { epsg: 32631, width, height, transform: [300000, px, 0, 5000000, 0, -px] };
  const nir = new Float32Array(n);
  const swir = new Float32Array(n);
  const valid = new Uint8Array(n).fill(1);
  const cloud = new Uint8Array(n);
  const shadowAll = new Uint8Array(n);
  // Land: a gentle ramp and ripple (no closed basin deeper than the 0.02 test) plus +-0.01 noise.
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      const smooth = (0.05 * r) / height - (0.03 * c) / width + 0.006 * Math.sin(r / 37) * Math.cos(c / 53);
      nir[i] = 0.3 + smooth + (rand() - 0.5) * 0.02;
      swir[i] = 0.2 + smooth / 2 + (rand() - 0.5) * 0.02;
    }
  }
  for (const [r0, c0, r1, c1] of spec.water ?? []) {
    for (let r = r0; r < r1; r++) {
      for (let c = c0; c < c1; c++) {
        nir[r * width + c] = 0.02 + rand() * 0.005;
        swir[r * width + c] = 0.008 + rand() * 0.004;
      }
    }
  }
  // Shadow offset from the apparent cloud: sun part away from the sun; parallax part (the apparent
  // cloud sits h*tan(vz) away from the satellite, so the true one is that far towards it).
  const ts = Math.tan(spec.sun.zenith * RAD);
  const sunCol = (-Math.sin(spec.sun.azimuth * RAD) * ts) / px;
  const sunRow = (Math.cos(spec.sun.azimuth * RAD) * ts) / px;
  const tv = spec.view ? Math.tan(spec.view.zenith * RAD) : 0;
  const va = (spec.view?.azimuth ?? 0) * RAD;
  // Apparent = true + (appCol, appRow) * h.
  const appCol = (-Math.sin(va) * tv) / px;
  const appRow = (Math.cos(va) * tv) / px;
  spec.clouds.forEach((cl, k) => {
    const inside = blob(cl, k * 1.7);
    const sr = Math.round(sunRow * cl.height);
    const sc = Math.round(sunCol * cl.height);
    const ar = Math.round(appRow * cl.height);
    const ac = Math.round(appCol * cl.height);
    const reach = Math.ceil(cl.radius * 1.4) + 1;
    for (let r = cl.row - reach; r <= cl.row + reach; r++) {
      for (let c = cl.col - reach; c <= cl.col + reach; c++) {
        if (!inside(r, c)) continue;
        const rs = r + sr;
        const cs = c + sc;
        if (rs >= 0 && cs >= 0 && rs < height && cs < width) shadowAll[rs * width + cs] = 1;
        const ra = r + ar;
        const ca = c + ac;
        if (ra >= 0 && ca >= 0 && ra < height && ca < width) cloud[ra * width + ca] = 1;
      }
    }
  });
  const truth = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (shadowAll[i] && !cloud[i]) {
      nir[i] = (nir[i] as number) * 0.35;
      swir[i] = (swir[i] as number) * 0.35;
      truth[i] = 1;
    }
    if (cloud[i]) {
      nir[i] = 0.55 + rand() * 0.05;
      swir[i] = 0.4 + rand() * 0.05;
    }
  }
  for (const [r0, c0, r1, c1] of spec.noData ?? []) {
    for (let r = r0; r < r1; r++) {
      for (let c = c0; c < c1; c++) {
        const i = r * width + c;
        valid[i] = 0;
        nir[i] = NaN;
        swir[i] = NaN;
        cloud[i] = 0;
        truth[i] = 0;
      }
    }
  }
  const input: ShadowInput = { grid, cloud, valid, nir, swir, sun: spec.sun };
  if (spec.view) input.view = spec.view;
  return {
    input,
    truth,
    rowsPerMetre: sunRow - (spec.view ? appRow : 0),
    colsPerMetre: sunCol - (spec.view ? appCol : 0),
  };
}

export function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return union === 0 ? 1 : inter / union;
}

export function count(a: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] as number;
  return s;
}
