/**
 * A THEIA L2A product (MAJA output in the MUSCATE format; a folder or its zip) as the project's
 * Product: metadata from *_MTD_ALL.xml, bands = one reflectance GeoTIFF per band (B02 B03 B04 B08
 * at 10 m, B05 B06 B07 B8A B11 B12 at 20 m; THEIA has no B01, B09, B10, SCL, AOT or WVP layer),
 * masks = MASKS/*_CLM|EDG|MG2|SAT|DFP|IAB_R1|R2.tif. Reflectance = DN / REFLECTANCE_QUANTIFICATION_VALUE
 * (no offset), the nodata SPECIAL_VALUE (-10000) is no data.
 *
 * SRE or FRE: the default is SRE (surface reflectance, atmosphere and adjacency corrected). FRE adds
 * THEIA's slope correction, which assumes every pixel is the terrain: it rescales cloud tops by
 * the illumination of the slope below them and inflates cast shadows on slopes facing away from
 * the sun, i.e. it changes exactly the pixels a cloud mask decides on. The L2A cloud models here
 * were trained on Sen2Cor BOA reflectance, which is not slope-flattened either. FRE is one option
 * away (`theiaReflectance: 'FRE'`), and is used with a warning when a product ships only FRE.
 */
import { S2Error } from '../../errors.js';
import { baseOf, dirOf, joinPath, type ProductFiles } from '../product-files.js';
import { parseXml } from '../xml.js';
import {
  NATIVE_RESOLUTION,
  SPECTRAL_BANDS,
  type BandEntry,
  type OpenOptions,
  type Product,
  type ProductMetadata,
  type QiMaskEntry,
  type SpectralBand,
} from '../types.js';
import { parseTheiaMetadata, type TheiaImageFile, type TheiaMetadata } from './metadata.js';
import { classifyMaskFile, classifyReflectanceFile } from './names.js';

const NATURE: Readonly<Record<'FRE' | 'SRE', string>> = {
  FRE: 'Flat_Reflectance',
  SRE: 'Surface_Reflectance',
};

/** Characters a product name may keep when it becomes part of an output name. */
function safeName(name: string): string {
  return name
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 200);
}

/** The reflectance files of one kind: as listed in the metadata, else found by name. */
function reflectanceFiles(
  meta: TheiaMetadata,
  kind: 'FRE' | 'SRE',
  base: string,
  paths: ReadonlySet<string>,
): Array<{ band: SpectralBand; path: string }> {
  const listed = meta.images.get(NATURE[kind]) ?? [];
  const out: Array<{ band: SpectralBand; path: string }> = [];
  for (const f of listed) {
    const band = f.band ?? classifyReflectanceFile(f.path)?.band ?? null;
    if (band) out.push({ band, path: joinPath(base, f.path) });
  }
  if (out.length > 0) return out;
  for (const p of paths) {
    const c = classifyReflectanceFile(p);
    if (c?.kind === kind && dirOf(p) === base) out.push({ band: c.band, path: p });
  }
  return out;
}

