/**
 * MAJA (THEIA L2A) masks onto the class schema.
 *
 * CLM_R1 / CLM_R2 (uint8 bit field; 0 = no cloud). Bits as THEIA's "Sentinel-2 L2A product format"
 * page gives them (labo.obs-mip.fr/multitemp/sentinel-2/theias-sentinel-2-l2a-product-format/, the
 * same list KappaZeta's cm-vsm `cnes_maja_clm_tif.hpp` cites; CESBIO's majamask tool reads bit 1 as
 * "all clouds except cirrus" and bit 7 as "cirrus", consistent with it):
 *   bit 0 (1)   all clouds except the thinnest, and all shadows (summary)   -> see below
 *   bit 1 (2)   all clouds except the thinnest (summary of bits 2, 3, 7)    -> 2 cloud
 *   bit 2 (4)   clouds by mono-temporal thresholds (reflectance)            -> 2 cloud
 *   bit 3 (8)   clouds by multi-temporal thresholds (change against the past)-> 2 cloud
 *   bit 4 (16)  thinnest clouds (thin cirrus)                               -> 3 semi-transparent
 *   bit 5 (32)  cloud shadows cast by a detected cloud                      -> 4 cloud shadow
 *   bit 6 (64)  cloud shadows cast by a cloud outside the image             -> 4 cloud shadow
 *   bit 7 (128) high clouds detected with the 1.38 µm band                  -> 3 semi-transparent
 * (MAJA's own native, non-MUSCATE output orders bits 2-7 differently: not read here.)
 * Precedence when several bits are set: cloud > cloud shadow > semi-transparent. An opaque cloud
 * hides everything; a shadow darkens the ground more than thin cirrus brightens it (the same order
 * as cm-vsm's remap for comparing MAJA with KappaMask). Bit 7 with bit 1 is an opaque high cloud
 * (cloud); bit 7 alone is cirrus MAJA did not count among "all clouds" (semi-transparent). Bit 0
 * alone (a summary without a detail bit; not expected) -> cloud, the conservative choice.
 * Every one of the 256 values is in MAJA_CLM_TABLE, so any value can be overridden as with the
 * other adapters (`table: { "128": 2 }` makes high clouds opaque).
 *
 * EDG (edge: 1 = outside the image, no data) -> 0 no data: from the product, or an *_EDG_Rn.tif
 * beside a bare *_CLM_Rn.tif.
 *
 * MG2 (geophysical, uint8 bits; SNAP's MUSCATE reader and THEIA's format page): bit 0 water,
 * bit 1 all clouds (OR of the cloud masks), bit 2 snow, bit 3 cloud shadows, bit 4 topographic
 * shadows, bit 5 hidden by relief, bit 6 sun too low, bit 7 sun tangent. Not cloud classes: the
 * 'maja-mg2' adapter maps only its cloud and shadow bits (cloud > shadow, everything else clear),
 * for comparing; `readMg2Bits` gives the bits themselves for a geophysical layer.
 */
import { existsSync } from 'node:fs';
import { S2Error } from '../../errors.js';
import type { Grid } from '../../raster/grid.js';
import type { Product, QiMaskEntry, QiMaskKind, Resolution } from '../../scene/types.js';
import { readRasterBand } from '../raster-io.js';
import { MaskClass, type MaskClassValue, type SchemaMask } from '../schema.js';
import { applyTable, toSchemaMask, withOverrides, type ClassTable } from './map-values.js';
import type { AdapterOptions } from './options.js';
import { readProductPlanes, requireMask, withProduct } from './product.js';

export interface MajaBit {
  bit: number;
  value: number;
  meaning: string;
}

export const MAJA_CLM_BITS: readonly MajaBit[] = [
  { bit: 0, value: 1, meaning: 'all clouds except the thinnest, and all shadows (summary)' },
  { bit: 1, value: 2, meaning: 'all clouds except the thinnest (summary)' },
  { bit: 2, value: 4, meaning: 'clouds by mono-temporal thresholds' },
  { bit: 3, value: 8, meaning: 'clouds by multi-temporal thresholds' },
  { bit: 4, value: 16, meaning: 'thinnest clouds (thin cirrus)' },
  { bit: 5, value: 32, meaning: 'cloud shadows cast by a detected cloud' },
  { bit: 6, value: 64, meaning: 'cloud shadows cast by a cloud outside the image' },
  { bit: 7, value: 128, meaning: 'high clouds detected with the 1.38 µm band' },
];

