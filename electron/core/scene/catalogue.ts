import type { ProductGranuleRef } from './metadata-product.js';
import type { ListedMask } from './metadata-tile.js';
import { baseOf, joinPath } from './product-files.js';
import {
  NATIVE_RESOLUTION,
  SPECTRAL_BANDS,
  type AuxLayer,
  type BandEntry,
  type LayerName,
  type ProcessingLevel,
  type QiMaskEntry,
  type QiMaskKind,
  type Resolution,
  type SpectralBand,
} from './types.js';

export interface Catalogue {
  bands: BandEntry[];
  masks: QiMaskEntry[];
  warnings: string[];
}

export interface CatalogueInput {
  level: ProcessingLevel;
  granule: ProductGranuleRef;
  /** Files of the product, relative to its root. */
  paths: ReadonlySet<string>;
  listedMasks: ListedMask[];
  /** For warnings: the product root as the user knows it. */
  rootName: string;
}

const AUX: readonly AuxLayer[] = ['TCI', 'SCL', 'AOT', 'WVP'];
const isSpectral = (t: string): t is SpectralBand => (SPECTRAL_BANDS as readonly string[]).includes(t);
const isAux = (t: string): t is AuxLayer => (AUX as readonly string[]).includes(t);
const toResolution = (s: string | undefined): Resolution | undefined =>
  s === '10' ? 10 : s === '20' ? 20 : s === '60' ? 60 : undefined;

/** What an image id names: a layer, an old-style L2A probability mask (CLD/SNW), or something else. */
type ImageKind =
  | { kind: 'layer'; name: LayerName; resolution?: Resolution }
  | { kind: 'mask'; mask: 'MSK_CLDPRB' | 'MSK_SNWPRB'; resolution?: Resolution }
  | { kind: 'other' };

/**
 * The band of an image listed in the product XML. IMAGE_FILE entries carry no band attribute, so
 * the band is the file's band token (…_B04, …_B8A_20m, S2A_USER_SCL_L2A_T32TQR_60m) and the
 * resolution its _NNm suffix or R<NN>m folder.
 */
export function classifyImage(path: string): ImageKind {
  const tokens = baseOf(path)
    .replace(/\.jp2$/i, '')
    .split('_');
  let resolution = toResolution(/^(\d+)m$/.exec(tokens[tokens.length - 1] ?? '')?.[1]);
  if (resolution !== undefined) tokens.pop();
  resolution ??= toResolution(/(?:^|\/)R(\d+)m\//.exec(path)?.[1]);
  const res = resolution === undefined ? {} : { resolution };
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i] ?? '';
    if (isSpectral(t) || isAux(t)) return { kind: 'layer', name: t, ...res };
    if (t === 'CLD') return { kind: 'mask', mask: 'MSK_CLDPRB', ...res };
    if (t === 'SNW') return { kind: 'mask', mask: 'MSK_SNWPRB', ...res };
  }
  return { kind: 'other' };
}

/** Where an image lives: IMAGE_FILE is a path without extension; a PDGS IMAGE_ID is found in its granule. */
function imagePath(
  ref: ProductGranuleRef['images'][number],
  granuleDir: string,
  paths: ReadonlySet<string>,
): string {
  const file = /\.jp2$/i.test(ref.value) ? ref.value : `${ref.value}.jp2`;
  if (ref.kind === 'path') return file;
  for (const p of paths) if (p.startsWith(`${granuleDir}/`) && baseOf(p) === file) return p;
  const r = toResolution(/_(\d+)m$/.exec(ref.value)?.[1]);
  return joinPath(granuleDir, 'IMG_DATA', r === undefined ? '' : `R${r}m`, file);
}

const MASK_TYPES: Readonly<Record<string, QiMaskKind>> = {
  MSK_CLASSI: 'MSK_CLASSI',
  MSK_CLOUDS: 'MSK_CLOUDS_GML',
  MSK_CLDPRB: 'MSK_CLDPRB',
  MSK_SNWPRB: 'MSK_SNWPRB',
  MSK_DETFOO: 'MSK_DETFOO',
  MSK_QUALIT: 'MSK_QUALIT',
};

