/**
 * Parses a THEIA product's *_MTD_ALL.xml (root Muscate_Metadata_Document). Paths followed, as
 * THEIA's "Sentinel-2 L2A product format" page and the MUSCATE readers (SNAP's muscate reader,
 * sen2like's MAJA reader) read them:
 *   Product_Characteristics/{PRODUCT_ID, ACQUISITION_DATE, PRODUCT_VERSION, PRODUCT_LEVEL, PLATFORM, ORBIT_NUMBER}
 *   Dataset_Identification/GEOGRAPHICAL_ZONE[@type=Tile]
 *   Product_Organisation/Muscate_Product/Image_List/Image/{Image_Properties/NATURE, Image_File_List/IMAGE_FILE[@band_id]}
 *   Product_Organisation/Muscate_Product/Mask_List/Mask/{Mask_Properties/NATURE, Mask_File_List/MASK_FILE[@group_id|@band_id]}
 *   Geoposition_Informations/Coordinate_Reference_System/Horizontal_Coordinate_System/{HORIZONTAL_CS_CODE, HORIZONTAL_CS_NAME}
 *   Geoposition_Informations/Geopositioning/Group_Geopositioning_List/Group_Geopositioning[@group_id=R1|R2]/{ULX, ULY, XDIM, YDIM, NROWS, NCOLS}
 *   Geoposition_Informations/Geopositioning/Global_Geopositioning/Point[@name]/{LAT, LON}
 *   Geometric_Informations/{Mean_Value_List/Sun_Angles, Angles_Grids_List/Sun_Angles_Grids}
 *   Radiometric_Informations/{REFLECTANCE_QUANTIFICATION_VALUE, Special_Values_List/SPECIAL_VALUE[@name=nodata]}
 *   Quality_Informations/…/QUALITY_INDEX[@name=CloudPercent]
 */
import { S2Error } from '../../errors.js';
import type { Grid } from '../../raster/grid.js';
import { parseAngleGrid } from '../angles.js';
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
} from '../xml.js';
import type { Mission, Resolution, SpectralBand, SunAngles } from '../types.js';
import { groupResolution, MASK_NATURES, theiaBand } from './names.js';
import type { QiMaskKind } from '../types.js';

export interface TheiaImageFile {
  /** Path relative to the product root, as listed. */
  path: string;
  band: SpectralBand | null;
  /** From group_id (R1/R2), when given. */
  resolution: Resolution | null;
}

export interface TheiaMetadata {
  productName: string;
  mission: Mission;
  platform: string;
  productVersion: string;
  sensingTime: string;
  tileId: string;
  relativeOrbit: number;
  epsg: number;
  crsName: string;
  grids: Partial<Record<Resolution, Grid>>;
  quantificationValue: number;
  noDataValue: number;
  aotQuantificationValue?: number;
  wvpQuantificationValue?: number;
  footprint: Array<[number, number]>;
  cloudCover: number | null;
  sun: SunAngles | null;
  /** Native resolution per band, from Spectral_Band_Informations. */
  bandResolutions: Partial<Record<SpectralBand, Resolution>>;
  /** Image files by NATURE (Flat_Reflectance, Surface_Reflectance, …). */
  images: Map<string, TheiaImageFile[]>;
  masks: Array<{ kind: QiMaskKind; file: TheiaImageFile }>;
  warnings: string[];
}

const MISSIONS: Readonly<Record<string, Mission>> = {
  SENTINEL2A: 'S2A',
  SENTINEL2B: 'S2B',
  SENTINEL2C: 'S2C',
  SENTINEL2D: 'S2D',
};

function bad(file: string, what: string): S2Error {
  return new S2Error('BAD_METADATA', `${file}: ${what}`, { file });
}

/** A number the product cannot be read without: its absence is an error naming the field. */
function required(node: XmlNode | undefined, name: string, file: string, where: string): number {
  const v = toNumber(text(node));
  if (v === null) throw bad(file, `${where} has no valid ${name}.`);
  return v;
}

