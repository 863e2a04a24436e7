/**
 * A scene's bands as a map layer: three bands as red, green and blue, reprojected from the
 * scene's UTM grid by inverse mapping (warp.ts: control grid + bilinear, nearest sampling, as
 * `gdalwarp -r near`) and read from the level just finer than the tile's pixels (jp2-pyramid.ts).
 * Its inspector gives every band's DN and reflectance under a point.
 */
import { S2Error, throwIfAborted } from '../errors.js';
import type { Grid } from '../raster/grid.js';
import { productGrid, type ReflectanceBand } from '../scene/reflectance.js';
import type { Product } from '../scene/types.js';
import type { LonLatBox } from './bounds.js';
import { checkBands, type BandSource } from './band-source.js';
import { bandTileDn } from './band-tile.js';
import { pointOnGrid } from './inspect.js';
import { TILE_SIZE } from './mercator.js';
import { styleKey, type ImageStyle } from './style.js';
import type { TileLayer } from './tile-layer.js';
import type { InspectBand, SceneInfo } from './types.js';
import { chooseLevel, levelScale, levelWindow, mapTile } from './warp.js';

const N = TILE_SIZE * TILE_SIZE;

export class ImageLayer implements TileLayer<ImageStyle, InspectBand[]> {
  constructor(
    private readonly info: SceneInfo,
    private readonly product: Product,
    private readonly grid10: Grid,
    private readonly bands: BandSource,
    /** Control-point spacing of the reprojection, in output pixels. */
    private readonly step: number,
  ) {}

  get bounds(): LonLatBox {
    return this.info.bounds;
  }

  key(style: ImageStyle): string {
    checkStyle(style, this.info);
    return `${this.info.sceneId}|img|${styleKey(style)}`;
  }

  /** Pixels where any of the three bands has no data (DN 0) are transparent. */
  async render(
    z: number,
    x: number,
    y: number,
    style: ImageStyle,
    signal?: AbortSignal,
  ): Promise<Uint8Array | null> {
    const map = mapTile(z, x, y, this.grid10, this.step);
    if (!map) return null;
    const states = await Promise.all(style.bands.map((b) => this.bands.band(b as ReflectanceBand)));
    throwIfAborted(signal); // before decoding: opening the files may have taken a while
    const reads = await Promise.all(
      states.map(async (b) => {
        // Positions are on the 10 m grid; this band's grid shares its origin.
        const k = 10 / b.resolution;
        const level = chooseLevel(map.scale * k, b.pyramid.levels);
        const s = levelScale(b.pyramid.levelSize(0), b.pyramid.levelSize(level));
        const fx = s.fx * k;
        const fy = s.fy * k;
        return { fx, fy, win: await b.pyramid.read(level, levelWindow(map, fx, fy), signal) };
      }),
    );
    throwIfAborted(signal); // after decoding: colouring is wasted on a tile that left the view
    const rgba = new Uint8Array(N * 4);
    for (let i = 0; i < N; i++) rgba[i * 4 + 3] = 255;
    states.forEach((b, c) => {
      const { fx, fy, win } = reads[c]!;
      const lut = this.bands.lut(b, style.min[c]!, style.max[c]!, style.gamma);
      if (!win) {
        for (let i = 0; i < N; i++) rgba[i * 4 + 3] = 0;
        return;
      }
      const { data, width, height } = win;
      const { sx, sy } = map;
      const noData = b.noData;
      for (let i = 0; i < N; i++) {
        const px = Math.floor((sx[i] as number) * fx) - win.x;
        const py = Math.floor((sy[i] as number) * fy) - win.y;
        if (!(px >= 0 && py >= 0 && px < width && py < height)) {
          rgba[i * 4 + 3] = 0;
          continue;
        }
        const dn = data[py * width + px] as number;
        if (dn === noData) rgba[i * 4 + 3] = 0;
        else rgba[i * 4 + c] = lut[dn] as number;
      }
    });
    for (let i = 0; i < N; i++) if (rgba[i * 4 + 3] !== 0) return rgba;
    return null;
  }

  /** Every band's DN and reflectance at its native resolution (offsets applied; no data -> null). */
  async inspect(lon: number, lat: number): Promise<InspectBand[]> {
    const { colF, rowF } = pointOnGrid(this.grid10, lon, lat);
    return Promise.all(
      this.info.bands.map(async (name) => {
        const b = await this.bands.band(name);
        const resolution = b.resolution;
        const k = 10 / resolution;
        const bc = Math.floor(colF * k);
        const br = Math.floor(rowF * k);
        const size = b.pyramid.levelSize(0);
        let dn: number | null = null;
        if (bc >= 0 && br >= 0 && bc < size.width && br < size.height) {
          const w = await b.pyramid.read(0, { x: bc, y: br, width: 1, height: 1 });
          if (w) dn = w.data[(br - w.y) * w.width + (bc - w.x)] as number;
        }
        const value = dn === null || dn === b.noData ? null : (dn + b.offset) / b.quantification;
        return { band: name, value, dn, resolution, row: br, col: bc };
      }),
    );
  }

  /**
   * Raw DN of one band on a tile, nearest neighbour, from the level render would read (or
   * `level`): for tests against gdalwarp. 0 where the tile is outside the band.
   */
  async bandTileDn(
    band: string,
    z: number,
    x: number,
    y: number,
    level?: number,
  ): Promise<{ level: number; data: Uint16Array } | null> {
    if (!this.info.bands.includes(band as ReflectanceBand)) {
      checkBands([band, band, band], this.info.bands, this.info.productName);
    }
    const b = await this.bands.band(band as ReflectanceBand);
    const grid = productGrid(this.product, b.resolution);
    return bandTileDn(b.pyramid, grid, z, x, y, {
      ...(level === undefined ? {} : { level }),
      step: this.step,
    });
  }
}

function checkStyle(style: ImageStyle, info: SceneInfo): void {
  const ok =
    Array.isArray(style.bands) &&
    style.bands.length === 3 &&
    [style.min, style.max].every((a) => Array.isArray(a) && a.length === 3 && a.every(Number.isFinite)) &&
    Number.isFinite(style.gamma) &&
    style.gamma > 0;
  if (!ok) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      'An image style needs 3 bands, 3 minima, 3 maxima and a gamma > 0.',
      {
        details: { style },
      },
    );
  }
  checkBands(style.bands, info.bands, info.productName);
}