export const MAJA_MG2_BITS: readonly MajaBit[] = [
  { bit: 0, value: 1, meaning: 'water' },
  { bit: 1, value: 2, meaning: 'all clouds (OR of the cloud masks)' },
  { bit: 2, value: 4, meaning: 'snow' },
  { bit: 3, value: 8, meaning: 'cloud shadows' },
  { bit: 4, value: 16, meaning: 'topographic shadows' },
  { bit: 5, value: 32, meaning: 'hidden by relief' },
  { bit: 6, value: 64, meaning: 'sun too low' },
  { bit: 7, value: 128, meaning: 'sun tangent' },
];

const CLOUD_BITS = 2 | 4 | 8;
const SHADOW_BITS = 32 | 64;
const SEMI_BITS = 16 | 128;

/** The class of one CLM value (the rule MAJA_CLM_TABLE is built from; see the module comment). */
export function majaClmClass(v: number): MaskClassValue {
  if (v === 0) return MaskClass.Clear;
  if (v & CLOUD_BITS) return MaskClass.Cloud;
  if (v & SHADOW_BITS) return MaskClass.CloudShadow;
  if (v & SEMI_BITS) return MaskClass.SemiTransparentCloud;
  return MaskClass.Cloud; // bit 0 alone
}

/** MG2 onto the schema: bit 1 cloud, bit 3 cloud shadow, anything else clear. */
export function majaMg2Class(v: number): MaskClassValue {
  if (v & 2) return MaskClass.Cloud;
  if (v & 8) return MaskClass.CloudShadow;
  return MaskClass.Clear;
}

function fullTable(f: (v: number) => MaskClassValue): ClassTable {
  const t: Record<string, MaskClassValue> = {};
  for (let v = 0; v < 256; v++) t[String(v)] = f(v);
  return t;
}

export const MAJA_CLM_TABLE: ClassTable = fullTable(majaClmClass);
export const MAJA_MG2_TABLE: ClassTable = fullTable(majaMg2Class);

export const MAJA_NAME = 'MAJA CLM';
export const MAJA_MG2_NAME = 'MAJA MG2';

/** Marks EDG pixels: a code outside 0..255 that the table does not know, passed as no data. */
const EDGE = 256;

/** CLM or MG2 values with EDG pixels (edge = non-zero) replaced by EDGE. */
function withEdges(values: ArrayLike<number>, edge: ArrayLike<number> | null): Uint16Array {
  const out = Uint16Array.from(values);
  if (edge) for (let i = 0; i < out.length; i++) if (edge[i]) out[i] = EDGE;
  return out;
}

type MajaKind = 'MAJA_CLM' | 'MAJA_MG2';

const KIND_CODE: Readonly<Record<MajaKind, string>> = { MAJA_CLM: 'CLM', MAJA_MG2: 'MG2' };

/** The product's mask of `kind` at `resolution` when it ships one (R1/R2), else its finest. */
function pickMask(p: Product, kind: QiMaskKind, resolution: Resolution): QiMaskEntry | undefined {
  const all = p.masks.filter((m) => m.kind === kind);
  return (
    all.find((m) => m.resolution === resolution) ??
    all.sort((a, b) => (a.resolution ?? 0) - (b.resolution ?? 0))[0]
  );
}

async function fromProduct(
  product: Product | string,
  kind: MajaKind,
  table: ClassTable,
  name: string,
  opts: AdapterOptions,
): Promise<SchemaMask> {
  return withProduct(product, async (p) => {
    const resolution = opts.resolution ?? 20;
    const entry = pickMask(p, kind, resolution) ?? requireMask(p, kind);
    const raster = await readProductPlanes(p, entry, resolution, opts.signal);
    const edgEntry = pickMask(p, 'MAJA_EDG', resolution);
    const edge = edgEntry
      ? (await readProductPlanes(p, edgEntry, resolution, opts.signal)).components[0]
      : null;
    const values = withEdges(raster.components[0] ?? new Uint8Array(0), edge ?? null);
    const mapped = applyTable(values, withOverrides(table, opts.table), EDGE);
    return toSchemaMask(opts.source ?? name, `${p.sourcePath}:${entry.path}`, raster.grid, mapped);
  });
}

