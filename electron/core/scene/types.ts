import type { ByteSource } from '../raster/byte-source.js';
import type { Grid } from '../raster/grid.js';
import type { S2ErrorData } from '../errors.js';

export type ProcessingLevel = 'L1C' | 'L2A';
export type Resolution = 10 | 20 | 60;
export type Mission = 'S2A' | 'S2B' | 'S2C' | 'S2D';

/** The 13 MSI bands, by their Sentinel-2 names, in the order ESA numbers them (band id 0..12). */
export const SPECTRAL_BANDS = [
  'B01',
  'B02',
  'B03',
  'B04',
  'B05',
  'B06',
  'B07',
  'B08',
  'B8A',
  'B09',
  'B10',
  'B11',
  'B12',
] as const;
export type SpectralBand = (typeof SPECTRAL_BANDS)[number];

/** Native resolution of each spectral band. */
export const NATIVE_RESOLUTION: Readonly<Record<SpectralBand, Resolution>> = {
  B01: 60,
  B02: 10,
  B03: 10,
  B04: 10,
  B05: 20,
  B06: 20,
  B07: 20,
  B08: 10,
  B8A: 20,
  B09: 60,
  B10: 60,
  B11: 20,
  B12: 20,
};

/** Image layers other than spectral bands (TCI in L1C/L2A; SCL, AOT, WVP in L2A). */
export type AuxLayer = 'TCI' | 'SCL' | 'AOT' | 'WVP';
export type LayerName = SpectralBand | AuxLayer;

/** One image file of the product: a band (or TCI/SCL/AOT/WVP) at one resolution. */
export interface BandEntry {
  name: LayerName;
  resolution: Resolution;
  /** Path relative to the product root (the .SAFE folder, or inside the zip), with '/' separators. */
  path: string;
}

export type QiMaskKind =
  | 'MSK_CLASSI' // L1C/L2A baseline >= 04.00: raster, bands opaque / cirrus / snow
  | 'MSK_CLOUDS_GML' // baselines < 04.00: GML polygons OPAQUE / CIRRUS
  | 'MSK_CLDPRB' // L2A cloud probability 0..100 (20 m and 60 m)
  | 'MSK_SNWPRB' // L2A snow probability 0..100
  | 'MSK_DETFOO' // detector footprint, per band
  | 'MSK_QUALIT' // per-band quality masks (baseline >= 04.00)
  // THEIA / MAJA L2A (GeoTIFF, MASKS/ folder), at R1 = 10 m and R2 = 20 m:
  | 'MAJA_CLM' // cloud mask, 8 bits (masks/adapters/maja.ts)
  | 'MAJA_EDG' // edge mask: 1 outside the image (no data)
  | 'MAJA_MG2' // geophysical mask, 8 bits: water, clouds, snow, shadows, topography, sun
  | 'MAJA_SAT' // saturation, one bit per band
  | 'MAJA_DFP' // defective pixels, one bit per band
  | 'MAJA_IAB'; // where water vapour and AOT were interpolated

export interface QiMaskEntry {
  kind: QiMaskKind;
  /** For per-band masks (DETFOO, QUALIT). */
  band?: SpectralBand;
  /** Resolution where it is fixed by the product (CLDPRB/SNWPRB 20/60 m, MSK_CLASSI 60 m). */
  resolution?: Resolution;
  format: 'jp2' | 'gml' | 'tif';
  path: string;
}

/** An angle grid as given in MTD_TL.xml: values on a regular grid (usually 5000 m steps, 23x23). */
export interface AngleGrid {
  /** Grid spacing in metres (COL_STEP, ROW_STEP). */
  colStep: number;
  rowStep: number;
  rows: number;
  cols: number;
  /** Row-major, NaN where the source has NaN (outside a detector). */
  values: number[];
}

export interface SunAngles {
  zenithMean: number;
  azimuthMean: number;
  zenith: AngleGrid;
  azimuth: AngleGrid;
}

export interface ViewingAngles {
  band: SpectralBand;
  zenithMean: number;
  azimuthMean: number;
  /** Detectors merged into one grid (first non-NaN value per node, as GDAL does). */
  zenith: AngleGrid;
  azimuth: AngleGrid;
}

