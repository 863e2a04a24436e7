import { S2Error } from '../errors.js';
import type { Grid } from '../raster/grid.js';
import { parseSunAngles, parseViewingAngles } from './angles.js';
import { tileFromIdentifier } from './metadata-product.js';
import {
  at,
  attr,
  children,
  descendants,
  findText,
  rootElement,
  text,
  toNumber,
  type XmlNode,
} from './xml.js';
import type { Resolution, SunAngles, ViewingAngles } from './types.js';

/** A QI mask as MTD_TL.xml names it: a path from the product root, or a bare file name (old baselines). */
export interface ListedMask {
  type: string;
  bandId?: number;
  name: string;
}

/** What the granule XML (MTD_TL.xml or legacy S2A_OPER_MTD_L1C_TL_*.xml) says. */
export interface TileXmlInfo {
  tileId: string | null;
  epsg: number;
  crsName: string;
  grids: Partial<Record<Resolution, Grid>>;
  sun: SunAngles | null;
  viewing: ViewingAngles[];
  masks: ListedMask[];
}

const RESOLUTIONS: readonly Resolution[] = [10, 20, 60];

/** Ground width of a Sentinel-2 tile (10980 px at 10 m). */
const TILE_METRES = 109_800;

/** A grid side: a whole number of pixels, at most twice a tile's width on the ground. */
function validSide(px: number, res: Resolution): boolean {
  return Number.isInteger(px) && px >= 1 && px * res <= 2 * TILE_METRES;
}

function grids(
  geocoding: XmlNode | undefined,
  epsg: number,
  file: string,
): Partial<Record<Resolution, Grid>> {
  const out: Partial<Record<Resolution, Grid>> = {};
  for (const res of RESOLUTIONS) {
    const size = children(geocoding, 'Size').find((s) => attr(s, 'resolution') === String(res));
    const pos = children(geocoding, 'Geoposition').find((g) => attr(g, 'resolution') === String(res));
    if (!size || !pos) continue;
    const n = (node: XmlNode, name: string): number => {
      const v = toNumber(text(at(node, name)));
      if (v === null)
        throw new S2Error('BAD_METADATA', `${file}: ${name} at ${res} m is missing or not a number.`, {
          file,
        });
      return v;
    };
    const width = n(size, 'NCOLS');
    const height = n(size, 'NROWS');
    // Every size later allocated comes from here: a damaged or hostile value stops now, in words,
    // not as "Invalid typed array length" or an out-of-memory kill in the middle of a run.
    if (!validSide(width, res) || !validSide(height, res)) {
      throw new S2Error(
        'BAD_METADATA',
        `${file}: the ${res} m grid is declared ${width} x ${height} pixels; a Sentinel-2 tile is ` +
          `109.8 km across (${TILE_METRES / res} px at ${res} m), so the metadata is damaged or not from Sentinel-2.`,
        { file, details: { resolution: res, width, height } },
      );
    }
    // GDAL order; ULX/ULY are the outer corner of the top-left pixel.
    out[res] = {
      epsg,
      width,
      height,
      transform: [n(pos, 'ULX'), n(pos, 'XDIM'), 0, n(pos, 'ULY'), 0, n(pos, 'YDIM')],
    };
  }
  return out;
}

function listedMasks(node: XmlNode): ListedMask[] {
  const out: ListedMask[] = [];
  for (const el of descendants(node, 'MASK_FILENAME')) {
    const name = text(el);
    if (name === '') continue;
    const band = attr(el, 'bandId');
    out.push({ type: attr(el, 'type') ?? '', name, ...(band !== undefined ? { bandId: Number(band) } : {}) });
  }
  return out;
}

/** Reads the granule XML: CRS, per-resolution grids, angles and listed QI masks. */
export function parseTileXml(doc: XmlNode, file: string): TileXmlInfo {
  const root = rootElement(doc);
  if (!root || !/Tile_ID/i.test(root.name)) {
    throw new S2Error('BAD_METADATA', `${file} is not Sentinel-2 tile metadata (no *_Tile_ID element).`, {
      file,
    });
  }
  const node = root.node;
  const geocoding = at(node, 'Geometric_Info', 'Tile_Geocoding');
  const code = text(at(geocoding, 'HORIZONTAL_CS_CODE'));
  const epsg = Number(/^EPSG:(\d+)$/i.exec(code)?.[1]);
  if (!Number.isInteger(epsg)) {
    throw new S2Error('BAD_METADATA', `${file} has no usable HORIZONTAL_CS_CODE (found '${code}').`, {
      file,
    });
  }
  const g = grids(geocoding, epsg, file);
  if (Object.keys(g).length === 0) {
    throw new S2Error('BAD_METADATA', `${file} has no Size/Geoposition for 10, 20 or 60 m.`, { file });
  }
  const angles = at(node, 'Geometric_Info', 'Tile_Angles');
  return {
    tileId: tileFromIdentifier(findText(node, 'TILE_ID') || findText(node, 'TILE_ID_2A')),
    epsg,
    crsName: text(at(geocoding, 'HORIZONTAL_CS_NAME')),
    grids: g,
    sun: parseSunAngles(angles),
    viewing: parseViewingAngles(angles),
    masks: listedMasks(at(node, 'Quality_Indicators_Info') ?? {}),
  };
}
