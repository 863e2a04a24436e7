/**
 * Legacy L1C MSK_CLOUDS_B00.gml (baselines < 04.00): eop:MaskFeature polygons with
 * eop:maskType OPAQUE or CIRRUS (gml:Polygon / gml:exterior|interior / gml:LinearRing /
 * gml:posList, in the tile CRS). Rasterised even-odd at pixel centres on the product's 60 m grid
 * (or the requested resolution / grid), packed as opaque*1 + cirrus*2 and mapped by a table:
 *   0 -> 1 clear, 1 OPAQUE -> 2 cloud, 2 CIRRUS -> 3 semi-transparent, 3 both -> 2 cloud.
 * Outside the product footprint -> 0 when a product is given. An empty mask (maskMembers
 * xsi:nil) is all clear. Other mask types are ignored and listed in `unmapped` by name count.
 */
import { readFile } from 'node:fs/promises';
import { S2Error } from '../../errors.js';
import type { Grid } from '../../raster/grid.js';
import { productGrid } from '../../scene/reflectance.js';
import type { Product } from '../../scene/types.js';
import { attr, descendants, parseXml, text, type XmlNode } from '../../scene/xml.js';
import type { SchemaMask } from '../schema.js';
import { transformer } from './crs.js';
import { footprintMask } from './footprint.js';
import { applyTable, withOverrides, type ClassTable } from './map-values.js';
import type { AdapterOptions } from './options.js';
import { rasterisePolygon, type Polygon, type Ring } from './polygon.js';
import { requireMask, withProduct } from './product.js';

export const MSK_CLOUDS_TABLE: ClassTable = { 0: 1, 1: 2, 2: 3, 3: 2 };
export const MSK_CLOUDS_NAME = 'L1C MSK_CLOUDS (GML)';

export interface GmlMaskFeature {
  type: string;
  polygons: Polygon[];
}

/** Parses the features of an MSK_CLOUDS GML: type and polygons (coordinates in `epsg`). */
export function parseCloudGml(
  xml: string,
  file: string,
): { epsg: number | null; features: GmlMaskFeature[] } {
  const doc = parseXml(xml, file);
  const features: GmlMaskFeature[] = [];
  let epsg: number | null = null;
  for (const f of descendants(doc, 'MaskFeature')) {
    const type = text(descendants(f, 'maskType')[0]).toUpperCase();
    const polygons: Polygon[] = [];
    for (const poly of descendants(f, 'Polygon')) {
      epsg ??= srsEpsg(attr(poly, 'srsName'));
      const rings: Ring[] = descendants(poly, 'posList').map((pl) => parsePosList(pl, file));
      if (rings.length > 0) polygons.push(rings);
    }
    features.push({ type, polygons });
  }
  if (epsg === null) for (const env of descendants(doc, 'Envelope')) epsg ??= srsEpsg(attr(env, 'srsName'));
  return { epsg, features };
}

function srsEpsg(srs: string | undefined): number | null {
  const m = srs ? /EPSG[^0-9]*(\d+)\s*$/i.exec(srs) : null;
  return m?.[1] ? Number(m[1]) : null;
}

function parsePosList(node: XmlNode, file: string): Ring {
  const dim = Number(attr(node, 'srsDimension') ?? 2);
  const nums = text(node)
    .split(/\s+/)
    .filter((s) => s.length > 0)
    .map(Number);
  if (nums.some((v) => !Number.isFinite(v)) || (dim !== 2 && dim !== 3)) {
    throw new S2Error('BAD_METADATA', `${file}: malformed gml:posList.`, { file });
  }
  const ring: Array<[number, number]> = [];
  for (let i = 0; i + 1 < nums.length; i += dim) ring.push([nums[i] as number, nums[i + 1] as number]);
  return ring;
}

/** Rasterises parsed features onto `grid` (packed codes 0..3; 255 where `inside` is 0). */
export function rasteriseCloudFeatures(
  features: readonly GmlMaskFeature[],
  srcEpsg: number | null,
  grid: Grid,
  inside: Uint8Array | null,
): { packed: Uint8Array; ignored: Record<string, number> } {
  const n = grid.width * grid.height;
  const opaque = new Uint8Array(n);
  const cirrus = new Uint8Array(n);
  const ignored: Record<string, number> = {};
  const toGrid = transformer(srcEpsg ?? grid.epsg, grid.epsg);
  for (const f of features) {
    const plane = f.type === 'OPAQUE' ? opaque : f.type === 'CIRRUS' ? cirrus : null;
    if (!plane) {
      ignored[f.type || '(no type)'] = (ignored[f.type || '(no type)'] ?? 0) + 1;
      continue;
    }
    for (const poly of f.polygons) {
      const projected = poly.map((ring) => ring.map(([x, y]) => toGrid(x, y)));
      rasterisePolygon(grid, projected, 1, plane);
    }
  }
  const packed = new Uint8Array(n);
  for (let i = 0; i < n; i++)
    packed[i] = inside && inside[i] === 0 ? 255 : (opaque[i] as number) | ((cirrus[i] as number) << 1);
  return { packed, ignored };
}

/**
 * MSK_CLOUDS GML: `file` is the .gml (then `opts.product` or `opts.grid` gives the grid) or a
 * product path (its MSK_CLOUDS entry is used).
 */
export async function mskCloudsFromGml(file: string, opts: AdapterOptions = {}): Promise<SchemaMask> {
  const isGml = /\.gml$/i.test(file);
  const run = async (p: Product | null): Promise<SchemaMask> => {
    let xml: string;
    let name = file;
    if (isGml)
      xml = await readFile(file, 'utf8').catch((err: unknown) => {
        throw new S2Error('NOT_FOUND', `Cannot read ${file}.`, { file, cause: err });
      });
    else {
      if (!p) throw new S2Error('INVALID_ARGUMENT', `${file} is not a .gml file or a product.`, { file });
      const entry = requireMask(p, 'MSK_CLOUDS_GML');
      const src = await p.open(entry.path);
      try {
        xml = new TextDecoder().decode(await src.readAll());
      } finally {
        await src.close();
      }
      name = `${p.sourcePath}:${entry.path}`;
    }
    const grid = opts.grid ?? (p ? productGrid(p, opts.resolution ?? 60) : null);
    if (!grid) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${file}: a GML mask needs the product (or a grid) to be rasterised on.`,
        {
          file,
        },
      );
    }
    const { epsg, features } = parseCloudGml(xml, name);
    const inside = p ? footprintMask(p, grid) : null;
    const { packed, ignored } = rasteriseCloudFeatures(features, epsg, grid, inside);
    const mapped = applyTable(packed, withOverrides(MSK_CLOUDS_TABLE, opts.table), 255);
    for (const [t, c] of Object.entries(ignored)) mapped.unmapped[`feature:${t}`] = c;
    return {
      source: opts.source ?? MSK_CLOUDS_NAME,
      file: name,
      grid,
      data: mapped.data,
      unmapped: mapped.unmapped,
    };
  };
  const product = opts.product ?? (isGml ? undefined : file);
  return product === undefined ? run(null) : withProduct(product, run);
}