/** A QI file recognised by its name in QI_DATA (older baselines do not list every mask in MTD_TL). */
export function classifyMaskFile(path: string): QiMaskEntry | null {
  const name = baseOf(path);
  const format = /\.gml$/i.test(name) ? 'gml' : /\.jp2$/i.test(name) ? 'jp2' : null;
  if (!format) return null;
  let m: RegExpExecArray | null;
  if (/MSK_CLASSI_B00\.jp2$/i.test(name)) return { kind: 'MSK_CLASSI', resolution: 60, format, path };
  if (/MSK_CLOUDS_(.*_)?B00(_.*)?\.gml$/i.test(name)) return { kind: 'MSK_CLOUDS_GML', format, path };
  if ((m = /(?:MSK_CLDPRB|(?:^|_)CLD)_(?:.*_)?(20|60)m\.jp2$/i.exec(name))) {
    return { kind: 'MSK_CLDPRB', resolution: toResolution(m[1]) ?? 20, format, path };
  }
  if ((m = /(?:MSK_SNWPRB|(?:^|_)SNW)_(?:.*_)?(20|60)m\.jp2$/i.exec(name))) {
    return { kind: 'MSK_SNWPRB', resolution: toResolution(m[1]) ?? 20, format, path };
  }
  if ((m = /(MSK_DETFOO|MSK_QUALIT)_(?:.*_)?(B\d\d|B8A)(_MSIL1C)?\.(jp2|gml)$/i.exec(name))) {
    const band = m[2]?.toUpperCase() ?? '';
    if (!isSpectral(band)) return null;
    const kind = m[1]?.toUpperCase() === 'MSK_QUALIT' ? 'MSK_QUALIT' : 'MSK_DETFOO';
    return { kind, band, format, path, ...(format === 'jp2' ? { resolution: NATIVE_RESOLUTION[band] } : {}) };
  }
  return null;
}

/** A mask listed in MTD_TL.xml, as an entry (whether or not the file exists). */
function listedMaskEntry(m: ListedMask, granuleDir: string, paths: ReadonlySet<string>): QiMaskEntry | null {
  const kind = MASK_TYPES[m.type.toUpperCase()];
  if (!kind) return null;
  let path = m.name.includes('/') ? m.name : joinPath(granuleDir, 'QI_DATA', m.name);
  if (!/\.(jp2|gml)$/i.test(path)) {
    const found = ['.jp2', '.gml'].map((e) => path + e).find((p) => paths.has(p));
    if (!found) return null;
    path = found;
  }
  const format = /\.gml$/i.test(path) ? 'gml' : 'jp2';
  const fromName = classifyMaskFile(path);
  const band = m.bandId === undefined ? fromName?.band : SPECTRAL_BANDS[m.bandId];
  const entry: QiMaskEntry = {
    kind: kind === 'MSK_CLASSI' && format === 'gml' ? 'MSK_CLOUDS_GML' : kind,
    format,
    path,
  };
  if ((kind === 'MSK_DETFOO' || kind === 'MSK_QUALIT') && band) entry.band = band;
  const resolution = fromName?.resolution ?? (band && format === 'jp2' ? NATIVE_RESOLUTION[band] : undefined);
  if (resolution !== undefined) entry.resolution = resolution;
  return entry;
}

const LAYER_ORDER: readonly LayerName[] = [...SPECTRAL_BANDS, ...AUX];

/** The readable images and QI masks of one granule; files the metadata lists but that are absent become warnings. */
export function buildCatalogue(input: CatalogueInput): Catalogue {
  const { level, granule, paths, rootName } = input;
  const granuleDir = `GRANULE/${granule.id}`;
  const warnings: string[] = [];
  const bands = new Map<string, BandEntry>();
  const masks = new Map<string, QiMaskEntry>();
  const missingMasks: string[] = [];

  for (const ref of granule.images) {
    const path = imagePath(ref, granuleDir, paths);
    const what = classifyImage(path);
    if (what.kind === 'other') continue;
    if (!paths.has(path)) {
      const label = what.kind === 'layer' ? what.name : what.mask;
      warnings.push(`Missing file ${rootName}/${path} (${label}, listed in the product metadata).`);
      continue;
    }
    if (what.kind === 'mask') {
      masks.set(path, { kind: what.mask, resolution: what.resolution ?? 60, format: 'jp2', path });
      continue;
    }
    // L1C bands are at their native resolution (TCI at 10 m); L2A images say theirs.
    const resolution =
      what.resolution ??
      (level === 'L1C' ? (isSpectral(what.name) ? NATIVE_RESOLUTION[what.name] : 10) : undefined);
    if (resolution === undefined) {
      warnings.push(`Cannot tell the resolution of ${rootName}/${path}: it is left out.`);
      continue;
    }
    bands.set(path, { name: what.name, resolution, path });
  }

  for (const m of input.listedMasks) {
    const entry = listedMaskEntry(m, granuleDir, paths);
    if (!entry) continue;
    if (paths.has(entry.path)) masks.set(entry.path, entry);
    else missingMasks.push(entry.path);
  }
  for (const p of paths) {
    if (!p.startsWith(`${granuleDir}/QI_DATA/`) || masks.has(p)) continue;
    const entry = classifyMaskFile(p);
    if (entry) masks.set(p, entry);
  }
  if (missingMasks.length > 0) {
    warnings.push(
      `${missingMasks.length} QI mask file(s) listed in the granule metadata are missing under ${rootName}: ${missingMasks.join(', ')}.`,
    );
  }

  const bandList = [...bands.values()].sort(
    (a, b) => a.resolution - b.resolution || LAYER_ORDER.indexOf(a.name) - LAYER_ORDER.indexOf(b.name),
  );
  const maskList = [...masks.values()].sort((a, b) => a.path.localeCompare(b.path));
  return { bands: bandList, masks: maskList, warnings };
}
