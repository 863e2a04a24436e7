/**
 * Vector reference masks: read GeoJSON / Shapefile / GeoPackage, assign schema classes, reproject
 * to a grid's CRS, then rasterise polygons into a SchemaMask or place labelled points on pixels.
 * Features are streamed from reader to burner, so only the output raster is held in memory.
 */
import { extname } from 'node:path';
import type { Grid } from '../../raster/grid.js';
import { S2Error } from '../../errors.js';
import type { MaskClassValue, SchemaMask } from '../schema.js';
import { classAssigner, emptyCounts, type ClassCounts, type ClassRule } from './classes.js';
import { openGeoJson } from './geojson.js';
import { openGeoPackage } from './gpkg.js';
import { gridBounds } from './pixel.js';
import { pointsOnGrid, type LabelledPixel } from './points.js';
import { Burner } from './rasterize.js';
import { makeTransform, transformGeometry } from './reproject.js';
import { openShapefile } from './shapefile.js';
import type { ClassifiedFeature, ReadOptions, VectorData, VectorSource } from './types.js';

export * from './types.js';
export * from './alcd.js';
export {
  classAssigner,
  emptyCounts,
  layerKey,
  type Assigned,
  type ClassCounts,
  type ClassRule,
} from './classes.js';
export { builtinProj4, epsgFromWkt } from './crs.js';
export { fillRings, Burner } from './rasterize.js';
export { pointsOnGrid, type LabelledPixel, type PointsOnGrid } from './points.js';
export { makeTransform, transformGeometry, reprojectFeatures } from './reproject.js';
export { parseWkb, parseGpkgGeometry } from './wkb.js';

/** Opens a vector file as a lazily read layer (format from the extension). */
export async function openVector(path: string, opts: ReadOptions = {}): Promise<VectorSource> {
  const ext = extname(path).toLowerCase();
  if (ext === '.geojson' || ext === '.json') return openGeoJson(path, opts);
  if (ext === '.shp') return openShapefile(path, opts);
  if (ext === '.gpkg') return openGeoPackage(path, opts);
  throw new S2Error(
    'INVALID_ARGUMENT',
    `${path}: unsupported vector format "${ext}" (use .geojson, .json, .shp or .gpkg).`,
    { file: path },
  );
}

/** Reads every feature of a vector file (bounded by opts.maxFeatures / maxVertices). */
export async function readVector(path: string, opts: ReadOptions = {}): Promise<VectorData> {
  const src = await openVector(path, opts);
  const features = [...src.features()];
  const { file, layer, crs, fields } = src;
  return { file, layer, crs, fields, features, skipped: src.skipped() };
}

export interface VectorMaskOptions extends ReadOptions {
  rule: ClassRule;
  /** Name for SchemaMask.source (default "vector reference"). */
  source?: string;
}

export interface VectorFileReport {
  file: string;
  layer: string;
  features: number;
  skipped: number;
}

interface Classified extends ClassifiedFeature {
  featureIndex: number;
  file: string;
}

/** Opens each input and yields its classified features in the grid's CRS. */
async function* classifiedOnGrid(
  inputs: readonly string[],
  grid: Grid,
  opts: VectorMaskOptions,
  counts: ClassCounts,
  files: VectorFileReport[],
  onUnmapped?: (f: ClassifiedFeature['geometry'], raw: string) => void,
): AsyncGenerator<Classified> {
  for (const path of inputs) {
    const src = await openVector(path, opts);
    const assign = classAssigner(opts.rule, path, src.fields, counts);
    const t = makeTransform(src.crs, grid.epsg, path);
    const report: VectorFileReport = { file: path, layer: src.layer, features: 0, skipped: 0 };
    files.push(report);
    for (const f of src.features()) {
      const featureIndex = report.features++;
      const { cls, raw } = assign(f);
      const geometry = transformGeometry(f.geometry, t);
      if (cls === undefined) {
        onUnmapped?.(geometry, raw);
        continue;
      }
      yield { geometry, properties: f.properties, cls, featureIndex, file: path };
    }
    report.skipped = src.skipped();
  }
}