function parseGrids(geo: XmlNode | undefined, epsg: number, file: string): Partial<Record<Resolution, Grid>> {
  const grids: Partial<Record<Resolution, Grid>> = {};
  const groups = children(at(geo, 'Geopositioning', 'Group_Geopositioning_List'), 'Group_Geopositioning');
  for (const g of groups) {
    const id = attr(g, 'group_id') ?? '';
    const res = groupResolution(id);
    if (res === null) continue;
    const where = `Group_Geopositioning ${id}`;
    const ulx = required(at(g, 'ULX'), 'ULX', file, where);
    const uly = required(at(g, 'ULY'), 'ULY', file, where);
    const xdim = required(at(g, 'XDIM'), 'XDIM', file, where);
    const ydim = required(at(g, 'YDIM'), 'YDIM', file, where);
    const rows = required(at(g, 'NROWS'), 'NROWS', file, where);
    const cols = required(at(g, 'NCOLS'), 'NCOLS', file, where);
    if (Math.abs(Math.abs(xdim) - res) > 1e-6 || Math.abs(Math.abs(ydim) - res) > 1e-6) {
      throw bad(file, `${where} gives ${xdim} x ${ydim} m pixels, not ${res} m.`);
    }
    if (
      !Number.isInteger(rows) ||
      !Number.isInteger(cols) ||
      rows <= 0 ||
      cols <= 0 ||
      rows > 1e5 ||
      cols > 1e5
    ) {
      throw bad(file, `${where} gives an impossible size of ${cols} x ${rows} pixels.`);
    }
    // YDIM is negative (north up); a positive one would flip the image.
    grids[res] = { epsg, width: cols, height: rows, transform: [ulx, xdim, 0, uly, 0, -Math.abs(ydim)] };
  }
  if (!grids[10] && !grids[20]) {
    throw bad(
      file,
      'Geoposition_Informations has no Group_Geopositioning for R1 (10 m) or R2 (20 m): the grid cannot be read.',
    );
  }
  return grids;
}

function parseFootprint(geo: XmlNode | undefined): Array<[number, number]> {
  const points = children(at(geo, 'Geopositioning', 'Global_Geopositioning'), 'Point');
  const order = ['upperLeft', 'upperRight', 'lowerRight', 'lowerLeft'];
  const ring: Array<[number, number]> = [];
  for (const name of order) {
    const p = points.find((q) => attr(q, 'name') === name);
    const lon = toNumber(text(at(p, 'LON')));
    const lat = toNumber(text(at(p, 'LAT')));
    if (lon === null || lat === null) return [];
    ring.push([lon, lat]);
  }
  ring.push(ring[0] as [number, number]);
  return ring;
}

function parseSun(node: XmlNode | undefined): SunAngles | null {
  const mean = at(node, 'Mean_Value_List', 'Sun_Angles');
  const zenithMean = toNumber(text(at(mean, 'ZENITH_ANGLE')));
  const azimuthMean = toNumber(text(at(mean, 'AZIMUTH_ANGLE')));
  if (zenithMean === null || azimuthMean === null) return null;
  const grids = at(node, 'Angles_Grids_List', 'Sun_Angles_Grids');
  return {
    zenithMean,
    azimuthMean,
    zenith: parseAngleGrid(at(grids, 'Zenith')),
    azimuth: parseAngleGrid(at(grids, 'Azimuth')),
  };
}

