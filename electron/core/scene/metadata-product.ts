import { S2Error } from '../errors.js';
import { hasOffsets, parseBaseline, type Baseline } from './baseline.js';
import { attr, descendants, findText, rootElement, text, toNumber, type XmlNode } from './xml.js';
import { SPECTRAL_BANDS, type Mission, type ProcessingLevel, type SpectralBand } from './types.js';

/** An image named by the product XML: a path from the root (SAFE compact) or a bare id (PDGS). */
export type ImageRef = { kind: 'path'; value: string } | { kind: 'id'; value: string };

export interface ProductGranuleRef {
  /** Folder name under GRANULE/. */
  id: string;
  /** Tile from the granule identifier (…_T31TCJ_…), when it has one. */
  tileId: string | null;
  images: ImageRef[];
}

/** What the product-level XML (MTD_MSIL1C.xml, MTD_MSIL2A.xml, legacy MTD_SAFL1C) says. */
export interface ProductXmlInfo {
  level: ProcessingLevel;
  mission: Mission;
  format: 'SAFE_COMPACT' | 'PDGS_MULTI_GRANULE';
  productName: string;
  sensingTime: string;
  relativeOrbit: number;
  baseline: Baseline;
  quantificationValue: number;
  offsets: Record<SpectralBand, number>;
  aotQuantificationValue?: number;
  wvpQuantificationValue?: number;
  noDataValue: number;
  saturatedValue: number;
  footprint: Array<[number, number]>;
  cloudCover: number | null;
  granules: ProductGranuleRef[];
  warnings: string[];
}

const MISSIONS: Readonly<Record<string, Mission>> = {
  'SENTINEL-2A': 'S2A',
  'SENTINEL-2B': 'S2B',
  'SENTINEL-2C': 'S2C',
  'SENTINEL-2D': 'S2D',
};

/** Tile id inside an identifier such as S2A_OPER_MSI_L1C_TL_…_T31TCJ_N05.10. */
export function tileFromIdentifier(id: string): string | null {
  return /_T(\d{2}[A-Z]{3})(_|$)/.exec(id)?.[1] ?? null;
}

function level(root: { name: string; node: XmlNode }, file: string): ProcessingLevel {
  const fromRoot = /Level-(1B|1C|2A)/i.exec(root.name)?.[1];
  const fromText = /Level-(1B|1C|2A)/i.exec(findText(root.node, 'PROCESSING_LEVEL'))?.[1];
  const lvl = (fromRoot ?? fromText)?.toUpperCase();
  if (lvl === '1B') {
    throw new S2Error(
      'UNSUPPORTED_PRODUCT',
      `${file} is a Level-1B product (not orthorectified, in sensor geometry). Only Level-1C and Level-2A products can be opened.`,
      { file, details: { level: 'L1B' } },
    );
  }
  if (lvl === '1C') return 'L1C';
  if (lvl === '2A') return 'L2A';
  throw new S2Error('NOT_A_PRODUCT', `${file} is not Sentinel-2 Level-1C or Level-2A product metadata.`, {
    file,
  });
}

function required(node: XmlNode, name: string, file: string): string {
  const v = findText(node, name);
  if (v === '') throw new S2Error('BAD_METADATA', `${file} has no ${name}.`, { file });
  return v;
}

function requiredNumber(node: XmlNode, names: string[], file: string): number {
  for (const name of names) {
    const n = toNumber(findText(node, name));
    if (n !== null) return n;
  }
  throw new S2Error('BAD_METADATA', `${file} has no valid ${names.join(' or ')}.`, { file });
}

function optionalNumber(node: XmlNode, names: string[]): number | undefined {
  for (const name of names) {
    const n = toNumber(findText(node, name));
    if (n !== null) return n;
  }
  return undefined;
}

/** Per-band offsets from RADIO_ADD_OFFSET / BOA_ADD_OFFSET (band_id 0..12); zero where absent. */
function offsets(node: XmlNode, tag: string, file: string, warnings: string[]): Record<SpectralBand, number> {
  const out = Object.fromEntries(SPECTRAL_BANDS.map((b) => [b, 0])) as Record<SpectralBand, number>;
  const seen = new Set<SpectralBand>();
  for (const el of descendants(node, tag)) {
    const band = SPECTRAL_BANDS[Number(attr(el, 'band_id') ?? attr(el, 'bandId'))];
    const v = toNumber(text(el));
    if (band === undefined || v === null)
      throw new S2Error('BAD_METADATA', `${file} has a malformed ${tag}.`, { file });
    out[band] = v;
    seen.add(band);
  }
  if (seen.size > 0 && seen.size < SPECTRAL_BANDS.length) {
    const missing = SPECTRAL_BANDS.filter((b) => !seen.has(b));
    warnings.push(`${file} gives no ${tag} for ${missing.join(', ')}: 0 is used for them.`);
  }
  return out;
}

function specialValue(node: XmlNode, name: string, fallback: number): number {
  for (const sv of descendants(node, 'Special_Values')) {
    if (findText(sv, 'SPECIAL_VALUE_TEXT').toUpperCase() === name) {
      return toNumber(findText(sv, 'SPECIAL_VALUE_INDEX')) ?? fallback;
    }
  }
  return fallback;
}

