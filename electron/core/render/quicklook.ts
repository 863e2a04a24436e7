import type { Grid } from '../raster/grid.js';
import { getSharedDecoder, type Jp2Decoder } from '../raster/jp2/index.js';
import { productGrid, readReflectance } from '../scene/reflectance.js';
import type { Product } from '../scene/types.js';
import { MAP_CLASS_COLOURS } from '../tiles/palette.js';
import { encodePng } from './png.js';

/** Overlay colours: the map's class colours, so a quicklook reads like the app (cloud cyan, shadow orange). */
export const OVERLAY_COLOURS: Readonly<Record<number, readonly [number, number, number]>> = {
  2: MAP_CLASS_COLOURS[2],
  3: MAP_CLASS_COLOURS[3],
  4: MAP_CLASS_COLOURS[4],
};

export interface QuicklookOptions {
  /** Class mask to draw over the image, on `maskGrid` (any resolution of the same tile). */
  mask?: Uint8Array;
  maskGrid?: Grid;
  /** Longest side in pixels. Default 1400. */
  maxSize?: number;
  /** Opacity of the class colours. Default 0.45. */
  alpha?: number;
  decoder?: Jp2Decoder;
  signal?: AbortSignal;
}

/**
 * A true-colour picture of the product (the product's TCI decoded at a reduced JPEG2000 level,
 * or B04/B03/B02 reflectance at 60 m with a 2-98 % stretch when there is no TCI) with the mask's
 * cloud, semi-transparent cloud and shadow classes tinted over it. Returns a PNG.
 */
export async function renderQuicklook(
  product: Product,
  opts: QuicklookOptions = {},
): Promise<{ width: number; height: number; png: Buffer }> {
  const maxSize = opts.maxSize ?? 1400;
  const decoder = opts.decoder ?? getSharedDecoder();
  const { rgb, width, height, grid } = await trueColour(product, maxSize, decoder, opts.signal);
  if (opts.mask && opts.maskGrid)
    tint(rgb, width, height, grid, opts.mask, opts.maskGrid, opts.alpha ?? 0.45);
  return { width, height, png: encodePng(width, height, rgb, 3) };
}

async function trueColour(
  product: Product,
  maxSize: number,
  decoder: Jp2Decoder,
  signal: AbortSignal | undefined,
): Promise<{ rgb: Uint8Array; width: number; height: number; grid: Grid }> {
  const tci = product.bands.filter((b) => b.name === 'TCI').sort((a, b) => a.resolution - b.resolution)[0];
  const g10 = productGrid(product, 10);
  if (tci) {
    const src = await product.open(tci.path);
    try {
      const info = await decoder.info(src);
      let level = 0;
      while (level < info.levels && Math.ceil(Math.max(info.width, info.height) / 2 ** level) > maxSize)
        level++;
      const r = await decoder.decode(src, { level }, signal);
      if (r.components === 3) {
        const scale = (tci.resolution * 2 ** level) / 10;
        const grid: Grid = { ...g10, width: r.width, height: r.height, transform: scaled(g10, scale) };
        return { rgb: Uint8Array.from(r.data), width: r.width, height: r.height, grid };
      }
    } finally {
      await src.close();
    }
  }
  const stack = await readReflectance(product, {
    bands: ['B04', 'B03', 'B02'],
    resolution: 60,
    coarsening: 'jp2-level',
    decoder,
    signal,
  });
  const { width, height } = stack.grid;
  const rgb = new Uint8Array(width * height * 3);
  stack.data.forEach((band, c) => {
    const [lo, hi] = percentiles(band, 0.02, 0.98);
    for (let i = 0; i < band.length; i++) {
      const v = band[i]!;
      rgb[i * 3 + c] = Number.isNaN(v)
        ? 0
        : Math.round(255 * Math.min(1, Math.max(0, (v - lo) / (hi - lo || 1))));
    }
  });
  return { rgb, width, height, grid: stack.grid };
}

function scaled(g: Grid, k: number): Grid['transform'] {
  const [ox, pw, rx, oy, ry, ph] = g.transform;
  return [ox, pw * k, rx, oy, ry, ph * k];
}

function tint(
  rgb: Uint8Array,
  width: number,
  height: number,
  grid: Grid,
  mask: Uint8Array,
  maskGrid: Grid,
  alpha: number,
): void {
  // Both grids share the tile's upper-left corner; map each picture pixel centre to the mask.
  const kx = grid.transform[1] / maskGrid.transform[1];
  const ky = grid.transform[5] / maskGrid.transform[5];
  const ox = (grid.transform[0] - maskGrid.transform[0]) / maskGrid.transform[1];
  const oy = (grid.transform[3] - maskGrid.transform[3]) / maskGrid.transform[5];
  for (let y = 0; y < height; y++) {
    const my = Math.floor(oy + (y + 0.5) * ky);
    if (my < 0 || my >= maskGrid.height) continue;
    for (let x = 0; x < width; x++) {
      const mx = Math.floor(ox + (x + 0.5) * kx);
      if (mx < 0 || mx >= maskGrid.width) continue;
      const colour = OVERLAY_COLOURS[mask[my * maskGrid.width + mx]!];
      if (!colour) continue;
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) rgb[i + c] = Math.round((1 - alpha) * rgb[i + c]! + alpha * colour[c]!);
    }
  }
}

function percentiles(values: Float32Array, lo: number, hi: number): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v)).sort();
  if (finite.length === 0) return [0, 1];
  const at = (q: number): number => finite[Math.min(finite.length - 1, Math.floor(q * finite.length))]!;
  return [at(lo), at(hi)];
}