/** Listed file paths are relative to the product root; anything that escapes it is refused. */
function safeRelative(path: string, file: string): string {
  const p = path.trim().replace(/\\/g, '/').replace(/^\.\//, '');
  if (p === '' || p.startsWith('/') || /^[a-z]:/i.test(p) || p.split('/').includes('..')) {
    throw bad(file, `lists a file outside the product ("${p.slice(0, 200)}").`);
  }
  return p;
}

function imageFiles(
  node: XmlNode | undefined,
  listName: string,
  fileName: string,
  file: string,
): TheiaImageFile[] {
  return children(at(node, listName), fileName).map((f) => ({
    path: safeRelative(text(f), file),
    band: theiaBand(attr(f, 'band_id') ?? ''),
    resolution: groupResolution(attr(f, 'group_id') ?? ''),
  }));
}

/** Reads the metadata of a THEIA L2A product; `file` names it in messages. */
export function parseTheiaMetadata(doc: XmlNode, file: string): TheiaMetadata {
  const root = rootElement(doc);
  if (!root || root.name !== 'Muscate_Metadata_Document') {
    throw new S2Error(
      'NOT_A_PRODUCT',
      `${file} is not THEIA (MUSCATE) product metadata: its root element is ${root ? `<${root.name}>` : 'missing'}, not <Muscate_Metadata_Document>.`,
      { file },
    );
  }
  const node = root.node;
  const warnings: string[] = [];
  const pc = at(node, 'Product_Characteristics');
  const level = text(at(pc, 'PRODUCT_LEVEL')).toUpperCase();
  if (level !== 'L2A') {
    throw new S2Error(
      'UNSUPPORTED_PRODUCT',
      `${file} is a THEIA ${level || 'product of unknown level'}, not an L2A product: only THEIA L2A (MAJA) products can be opened.`,
      { file, details: { level } },
    );
  }
  const productName = text(at(pc, 'PRODUCT_ID'));
  if (productName === '') throw bad(file, 'Product_Characteristics has no PRODUCT_ID.');
  const platform = text(at(pc, 'PLATFORM')).toUpperCase().replace(/[-_ ]/g, '');
  const mission = MISSIONS[platform];
  if (!mission) {
    throw new S2Error(
      'UNSUPPORTED_PRODUCT',
      `${file}: PLATFORM "${platform.slice(0, 40)}" is not Sentinel-2 (THEIA L2A products of other satellites, e.g. Landsat or VENµS, are not supported).`,
      { file },
    );
  }
  const sensingTime = text(at(pc, 'ACQUISITION_DATE'));
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(sensingTime) || Number.isNaN(Date.parse(sensingTime))) {
    throw bad(file, `ACQUISITION_DATE "${sensingTime.slice(0, 40)}" is not a date.`);
  }
  const zone = children(at(node, 'Dataset_Identification'), 'GEOGRAPHICAL_ZONE').find(
    (z) => (attr(z, 'type') ?? 'Tile') === 'Tile',
  );
  const tileId =
    /^T?(\d{2}[A-Z]{3})$/.exec(text(zone))?.[1] ?? /_T(\d{2}[A-Z]{3})_/.exec(productName)?.[1] ?? null;
  if (tileId === null) throw bad(file, 'names no tile (GEOGRAPHICAL_ZONE or _Txxxxx_ in PRODUCT_ID).');
  const orbit = toNumber(text(at(pc, 'ORBIT_NUMBER')));

  const geo = at(node, 'Geoposition_Informations');
  const hcs = at(geo, 'Coordinate_Reference_System', 'Horizontal_Coordinate_System');
  const epsg = toNumber(/(\d{4,5})\s*$/.exec(text(at(hcs, 'HORIZONTAL_CS_CODE')))?.[1] ?? '');
  if (epsg === null) throw bad(file, 'Horizontal_Coordinate_System has no HORIZONTAL_CS_CODE (EPSG).');
  const grids = parseGrids(geo, epsg, file);

  const radio = at(node, 'Radiometric_Informations');
  const q = required(
    at(radio, 'REFLECTANCE_QUANTIFICATION_VALUE'),
    'REFLECTANCE_QUANTIFICATION_VALUE',
    file,
    'Radiometric_Informations',
  );
  if (q <= 0) throw bad(file, `REFLECTANCE_QUANTIFICATION_VALUE is ${q}.`);
  const special = children(at(radio, 'Special_Values_List'), 'SPECIAL_VALUE');
  const noDataText = text(special.find((s) => attr(s, 'name') === 'nodata'));
  let noDataValue = toNumber(noDataText);
  if (noDataValue === null) {
    noDataValue = -10000;
    warnings.push(`${file} gives no nodata SPECIAL_VALUE: -10000 (THEIA's documented value) is used.`);
  }
  const bandResolutions: Partial<Record<SpectralBand, Resolution>> = {};
  for (const b of children(at(radio, 'Spectral_Band_Informations_List'), 'Spectral_Band_Informations')) {
    const band = theiaBand(attr(b, 'band_id') ?? '');
    const r = toNumber(text(at(b, 'SPATIAL_RESOLUTION')));
    if (band && (r === 10 || r === 20 || r === 60)) bandResolutions[band] = r;
  }

  const org = at(node, 'Product_Organisation', 'Muscate_Product');
  const images = new Map<string, TheiaImageFile[]>();
  for (const img of children(at(org, 'Image_List'), 'Image')) {
    const nature = text(at(img, 'Image_Properties', 'NATURE'));
    images.set(nature, [
      ...(images.get(nature) ?? []),
      ...imageFiles(img, 'Image_File_List', 'IMAGE_FILE', file),
    ]);
  }
  const masks: TheiaMetadata['masks'] = [];
  for (const m of children(at(org, 'Mask_List'), 'Mask')) {
    const kind = MASK_NATURES[text(at(m, 'Mask_Properties', 'NATURE'))];
    if (!kind) continue;
    for (const f of imageFiles(m, 'Mask_File_List', 'MASK_FILE', file)) masks.push({ kind, file: f });
  }

  const cloud = descendants(at(node, 'Quality_Informations'), 'QUALITY_INDEX').find(
    (x) => attr(x, 'name') === 'CloudPercent',
  );
  const meta: TheiaMetadata = {
    productName,
    mission,
    platform,
    productVersion: text(at(pc, 'PRODUCT_VERSION')) || findText(node, 'PRODUCT_VERSION'),
    sensingTime,
    tileId,
    relativeOrbit: orbit !== null && orbit >= 1 && orbit <= 143 ? orbit : 0,
    epsg,
    crsName: text(at(hcs, 'HORIZONTAL_CS_NAME')),
    grids,
    quantificationValue: q,
    noDataValue,
    footprint: parseFootprint(geo),
    cloudCover: toNumber(text(cloud)),
    sun: parseSun(at(node, 'Geometric_Informations')),
    bandResolutions,
    images,
    masks,
    warnings,
  };
  const aot = toNumber(text(at(radio, 'AEROSOL_OPTICAL_THICKNESS_QUANTIFICATION_VALUE')));
  const wvc = toNumber(text(at(radio, 'WATER_VAPOR_CONTENT_QUANTIFICATION_VALUE')));
  if (aot !== null) meta.aotQuantificationValue = aot;
  if (wvc !== null) meta.wvpQuantificationValue = wvc;
  return meta;
}