/** EXT_POS_LIST is 'lat lon lat lon …'; GeoJSON order is [lon, lat], as a closed ring. */
export function parseFootprint(list: string): Array<[number, number]> {
  const n = list.trim() === '' ? [] : list.trim().split(/\s+/).map(Number);
  const ring: Array<[number, number]> = [];
  for (let i = 0; i + 1 < n.length; i += 2) {
    const lat = n[i] as number;
    const lon = n[i + 1] as number;
    if (Number.isFinite(lat) && Number.isFinite(lon)) ring.push([lon, lat]);
  }
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (first && last && (first[0] !== last[0] || first[1] !== last[1])) ring.push([first[0], first[1]]);
  return ring;
}

/** Granules and their images. MSIL2Ap repeats a granule once per resolution: merged by folder. */
function granules(node: XmlNode): ProductGranuleRef[] {
  const byId = new Map<string, ProductGranuleRef>();
  const elements = [...descendants(node, 'Granule'), ...descendants(node, 'Granules')];
  for (const g of elements) {
    const identifier = attr(g, 'granuleIdentifier') ?? '';
    const images: ImageRef[] = [];
    for (const tag of ['IMAGE_FILE', 'IMAGE_FILE_2A']) {
      for (const el of descendants(g, tag)) if (text(el)) images.push({ kind: 'path', value: text(el) });
    }
    for (const tag of ['IMAGE_ID', 'IMAGE_ID_2A']) {
      for (const el of descendants(g, tag)) if (text(el)) images.push({ kind: 'id', value: text(el) });
    }
    // SAFE compact: the folder is in the image paths (GRANULE/<folder>/IMG_DATA/…); PDGS: it is the identifier.
    const firstPath = images.find((i) => i.kind === 'path')?.value;
    const folder = firstPath ? (/^GRANULE\/([^/]+)\//.exec(firstPath)?.[1] ?? identifier) : identifier;
    if (folder === '') continue;
    const known = byId.get(folder);
    if (known) known.images.push(...images);
    else byId.set(folder, { id: folder, tileId: tileFromIdentifier(identifier), images });
  }
  return [...byId.values()];
}

/** Reads the product-level XML. `fallbackName` (the .SAFE folder name) is used when PRODUCT_URI is empty. */
export function parseProductXml(doc: XmlNode, file: string, fallbackName: string): ProductXmlInfo {
  const root = rootElement(doc);
  if (!root) throw new S2Error('BAD_METADATA', `${file} has no document element.`, { file });
  const lvl = level(root, file);
  const node = root.node;
  const warnings: string[] = [];

  const spacecraft = required(node, 'SPACECRAFT_NAME', file);
  const mission = MISSIONS[spacecraft.toUpperCase()];
  if (!mission) {
    throw new S2Error(
      'BAD_METADATA',
      `${file} names an unknown spacecraft '${spacecraft}' (expected Sentinel-2A…2D).`,
      {
        file,
      },
    );
  }
  const baseline = parseBaseline(findText(node, 'PROCESSING_BASELINE'), file);
  if (baseline.warning) warnings.push(baseline.warning);

  const offsetTag = lvl === 'L1C' ? 'RADIO_ADD_OFFSET' : 'BOA_ADD_OFFSET';
  const off = offsets(node, offsetTag, file, warnings);
  if (hasOffsets(baseline) && descendants(node, offsetTag).length === 0) {
    warnings.push(
      `${file} has baseline ${baseline.text} (≥ 04.00) but no ${offsetTag}: offsets of 0 are used.`,
    );
  }

  const uri = findText(node, 'PRODUCT_URI') || findText(node, 'PRODUCT_URI_2A');
  const relOrbit = toNumber(required(node, 'SENSING_ORBIT_NUMBER', file));
  if (relOrbit === null)
    throw new S2Error('BAD_METADATA', `${file} has a malformed SENSING_ORBIT_NUMBER.`, { file });
  const gr = granules(node);
  if (gr.length === 0)
    throw new S2Error('BAD_METADATA', `${file} lists no granules (Granule_List).`, { file });
  const cloud = toNumber(findText(node, 'Cloud_Coverage_Assessment'));

  const info: ProductXmlInfo = {
    level: lvl,
    mission,
    format: gr.some((g) => g.images.some((i) => i.kind === 'path')) ? 'SAFE_COMPACT' : 'PDGS_MULTI_GRANULE',
    productName: (uri || fallbackName).replace(/\.(SAFE|zip)$/i, ''),
    sensingTime: findText(node, 'PRODUCT_START_TIME') || required(node, 'DATATAKE_SENSING_START', file),
    relativeOrbit: relOrbit,
    baseline,
    quantificationValue:
      lvl === 'L1C'
        ? requiredNumber(node, ['QUANTIFICATION_VALUE'], file)
        : requiredNumber(node, ['BOA_QUANTIFICATION_VALUE', 'L2A_BOA_QUANTIFICATION_VALUE'], file),
    offsets: off,
    noDataValue: specialValue(node, 'NODATA', 0),
    saturatedValue: specialValue(node, 'SATURATED', 65535),
    footprint: parseFootprint(findText(node, 'EXT_POS_LIST')),
    cloudCover: cloud,
    granules: gr,
    warnings,
  };
  if (lvl === 'L2A') {
    const aot = optionalNumber(node, ['AOT_QUANTIFICATION_VALUE', 'L2A_AOT_QUANTIFICATION_VALUE']);
    const wvp = optionalNumber(node, ['WVP_QUANTIFICATION_VALUE', 'L2A_WVP_QUANTIFICATION_VALUE']);
    if (aot !== undefined) info.aotQuantificationValue = aot;
    if (wvp !== undefined) info.wvpQuantificationValue = wvp;
  }
  return info;
}
