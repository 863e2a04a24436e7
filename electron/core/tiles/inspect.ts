/**
 * The pixel inspector: a point placed on a grid, the stored value of a mask file at a pixel
 * (read from a GeoTIFF kept open for the layer's life, not reopened at each click), and the
 * answer assembled from the scene's image layer and every mask layer.
 */
import { fromFile, type GeoTIFF } from 'geotiff';
import { S2Error } from '../errors.js';
import { transformer } from '../masks/adapters/crs.js';
import type { Grid } from '../raster/grid.js';
import { readClassRaster } from '../scene/reflectance.js';
import type { Product, Resolution } from '../scene/types.js';
import type { InspectBand, InspectMask, InspectResult, ProductMaskId } from './types.js';
import { invertTransform } from './warp.js';

/** A lon/lat point on a grid: its CRS coordinates, fractional and whole pixel, inside or not. */
export interface GridPoint {
  easting: number;
  northing: number;
  colF: number;
  rowF: number;
  col: number;
  row: number;
  inside: boolean;
}

export function pointOnGrid(grid: Grid, lon: number, lat: number): GridPoint {
  const [easting, northing] = transformer(4326, grid.epsg)(lon, lat);
  const inv = invertTransform(grid.transform);
  const colF = inv[0] + easting * inv[1] + northing * inv[2];
  const rowF = inv[3] + easting * inv[4] + northing * inv[5];
  const col = Math.floor(colF);
  const row = Math.floor(rowF);
  const inside = col >= 0 && row >= 0 && col < grid.width && row < grid.height;
  return { easting, northing, colF, rowF, col, row, inside };
}

/** The value a mask's source file stores at a pixel of the mask's grid. */
export interface PixelReader {
  /** Null when it cannot be read (outside, no data, or a source without raw values). */
  read(col: number, row: number): Promise<number | null>;
  close(): Promise<void>;
}

/** For sources whose stored values are not readable (vector masks, PNGs). */
export const NO_PIXELS: PixelReader = {
  read: () => Promise.resolve(null),
  close: () => Promise.resolve(),
};

type GeoTIFFImage = Awaited<ReturnType<GeoTIFF['getImage']>>;

/** Opens a GeoTIFF; injectable so tests can count opens. */
export type TiffOpener = (path: string) => Promise<GeoTIFF>;

/**
 * Band 0 of a GeoTIFF, one pixel at a time: the file is opened and its header parsed on the first
 * read and kept (geotiff.js caches the blocks it read), until close().
 */
export class TiffPixelReader implements PixelReader {
  private opened: Promise<{ tiff: GeoTIFF; image: GeoTIFFImage }> | null = null;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly open: TiffOpener = fromFile,
  ) {}

  async read(col: number, row: number): Promise<number | null> {
    const { image } = await this.image();
    const r = await image.readRasters({ window: [col, row, col + 1, row + 1], samples: [0] });
    const v = (r[0] as ArrayLike<number> | undefined)?.[0];
    return v === undefined || Number.isNaN(v) ? null : v;
  }

  async close(): Promise<void> {
    this.closed = true;
    const opened = this.opened;
    this.opened = null;
    if (!opened) return;
    const o = await opened.catch(() => null);
    await o?.tiff.close();
  }

  private image(): Promise<{ tiff: GeoTIFF; image: GeoTIFFImage }> {
    if (this.closed) return Promise.reject(new S2Error('INVALID_ARGUMENT', `${this.path} was closed.`));
    if (!this.opened) {
      const p = (async (): Promise<{ tiff: GeoTIFF; image: GeoTIFFImage }> => {
        const tiff = await this.open(this.path);
        try {
          return { tiff, image: await tiff.getImage() };
        } catch (err) {
          await tiff.close();
          throw err;
        }
      })();
      // A failed open is tried again at the next click (the file may be back).
      p.catch(() => {
        if (this.opened === p) this.opened = null;
      });
      this.opened = p;
    }
    return this.opened;
  }
}

/** The stored value of a product mask at a pixel of the mask's grid (read through the product). */
export function productPixelReader(product: Product, mask: ProductMaskId, grid: Grid): PixelReader {
  const resolution = Math.abs(grid.transform[1]) as Resolution;
  return {
    read: async (col, row) => {
      const kind = mask === 'maja' ? 'MAJA_CLM' : mask === 'maja-mg2' ? 'MAJA_MG2' : 'MSK_CLDPRB';
      const entry =
        mask === 'scl'
          ? 'SCL'
          : mask === 'msk-classi'
            ? product.masks.find((m) => m.kind === 'MSK_CLASSI')
            : (product.masks.find((m) => m.kind === kind && m.resolution === resolution) ??
              product.masks.find((m) => m.kind === kind));
      if (!entry) return null;
      const r = await readClassRaster(product, entry, {
        resolution,
        window: { x: col, y: row, width: 1, height: 1 },
        method: 'nearest',
      });
      if (mask === 'msk-classi') {
        const [o, c, s] = r.components.map((p) => p[0] ?? 0);
        return (o ? 1 : 0) | (c ? 2 : 0) | (s ? 4 : 0);
      }
      return r.components[0]?.[0] ?? null;
    },
    // The product's files belong to the scene, which closes them.
    close: () => Promise.resolve(),
  };
}

/**
 * Everything under a point: its UTM coordinates and 10 m pixel, every band's DN and reflectance
 * (the image layer's inspect), and every mask layer's stored value, class id and class name.
 */
export async function inspectPoint(
  scene: { grid10: Grid; quantity: 'TOA' | 'BOA' },
  image: { inspect(lon: number, lat: number): Promise<InspectBand[]> },
  masks: ReadonlyArray<{ inspect(lon: number, lat: number): Promise<InspectMask> }>,
  lon: number,
  lat: number,
): Promise<InspectResult> {
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 90) {
    throw new S2Error('INVALID_ARGUMENT', `Not a point: lon ${lon}, lat ${lat}.`);
  }
  const p = pointOnGrid(scene.grid10, lon, lat);
  const [reflectances, maskValues] = await Promise.all([
    image.inspect(lon, lat),
    Promise.all(masks.map((m) => m.inspect(lon, lat))),
  ]);
  return {
    lon,
    lat,
    epsg: scene.grid10.epsg,
    easting: p.easting,
    northing: p.northing,
    row: p.row,
    col: p.col,
    inside: p.inside,
    quantity: scene.quantity,
    reflectances,
    masks: maskValues,
  };
}
