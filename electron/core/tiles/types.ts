/** Public types of the map-tile and pixel-inspector service. */
import type { ShadowMode } from '../metrics/binary.js';
import type { ReflectanceBand } from '../scene/reflectance.js';
import type { ProcessingLevel, Resolution } from '../scene/types.js';
import type { Rgb } from './palette.js';
import type { ImageStyle } from './style.js';
import type { ProductMaskId } from '../../shared/product-masks.js';

export type { ImageStyle, PresetId } from './style.js';
export type { Rgb, DifferenceCategory } from './palette.js';

/** A GeoJSON polygon in lon/lat (the product footprint). */
export interface LonLatPolygon {
  type: 'Polygon';
  coordinates: Array<Array<[number, number]>>;
}

/** maja: THEIA's CLM cloud mask; maja-mg2: its geophysical mask's cloud and shadow bits. */
export type { ProductMaskId };

export interface SceneInfo {
  sceneId: string;
  /** What was opened (folder, zip or product XML). */
  path: string;
  productName: string;
  level: ProcessingLevel;
  /** 'TOA' reflectance for L1C, 'BOA' for L2A. */
  quantity: 'TOA' | 'BOA';
  tileId: string;
  sensingTime: string;
  processingBaseline: string;
  epsg: number;
  crsName: string;
  /** The tile's grid extent in lon/lat: [west, south, east, north]. */
  bounds: [number, number, number, number];
  /** Data footprint from the product metadata (lon/lat, closed ring). */
  footprint: LonLatPolygon;
  /** Bands the map can show (spectral bands, plus AOT and WVP on L2A). */
  bands: ReflectanceBand[];
  /** Resolution of the file each band is read from (its native one). */
  bandResolutions: Partial<Record<ReflectanceBand, Resolution>>;
  /**
   * Default style per preset id (PRESETS) whose bands the product has: the preset's bands, the
   * 2-98 % stretch of this scene, gamma 1.
   */
  stretches: Record<string, ImageStyle>;
  /** Zoom at which the whole scene is about 256 px wide, minus one (below it the scene is a dot). */
  minZoom: number;
  /** Zoom at which a 10 m pixel is about 4 screen pixels. */
  maxZoom: number;
  /** Zoom at which a map pixel is closest to 10 m (finer zooms magnify the full-resolution pixels). */
  nativeZoom: number;
  /** The product's own masks that addMaskLayer({kind: 'product'}) can show. */
  productMasks: ProductMaskId[];
  warnings: string[];
}

export type MaskSource =
  | {
      kind: 'file';
      path: string;
      /** An adapter id (ADAPTER_IDS); guessed from the file when absent. */
      adapter?: string;
      name?: string;
      /** EPSG code for rasters that carry none. */
      crs?: number;
    }
  | { kind: 'product'; mask: ProductMaskId; name?: string }
  | { kind: 'probability'; path: string; name?: string; crs?: number };

export interface MaskClassInfo {
  id: number;
  name: string;
  /** Pixels of this class on the mask's own grid. */
  count: number;
  /** Default map colour. */
  colour: Rgb;
}

export interface MaskLayerInfo {
  layerId: string;
  sceneId: string;
  name: string;
  /** 'classes': schema classes 0-4; 'probability': values 0..1 drawn with a colour ramp. */
  kind: 'classes' | 'probability';
  /** What produced it, as the adapter names it (e.g. "Sen2Cor SCL", "KappaMask [guessed from …]"). */
  source: string;
  file: string;
  /** The file the layer was read from (file and probability sources; for the accuracy tables). */
  path?: string;
  epsg: number;
  /** Pixel size in CRS units. */
  resolution: number;
  width: number;
  height: number;
  bounds: [number, number, number, number];
  /** Classes present (count > 0), no data included. Empty for probability layers. */
  classes: MaskClassInfo[];
  /** Source values the adapter did not know (value -> pixels); they show as no data. */
  unmapped: Record<string, number>;
  /** Whether the mask overlaps the scene's grid at all. */
  overlapsScene: boolean;
  /** Probability layers: value statistics on the 0..1 scale. */
  probability?: { scale: string; min: number; max: number; mean: number };
}

export interface MaskStyle {
  /** Classes to draw (default: 1-4, every class but no data). */
  visibleClasses?: number[];
  /** Colours by class, over MAP_CLASS_COLOURS. */
  colours?: Record<number, Rgb>;
  /** Probability layers: values below this (0..1) are not drawn. Default 0. */
  minProbability?: number;
}

export interface DifferenceStyle {
  /** Where cloud shadow goes in the binary view (default 'clear', as the accuracy tables). */
  shadow?: ShadowMode;
  /** Colours over DIFFERENCE_LEGEND's. */
  colours?: Partial<Record<'agreement-cloud' | 'omission' | 'commission' | 'agreement-clear', Rgb>>;
}

export interface InspectBand {
  band: ReflectanceBand;
  /** Reflectance (DN + offset) / quantification (AOT, WVP: DN / their quantification); null for no data (DN 0) or outside. */
  value: number | null;
  /** Stored digital number, null outside the grid. */
  dn: number | null;
  /** Resolution of the file read (the band's native one); row and col are on its grid. */
  resolution: Resolution;
  row: number;
  col: number;
}

export interface InspectMask {
  layerId: string;
  name: string;
  kind: 'classes' | 'probability';
  row: number;
  col: number;
  /** The value stored in the source (SCL code, KappaMask code, probability...), when readable. */
  value: number | null;
  classId: number | null;
  /** The schema class name; '' for probability layers and outside the mask. */
  className: string;
  /** Probability layers: the value on the 0..1 scale. */
  probability?: number | null;
}

export interface InspectResult {
  lon: number;
  lat: number;
  epsg: number;
  easting: number;
  northing: number;
  /** Pixel of the 10 m grid (may be outside it: see `inside`). */
  row: number;
  col: number;
  inside: boolean;
  quantity: 'TOA' | 'BOA';
  /** Every band of the scene at its native resolution. */
  reflectances: InspectBand[];
  masks: InspectMask[];
}

export interface TileRequestOptions {
  /** Cancels the tile (MapLibre cancels tiles that left the view). */
  signal?: AbortSignal;
}
