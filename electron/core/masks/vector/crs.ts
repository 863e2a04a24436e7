/**
 * CRS descriptions: EPSG codes we know by heart (WGS 84 and its UTM zones, which cover every
 * Sentinel-2 tile) and anything else from the file's WKT, which proj4 parses itself.
 */
import { S2Error } from '../../errors.js';
import { knownCrsDefinition } from '../adapters/crs.js';
import type { VectorCrs } from './types.js';

/** proj4 definition for the EPSG codes the mask adapters know (4326, 3857, UTM, registered). */
export function builtinProj4(epsg: number): string | undefined {
  return knownCrsDefinition(epsg);
}

/**
 * Best-effort EPSG code of a WKT: a top-level AUTHORITY/ID, else the ESRI-style names of WGS 84
 * and its UTM zones (ESRI .prj files carry no authority).
 */
export function epsgFromWkt(wkt: string): number | undefined {
  const trimmed = wkt.trim();
  // The top-level authority is the last one before the final closing bracket.
  const auth = /(?:AUTHORITY\["EPSG",\s*"?(\d+)"?\]|ID\["EPSG",\s*(\d+)\])\s*\]\s*$/i.exec(trimmed);
  if (auth) return Number(auth[1] ?? auth[2]);
  const wgs84 = /WGS[_ ]?(19)?84/i.test(trimmed);
  const utm = /^PROJ(?:CS|CRS)\["[^"]*UTM[_ ]zone[_ ](\d{1,2})([NS])"/i.exec(trimmed);
  if (utm && wgs84) return (utm[2]?.toUpperCase() === 'S' ? 32700 : 32600) + Number(utm[1]);
  if (/^GEOG(?:CS|CRS)\[/i.test(trimmed) && wgs84 && !/PROJ(CS|CRS)/i.test(trimmed)) return 4326;
  return undefined;
}

export function crsFromEpsg(epsg: number, wkt?: string, file?: string): VectorCrs {
  const def = builtinProj4(epsg) ?? wkt;
  if (def === undefined)
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file ?? 'The vector file'} uses EPSG:${epsg}, which is not built in (only EPSG:4326 and WGS 84 / UTM are) and has no WKT definition.`,
      { file, details: { epsg } },
    );
  return wkt === undefined ? { epsg, proj4: def } : { epsg, wkt, proj4: def };
}

export function crsFromWkt(wkt: string): VectorCrs {
  const epsg = epsgFromWkt(wkt);
  const builtin = epsg === undefined ? undefined : builtinProj4(epsg);
  // Prefer our exact proj string when the WKT is a known code: ESRI WKT parsing is lossy at times.
  return epsg === undefined ? { wkt, proj4: wkt } : { epsg, wkt, proj4: builtin ?? wkt };
}

/** A user-given CRS: an EPSG code, "EPSG:nnnn", a proj string or a WKT. */
export function crsFromUser(crs: number | string, file?: string): VectorCrs {
  if (typeof crs === 'number') return crsFromEpsg(crs, undefined, file);
  const m = /^\s*EPSG:(\d+)\s*$/i.exec(crs);
  if (m) return crsFromEpsg(Number(m[1]), undefined, file);
  if (crs.trim().startsWith('+')) return { proj4: crs.trim() };
  return crsFromWkt(crs);
}
