/**
 * proj4 definitions by EPSG code: WGS84 (4326), Web Mercator (3857) and WGS84 / UTM (326xx north,
 * 327xx south) are built in; other codes can be registered. Unknown codes fail with a clear message.
 */
import proj4 from 'proj4';
import { S2Error } from '../../errors.js';

const extra = new Map<number, string>();

/** Registers a proj4 definition for an EPSG code (e.g. a national grid a reference mask uses). */
export function registerCrs(epsg: number, definition: string): void {
  extra.set(epsg, definition);
}

/** The proj4 definition of an EPSG code when known (registered or built in), else undefined. */
export function knownCrsDefinition(epsg: number): string | undefined {
  const own = extra.get(epsg);
  if (own) return own;
  if (epsg === 4326) return '+proj=longlat +datum=WGS84 +no_defs';
  if (epsg === 3857) {
    return '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +no_defs';
  }
  const zone = epsg % 100;
  if ((Math.floor(epsg / 100) === 326 || Math.floor(epsg / 100) === 327) && zone >= 1 && zone <= 60) {
    const south = Math.floor(epsg / 100) === 327 ? ' +south' : '';
    return `+proj=utm +zone=${zone}${south} +datum=WGS84 +units=m +no_defs`;
  }
  return undefined;
}

/** The proj4 definition string of an EPSG code. */
export function crsDefinition(epsg: number): string {
  const known = knownCrsDefinition(epsg);
  if (known) return known;
  throw new S2Error(
    'INVALID_ARGUMENT',
    `EPSG:${epsg} is not known here (built in: 4326, 3857, UTM 326xx/327xx); register its proj4 definition first.`,
    { details: { epsg } },
  );
}

export type PointTransform = (x: number, y: number) => [number, number];

/** A transform from one EPSG CRS to another (identity when equal). */
export function transformer(from: number, to: number): PointTransform {
  if (from === to) return (x, y) => [x, y];
  const conv = proj4(crsDefinition(from), crsDefinition(to));
  return (x, y) => {
    const r = conv.forward([x, y]);
    return [r[0] ?? NaN, r[1] ?? NaN];
  };
}
