import { S2Error } from '../errors.js';
import type { ByteSource } from '../raster/byte-source.js';
import { buildCatalogue } from './catalogue.js';
import { parseProductXml, type ProductGranuleRef } from './metadata-product.js';
import { parseTileXml } from './metadata-tile.js';
import { baseOf, dirOf, type ProductFiles } from './product-files.js';
import { locateProduct } from './safe-locate.js';
import { readTheiaProduct } from './theia/open.js';
import { parseXml } from './xml.js';
import type { BandEntry, Granule, OpenOptions, Product, ProductMetadata } from './types.js';

/** The granule XML: MTD_TL.xml (SAFE compact) or S2A_OPER_MTD_L1C_TL_*.xml (PDGS), directly in the granule folder. */
function granuleXmlPath(id: string, paths: ReadonlySet<string>): string | null {
  const dir = `GRANULE/${id}`;
  const xmls = [...paths].filter((p) => dirOf(p) === dir && /\.xml$/i.test(p));
  return xmls.find((p) => baseOf(p) === 'MTD_TL.xml') ?? xmls.find((p) => /MTD/i.test(baseOf(p))) ?? null;
}

function pickGranule(
  granules: ProductGranuleRef[],
  wanted: string | undefined,
  file: string,
): ProductGranuleRef {
  if (wanted === undefined) return granules[0] as ProductGranuleRef;
  const w = wanted.toUpperCase().replace(/^T(?=\d{2}[A-Z]{3}$)/, '');
  const hit = granules.find((g) => g.id.toUpperCase() === w || g.tileId === w);
  if (!hit) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file} has no granule '${wanted}'. Its granules: ${granules.map((g) => `${g.id}${g.tileId ? ` (${g.tileId})` : ''}`).join(', ')}.`,
      { file, details: { granules: granules.map((g) => g.id) } },
    );
  }
  return hit;
}

async function readMetadata(
  files: ProductFiles,
  productXml: string,
  opts: OpenOptions,
): Promise<Pick<Product, 'metadata' | 'bands' | 'masks' | 'warnings'>> {
  const productFile = `${files.rootName}/${productXml}`;
  const info = parseProductXml(
    parseXml(await files.readText(productXml), productFile),
    productFile,
    baseOf(files.rootName.replace(/\\/g, '/')),
  );
  const selected = pickGranule(info.granules, opts.granule, productFile);
  const granules: Granule[] = info.granules.map((g) => ({
    id: g.id,
    tileId: g.tileId,
    metadataPath: granuleXmlPath(g.id, files.paths) ?? `GRANULE/${g.id}/MTD_TL.xml`,
  }));
  const granule = granules.find((g) => g.id === selected.id) as Granule;
  if (!files.paths.has(granule.metadataPath)) {
    throw new S2Error(
      'MISSING_FILE',
      `${files.rootName}/GRANULE/${granule.id} has no granule metadata (MTD_TL.xml): the grid and CRS cannot be read.`,
      { file: `${files.rootName}/${granule.metadataPath}` },
    );
  }
  const tileFile = `${files.rootName}/${granule.metadataPath}`;
  const tile = parseTileXml(parseXml(await files.readText(granule.metadataPath), tileFile), tileFile);
  const tileId = tile.tileId ?? selected.tileId;
  if (tileId === null)
    throw new S2Error('BAD_METADATA', `${tileFile} names no tile (TILE_ID).`, { file: tileFile });
  granule.tileId = tileId;

  const cat = buildCatalogue({
    level: info.level,
    granule: selected,
    paths: files.paths,
    listedMasks: tile.masks,
    rootName: files.rootName,
  });
  const metadata: ProductMetadata = {
    productName: info.productName,
    mission: info.mission,
    level: info.level,
    format: info.format,
    sensingTime: info.sensingTime,
    tileId,
    relativeOrbit: info.relativeOrbit,
    processingBaseline: info.baseline.text,
    quantificationValue: info.quantificationValue,
    offsets: info.offsets,
    noDataValue: info.noDataValue,
    saturatedValue: info.saturatedValue,
    epsg: tile.epsg,
    crsName: tile.crsName,
    grids: tile.grids,
    footprint: info.footprint,
    cloudCover: info.cloudCover,
    sun: tile.sun,
    viewing: tile.viewing,
    granules,
    granule,
  };
  if (info.aotQuantificationValue !== undefined)
    metadata.aotQuantificationValue = info.aotQuantificationValue;
  if (info.wvpQuantificationValue !== undefined)
    metadata.wvpQuantificationValue = info.wvpQuantificationValue;
  return { metadata, bands: cat.bands, masks: cat.masks, warnings: [...info.warnings, ...cat.warnings] };
}

/**
 * Opens a Sentinel-2 L1C or L2A product: a .SAFE folder, a .zip of one (read in place), or its
 * product XML; or a THEIA L2A product (MAJA, GeoTIFF bands: a folder, its zip or its
 * *_MTD_ALL.xml). Everything comes from the metadata; missing band files become warnings.
 */
export async function openProduct(path: string, opts: OpenOptions = {}): Promise<Product> {
  const { kind, files, productXml } = await locateProduct(path);
  let read: Awaited<ReturnType<typeof readMetadata>>;
  try {
    read =
      kind === 'theia'
        ? await readTheiaProduct(files, productXml, opts)
        : await readMetadata(files, productXml, opts);
  } catch (err) {
    await files.close();
    throw err;
  }
  // THEIA zips deflate their GeoTIFFs: inflate each file once per open product, not per read.
  const open: Opener =
    kind === 'theia' && /\.zip$/i.test(path)
      ? keptOpen((p) => files.open(p, bandLimit(read, p)))
      : (p: string): Promise<ByteSource> => files.open(p, bandLimit(read, p));
  return {
    sourcePath: path,
    rootName: files.rootName,
    ...read,
    open,
    close: async () => {
      await open.release?.();
      await files.close();
    },
  };
}

type Opener = ((path: string) => Promise<ByteSource>) & { release?: () => Promise<void> };

/**
 * One source per file, kept until the product closes: callers' close() is a no-op. The same
 * object comes back each time, so decoders that keep a parsed header per source reuse it.
 */
function keptOpen(openFile: (path: string) => Promise<ByteSource>): Opener {
  const kept = new Map<string, Promise<ByteSource>>();
  const opener: Opener = (path) => {
    let p = kept.get(path);
    if (!p) {
      p = openFile(path).then((src) => ({
        name: src.name,
        size: src.size,
        read: (o: number, l: number) => src.read(o, l),
        readAll: () => src.readAll(),
        close: async (): Promise<void> => {},
        release: () => src.close(),
      }));
      p.catch(() => kept.delete(path));
      kept.set(path, p);
    }
    return p;
  };
  opener.release = async (): Promise<void> => {
    const all = [...kept.values()];
    kept.clear();
    for (const r of await Promise.allSettled(all)) {
      if (r.status === 'fulfilled')
        await (r.value as ByteSource & { release: () => Promise<void> }).release();
    }
  };
  return opener;
}

/**
 * The most a band file can hold, from the grid the metadata gives its resolution: raw samples
 * (16 bits, three components for TCI) plus room for headers and a lossless codestream's overhead.
 * A zip entry claiming more is refused before anything is inflated.
 */
function bandLimit(
  read: { metadata: ProductMetadata; bands: BandEntry[] },
  path: string,
): { maxBytes?: number } {
  const band = read.bands.find((b) => b.path === path);
  const grid = band ? read.metadata.grids[band.resolution] : undefined;
  if (!band || !grid) return {};
  // GeoTIFF (THEIA) may be stored uncompressed, with strip tables: the same margin covers it.
  const raw = grid.width * grid.height * (band.name === 'TCI' ? 3 : 1) * 2;
  return { maxBytes: Math.ceil(raw * 1.25) + 2 ** 20 };
}
