/**
 * OGC WKT (version 1, as GDAL writes it into gpkg_spatial_ref_sys) for the CRSs labels are
 * written in: WGS 84 and its UTM zones, which cover every Sentinel-2 tile. Other codes get the
 * GeoPackage's "undefined" definition with their EPSG code, which GDAL and QGIS resolve by code.
 */

const WGS84_GEOGCS =
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],' +
  'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],' +
  'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]';

/** The CRS's name and WKT, or undefined outside WGS 84 and its UTM zones. */
export function wktForEpsg(epsg: number): { name: string; wkt: string } | undefined {
  if (epsg === 4326) return { name: 'WGS 84', wkt: WGS84_GEOGCS };
  const north = epsg > 32600 && epsg <= 32660;
  const south = epsg > 32700 && epsg <= 32760;
  if (!north && !south) return undefined;
  const zone = epsg % 100;
  const name = `WGS 84 / UTM zone ${zone}${north ? 'N' : 'S'}`;
  const wkt =
    `PROJCS["${name}",${WGS84_GEOGCS},PROJECTION["Transverse_Mercator"],` +
    `PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",${zone * 6 - 183}],` +
    `PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],` +
    `PARAMETER["false_northing",${north ? 0 : 10000000}],UNIT["metre",1,AUTHORITY["EPSG","9001"]],` +
    `AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","${epsg}"]]`;
  return { name, wkt };
}
