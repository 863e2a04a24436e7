import type { Grid } from '../grid.js';
import { FieldType, Tag, type IfdEntry } from './tags.js';

// GeoTIFF 1.0 key ids and values.
const GTModelTypeGeoKey = 1024;
const GTRasterTypeGeoKey = 1025;
const GeographicTypeGeoKey = 2048;
const ProjectedCSTypeGeoKey = 3072;
const ModelTypeProjected = 1;
const ModelTypeGeographic = 2;
const RasterPixelIsArea = 1;

/**
 * EPSG codes of common geographic 2D CRSs. Without a CRS database we cannot classify every code;
 * Sentinel-2 grids are UTM (326xx/327xx), so anything not listed here is written as projected.
 */
const GEOGRAPHIC_EPSG: ReadonlySet<number> = new Set([4326, 4258, 4269, 4267, 4230, 4283, 4617, 4674, 4148]);

export function isGeographicEpsg(epsg: number): boolean {
  return GEOGRAPHIC_EPSG.has(epsg);
}

/** GeoKeyDirectory: model type, PixelIsArea, and the EPSG code of the CRS. */
export function geoKeyEntries(epsg: number): IfdEntry[] {
  const geographic = isGeographicEpsg(epsg);
  const keys: [number, number, number, number][] = [
    [GTModelTypeGeoKey, 0, 1, geographic ? ModelTypeGeographic : ModelTypeProjected],
    [GTRasterTypeGeoKey, 0, 1, RasterPixelIsArea],
    [geographic ? GeographicTypeGeoKey : ProjectedCSTypeGeoKey, 0, 1, epsg],
  ];
  // Header: KeyDirectoryVersion 1, KeyRevision 1.0, number of keys; keys sorted by id.
  const values = [1, 1, 0, keys.length, ...keys.flat()];
  return [{ tag: Tag.GeoKeyDirectory, type: FieldType.SHORT, values }];
}

/**
 * The grid's affine transform as GeoTIFF tags: pixel scale + tie point for north-up grids,
 * a full ModelTransformation matrix when the transform has rotation terms. The tie point maps
 * the outer corner of pixel (0, 0) (PixelIsArea) to (originX, originY), as GDAL writes it.
 */
export function transformEntries(grid: Grid): IfdEntry[] {
  const [ox, pw, rx, oy, ry, ph] = grid.transform;
  if (rx === 0 && ry === 0 && ph < 0) {
    return [
      { tag: Tag.ModelPixelScale, type: FieldType.DOUBLE, values: [pw, -ph, 0] },
      { tag: Tag.ModelTiepoint, type: FieldType.DOUBLE, values: [0, 0, 0, ox, oy, 0] },
    ];
  }
  return [
    {
      tag: Tag.ModelTransformation,
      type: FieldType.DOUBLE,
      values: [pw, rx, 0, ox, ry, ph, 0, oy, 0, 0, 0, 0, 0, 0, 0, 1],
    },
  ];
}