export interface Granule {
  /** Granule folder name under GRANULE/. */
  id: string;
  /** e.g. '31TCJ' when known. */
  tileId: string | null;
  /** Path of its MTD_TL.xml (or legacy S2A_OPER_MTD_L1C_TL_*.xml), relative to the product root. */
  metadataPath: string;
}

export interface ProductMetadata {
  /** Product name, e.g. S2A_MSIL1C_20240120T105341_N0510_R051_T31TCJ_20240120T125244 (from the XML's PRODUCT_URI when present). */
  productName: string;
  mission: Mission;
  level: ProcessingLevel;
  /**
   * How the product is stored: ESA SAFE (JPEG 2000 bands, MTD_MSIL*.xml + MTD_TL.xml), or THEIA's
   * MUSCATE format (MAJA L2A: GeoTIFF bands, *_MTD_ALL.xml; see scene/theia/).
   */
  format: 'SAFE_COMPACT' | 'PDGS_MULTI_GRANULE' | 'THEIA_MUSCATE';
  /** THEIA products only: which reflectance the bands are (see scene/theia/open.ts). */
  theia?: TheiaInfo;
  /** ISO 8601 (PRODUCT_START_TIME / SENSING_TIME). */
  sensingTime: string;
  /** The tile of the selected granule, e.g. '31TCJ'. */
  tileId: string;
  relativeOrbit: number;
  /** As written in the XML, e.g. '05.10'. */
  processingBaseline: string;
  /** QUANTIFICATION_VALUE (L1C) or BOA_QUANTIFICATION_VALUE (L2A); 10000 on every baseline so far. */
  quantificationValue: number;
  /** RADIO_ADD_OFFSET (L1C) or BOA_ADD_OFFSET (L2A) per band; 0 before baseline 04.00. */
  offsets: Record<SpectralBand, number>;
  /** L2A only: AOT and WVP quantification values. */
  aotQuantificationValue?: number;
  wvpQuantificationValue?: number;
  noDataValue: number;
  saturatedValue: number;
  epsg: number;
  /** Horizontal CS name from MTD_TL.xml, e.g. 'WGS84 / UTM zone 31N'. */
  crsName: string;
  /** Per resolution, from MTD_TL.xml Geoposition (ULX, ULY, XDIM, YDIM) and Size. */
  grids: Partial<Record<Resolution, Grid>>;
  /** Product footprint in WGS84 as [lon, lat] pairs (closed ring), from Global_Footprint. */
  footprint: Array<[number, number]>;
  /** Cloud_Coverage_Assessment, percent. */
  cloudCover: number | null;
  sun: SunAngles | null;
  viewing: ViewingAngles[];
  /** Granules in the product (one for SAFE compact). */
  granules: Granule[];
  /** The granule this product handle reads. */
  granule: Granule;
}

/** What only a THEIA (MUSCATE) product has. */
export interface TheiaInfo {
  /** FRE: flat reflectance (slope-corrected, the default); SRE: surface reflectance. */
  reflectance: 'FRE' | 'SRE';
  /** PRODUCT_VERSION, e.g. '2.2' (also in the folder name: _V2-2). */
  productVersion: string;
  /** PLATFORM as written, e.g. 'SENTINEL2A'. */
  platform: string;
}

/** An opened product (one granule of it). Holds open file handles until close(). */
export interface Product {
  /** What the user opened (folder, zip or XML path). */
  sourcePath: string;
  /** The product root: the .SAFE folder, or the zip plus its inner root. */
  rootName: string;
  metadata: ProductMetadata;
  bands: BandEntry[];
  masks: QiMaskEntry[];
  /** Problems that do not stop the product from opening (e.g. a missing band file). */
  warnings: string[];
  /** A ByteSource for a file of the product, by path relative to the root. */
  open(path: string): Promise<ByteSource>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** For multi-granule products: which granule (folder id or tile id). Default: the first. */
  granule?: string;
  /** THEIA products: read the flat (FRE, default) or the surface (SRE) reflectance. */
  theiaReflectance?: 'FRE' | 'SRE';
}

/** One result of folder discovery: an opened-and-summarised product, or why it could not be. */
export type DiscoveryEntry =
  | {
      path: string;
      ok: true;
      metadata: ProductMetadata;
      bands: BandEntry[];
      masks: QiMaskEntry[];
      warnings: string[];
    }
  | { path: string; ok: false; error: S2ErrorData };