function maskEntries(meta: TheiaMetadata, base: string, paths: ReadonlySet<string>): QiMaskEntry[] {
  const masks = new Map<string, QiMaskEntry>();
  const add = (f: TheiaImageFile | null, path: string, kind: QiMaskEntry['kind'] | null): void => {
    const byName = classifyMaskFile(path);
    const k = kind ?? byName?.kind;
    const resolution = f?.resolution ?? byName?.resolution;
    if (!k || resolution === undefined || resolution === null || !paths.has(path)) return;
    masks.set(path, { kind: k, resolution, format: 'tif', path });
  };
  for (const m of meta.masks) add(m.file, joinPath(base, m.file.path), m.kind);
  // Masks the metadata does not list (older product versions list fewer) are found by name.
  for (const p of paths) if (!masks.has(p) && /(^|\/)MASKS\//i.test(p)) add(null, p, null);
  return [...masks.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** Reads a THEIA product's metadata and catalogue from its files (`mtdPath`: the *_MTD_ALL.xml). */
export async function readTheiaProduct(
  files: ProductFiles,
  mtdPath: string,
  opts: OpenOptions,
): Promise<Pick<Product, 'metadata' | 'bands' | 'masks' | 'warnings'>> {
  const file = `${files.rootName}/${mtdPath}`;
  const meta = parseTheiaMetadata(parseXml(await files.readText(mtdPath), file), file);
  const warnings = [...meta.warnings];
  const base = dirOf(mtdPath);

  const wanted = opts.theiaReflectance ?? 'SRE';
  const other = wanted === 'SRE' ? 'FRE' : 'SRE';
  let kind: 'FRE' | 'SRE' = wanted;
  let refl = reflectanceFiles(meta, wanted, base, files.paths);
  if (refl.length === 0) {
    refl = reflectanceFiles(meta, other, base, files.paths);
    kind = other;
    if (refl.length > 0) {
      warnings.push(
        `${files.rootName} has no ${wanted} reflectance files: its ${other} files are read instead.`,
      );
    }
  }
  if (refl.length === 0) {
    throw new S2Error(
      'MISSING_FILE',
      `${files.rootName} lists no reflectance band (no *_SRE_B*.tif or *_FRE_B*.tif in ${baseOf(mtdPath)} or the folder).`,
      { file },
    );
  }
  const bands: BandEntry[] = [];
  const missing: string[] = [];
  for (const { band, path } of refl) {
    if (!files.paths.has(path)) {
      missing.push(path);
      continue;
    }
    const resolution = meta.bandResolutions[band] ?? NATIVE_RESOLUTION[band];
    bands.push({ name: band, resolution, path });
  }
  if (bands.length === 0) {
    throw new S2Error(
      'MISSING_FILE',
      `${files.rootName} has none of the ${refl.length} ${kind} band files its metadata lists (first: ${missing[0] ?? '?'}): the download is incomplete.`,
      { file, details: { missing } },
    );
  }
  if (missing.length > 0) {
    warnings.push(
      `${missing.length} band file(s) listed in ${baseOf(mtdPath)} are missing under ${files.rootName}: ${missing.join(', ')}.`,
    );
  }
  bands.sort(
    (a, b) =>
      a.resolution - b.resolution ||
      SPECTRAL_BANDS.indexOf(a.name as SpectralBand) - SPECTRAL_BANDS.indexOf(b.name as SpectralBand),
  );
  const masks = maskEntries(meta, base, files.paths);
  if (!masks.some((m) => m.kind === 'MAJA_CLM')) {
    warnings.push(`${files.rootName} has no MAJA cloud mask (MASKS/*_CLM_R1.tif or _CLM_R2.tif).`);
  }

  const productName = safeName(meta.productName);
  const granule = { id: productName, tileId: meta.tileId, metadataPath: mtdPath };
  const offsets = Object.fromEntries(SPECTRAL_BANDS.map((b) => [b, 0])) as Record<SpectralBand, number>;
  const metadata: ProductMetadata = {
    productName,
    mission: meta.mission,
    level: 'L2A',
    format: 'THEIA_MUSCATE',
    theia: { reflectance: kind, productVersion: meta.productVersion, platform: meta.platform },
    sensingTime: meta.sensingTime,
    tileId: meta.tileId,
    relativeOrbit: meta.relativeOrbit,
    processingBaseline: `THEIA ${meta.productVersion || '?'}`,
    quantificationValue: meta.quantificationValue,
    offsets,
    noDataValue: meta.noDataValue,
    // int16 storage: no saturation code in the reflectance (saturation is the SAT mask).
    saturatedValue: 32767,
    epsg: meta.epsg,
    crsName: meta.crsName,
    grids: meta.grids,
    footprint: meta.footprint,
    cloudCover: meta.cloudCover,
    sun: meta.sun,
    viewing: [],
    granules: [granule],
    granule,
  };
  if (meta.aotQuantificationValue !== undefined)
    metadata.aotQuantificationValue = meta.aotQuantificationValue;
  if (meta.wvpQuantificationValue !== undefined)
    metadata.wvpQuantificationValue = meta.wvpQuantificationValue;
  return { metadata, bands, masks, warnings };
}