function emptyError(inputs: readonly string[]): S2Error {
  return new S2Error('INVALID_ARGUMENT', `${inputs.join(', ')}: no features to use (the file is empty).`, {
    file: inputs[0],
    details: { files: [...inputs] },
  });
}

function noOverlapError(inputs: readonly string[], grid: Grid, n: number): S2Error {
  const [x0, y0, x1, y1] = gridBounds(grid);
  return new S2Error(
    'INVALID_ARGUMENT',
    `${inputs.join(', ')}: none of the ${n} features overlaps the grid (EPSG:${grid.epsg}, ` +
      `x ${x0.toFixed(0)}..${x1.toFixed(0)}, y ${y0.toFixed(0)}..${y1.toFixed(0)}); check the CRS and the area.`,
    { file: inputs[0], details: { gridBounds: [x0, y0, x1, y1], features: n } },
  );
}

export interface VectorMaskResult {
  mask: SchemaMask;
  counts: ClassCounts;
  /** Labelled pixels per class (after overlaps are resolved, later features winning). */
  pixelsByClass: Record<MaskClassValue, number>;
  files: VectorFileReport[];
}

/**
 * Rasterises vector references onto `grid`. Unlabelled pixels are 0 (no data). `unmapped` in the
 * mask counts the pixels covered by features whose value the rule does not know.
 */
export async function vectorToMask(
  inputs: string | readonly string[],
  grid: Grid,
  opts: VectorMaskOptions,
): Promise<VectorMaskResult> {
  const list = typeof inputs === 'string' ? [inputs] : inputs;
  const counts = emptyCounts();
  const files: VectorFileReport[] = [];
  const burner = new Burner(grid);
  const unmapped: Record<string, number> = {};
  let n = 0;
  let touched = 0;
  const onUnmapped = (g: ClassifiedFeature['geometry'], raw: string): void => {
    n += 1;
    const px = burner.cover(g);
    touched += px;
    unmapped[raw] = (unmapped[raw] ?? 0) + px;
  };
  for await (const f of classifiedOnGrid(list, grid, opts, counts, files, onUnmapped)) {
    n += 1;
    burner.burn(f.geometry, f.cls);
  }
  if (n === 0) throw emptyError(list);
  if (burner.burned === 0 && touched === 0) throw noOverlapError(list, grid, n);
  const pixelsByClass: Record<MaskClassValue, number> = { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0 };
  for (const v of burner.data) pixelsByClass[v as MaskClassValue] += 1;
  const mask: SchemaMask = {
    source: opts.source ?? 'vector reference',
    file: list.join(', '),
    grid,
    data: burner.data,
    unmapped,
  };
  return { mask, counts, pixelsByClass, files };
}

export interface VectorPointsResult {
  points: LabelledPixel[];
  /** Points that fall outside the grid. */
  outside: number;
  /** Non-point features met (ignored). */
  notPoints: number;
  counts: ClassCounts;
  files: VectorFileReport[];
}

/** Labelled points (ALCD-style samples) placed on `grid`'s pixels. */
export async function vectorToPoints(
  inputs: string | readonly string[],
  grid: Grid,
  opts: VectorMaskOptions,
): Promise<VectorPointsResult> {
  const list = typeof inputs === 'string' ? [inputs] : inputs;
  const counts = emptyCounts();
  const files: VectorFileReport[] = [];
  const feats: Classified[] = [];
  for await (const f of classifiedOnGrid(list, grid, opts, counts, files)) feats.push(f);
  const total = files.reduce((s, f) => s + f.features, 0);
  if (total === 0) throw emptyError(list);
  const res = pointsOnGrid(feats, grid);
  if (res.points.length === 0 && res.outside > 0) throw noOverlapError(list, grid, total);
  return { ...res, counts, files };
}