function sameGrid(a: Grid, b: Grid): boolean {
  return (
    a.width === b.width &&
    a.height === b.height &&
    a.transform.every((v, i) => Math.abs(v - (b.transform[i] ?? NaN)) < 1e-6)
  );
}

/** The EDG file beside a *_CLM_Rn.tif / *_MG2_Rn.tif, when there is one. */
export function siblingEdge(file: string): string | null {
  const edg = file.replace(/_(CLM|MG2)_(R\d)(\.tiff?)$/i, '_EDG_$2$3');
  return edg !== file && existsSync(edg) ? edg : null;
}

async function fromFile(
  file: string,
  kind: MajaKind,
  table: ClassTable,
  name: string,
  opts: AdapterOptions,
): Promise<SchemaMask> {
  const band = await readRasterBand(file, opts);
  if (band.isFloat) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file} holds floating-point values: a MAJA ${KIND_CODE[kind]} mask is an 8-bit bit field.`,
      { file },
    );
  }
  let edge: ArrayLike<number> | null = null;
  const edgFile = siblingEdge(file);
  if (edgFile) {
    const e = await readRasterBand(edgFile, opts);
    // An EDG on another grid is not this mask's: leave it out rather than misplace no data.
    if (sameGrid(e.grid, band.grid)) edge = e.values;
  }
  // A GDAL nodata tag is ignored: 0 is "no cloud" in CLM, and EDG is MAJA's no-data mask.
  const mapped = applyTable(withEdges(band.values, edge), withOverrides(table, opts.table), EDGE);
  return toSchemaMask(opts.source ?? name, file, band.grid, mapped);
}

/** A bare CLM_R1/R2 GeoTIFF (grid from the file; EDG beside it -> no data). */
export function majaFromFile(file: string, opts: AdapterOptions = {}): Promise<SchemaMask> {
  return fromFile(file, 'MAJA_CLM', MAJA_CLM_TABLE, MAJA_NAME, opts);
}

/** The CLM of a THEIA product, on its 20 m grid (CLM_R2) by default; EDG -> no data. */
export function majaFromProduct(product: Product | string, opts: AdapterOptions = {}): Promise<SchemaMask> {
  return fromProduct(product, 'MAJA_CLM', MAJA_CLM_TABLE, MAJA_NAME, opts);
}

export function majaMg2FromFile(file: string, opts: AdapterOptions = {}): Promise<SchemaMask> {
  return fromFile(file, 'MAJA_MG2', MAJA_MG2_TABLE, MAJA_MG2_NAME, opts);
}

export function majaMg2FromProduct(
  product: Product | string,
  opts: AdapterOptions = {},
): Promise<SchemaMask> {
  return fromProduct(product, 'MAJA_MG2', MAJA_MG2_TABLE, MAJA_MG2_NAME, opts);
}

/**
 * The MG2 bits themselves (water, snow, topography, sun: see MAJA_MG2_BITS) on the grid of
 * `resolution`, for a geophysical layer; EDG pixels are 0 and flagged in `edge`.
 */
export async function readMg2Bits(
  product: Product,
  resolution: Resolution = 20,
  signal?: AbortSignal,
): Promise<{ grid: Grid; bits: Uint8Array; edge: Uint8Array | null }> {
  const entry = pickMask(product, 'MAJA_MG2', resolution) ?? requireMask(product, 'MAJA_MG2');
  const raster = await readProductPlanes(product, entry, resolution, signal);
  const edgEntry = pickMask(product, 'MAJA_EDG', resolution);
  const edge = edgEntry
    ? ((await readProductPlanes(product, edgEntry, resolution, signal)).components[0] ?? null)
    : null;
  const bits = Uint8Array.from(raster.components[0] ?? new Uint8Array(0));
  if (edge) for (let i = 0; i < bits.length; i++) if (edge[i]) bits[i] = 0;
  return { grid: raster.grid, bits, edge };
}
