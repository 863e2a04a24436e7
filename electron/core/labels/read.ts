/**
 * Reads a label file (GeoPackage, or GeoJSON such as QGIS writes) through the existing vector
 * readers, and places its labels on a raster grid. Every feature must carry a `class` attribute
 * this project knows (classes.ts); an unknown value stops the read naming the file, the feature
 * and the value, since a silently dropped label would bias whatever is fitted or scored on them.
 */
import { extname } from 'node:path';
import { S2Error } from '../errors.js';
import type { MaskClassValue } from '../masks/schema.js';
import { Burner, fillRings, makeTransform, openVector, transformGeometry } from '../masks/vector/index.js';
import { worldToPixel } from '../masks/vector/pixel.js';
import type { Position, ReadOptions, VectorCrs, VectorGeometry } from '../masks/vector/types.js';
import type { Grid } from '../raster/grid.js';
import { LABEL_CLASS_FIELD, parseLabelClass } from './classes.js';
import { LABEL_LAYER } from './gpkg-write.js';
import type { Label } from './types.js';

const LABEL_EXT = new Set(['.gpkg', '.geojson', '.json']);

export interface LoadedLabels {
  file: string;
  crs: VectorCrs;
  labels: Label[];
  /** Features without a point or polygon geometry (lines, empty), left out. */
  skipped: number;
}

const text = (v: string | number | null | undefined): string | undefined =>
  v === null || v === undefined ? undefined : String(v);

/** Reads every label of a .gpkg / .geojson / .json label file. */
export async function readLabels(file: string, opts: ReadOptions = {}): Promise<LoadedLabels> {
  const ext = extname(file).toLowerCase();
  if (!LABEL_EXT.has(ext))
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file}: labels are read from .gpkg or .geojson files (got "${ext}").`,
      {
        file,
      },
    );
  // A label GeoPackage of ours has one layer; someone else's may have several: ours by name.
  let src;
  try {
    src = await openVector(file, opts);
  } catch (err) {
    if (ext !== '.gpkg' || opts.layer !== undefined || !(err instanceof S2Error)) throw err;
    const layers = (err.details as { layers?: string[] } | undefined)?.layers;
    if (!layers?.includes(LABEL_LAYER)) throw err;
    src = await openVector(file, { ...opts, layer: LABEL_LAYER });
  }
  const field =
    src.fields.find((f) => f === LABEL_CLASS_FIELD) ??
    src.fields.find((f) => f.toLowerCase() === LABEL_CLASS_FIELD);
  if (field === undefined)
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file}: labels need a "class" attribute (1 clear, 2 cloud, 3 semi-transparent, 4 shadow, 0 ignore, or those names); the fields are ${src.fields.join(', ') || '(none)'}.`,
      { file, details: { fields: src.fields } },
    );
  const labels: Label[] = [];
  let i = 0;
  for (const f of src.features()) {
    i++;
    const raw = f.properties[field];
    const cls = parseLabelClass(raw);
    if (cls === undefined)
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${file}: feature ${i} has class ${JSON.stringify(raw ?? null)}, not one of 0-4 or clear, cloud, semi-transparent, shadow, ignore.`,
        { file, details: { feature: i, value: raw ?? null } },
      );
    const label: Label = { geometry: f.geometry, cls };
    const author = text(f.properties.author);
    const time = text(f.properties.time);
    if (author !== undefined) label.author = author;
    if (time !== undefined) label.time = time;
    labels.push(label);
  }
  return { file, crs: src.crs, labels, skipped: src.skipped() };
}

/**
 * Whether a vector file is a label file of ours: a "class" field, and our layer name, an author
 * field, or class names (clear, cloud, ...) in it. Numbers alone are not enough: ALCD's merged
 * samples also carry "class", with other codes (1 background, 5 land).
 */
export async function isLabelFile(file: string): Promise<boolean> {
  if (!LABEL_EXT.has(extname(file).toLowerCase())) return false;
  try {
    const gpkg = extname(file).toLowerCase() === '.gpkg';
    // Ours by layer name; someone else's GeoPackage (QGIS) when it has one layer.
    const src = gpkg
      ? await openVector(file, { layer: LABEL_LAYER }).catch(() => openVector(file))
      : await openVector(file);
    const field = src.fields.find((f) => f.toLowerCase() === LABEL_CLASS_FIELD);
    if (field === undefined) return false;
    if (src.layer === LABEL_LAYER || src.fields.some((f) => f.toLowerCase() === 'author')) return true;
    let named = false;
    for (const f of src.features()) {
      const v = f.properties[field];
      if (typeof v === 'string' && !/^\s*\d+\s*$/.test(v)) {
        if (parseLabelClass(v) === undefined) return false;
        named = true;
      }
    }
    return named;
  } catch {
    return false;
  }
}

/** The pixels of one label on a grid. */
export interface LabelPixels {
  /** Index of the label in its file. */
  label: number;
  cls: MaskClassValue;
  /** Pixel indices (row * width + col), each once, at most `maxPerLabel`. */
  pixels: number[];
  /** Pixels the label covers on the grid before any cap. */
  covered: number;
}

export interface LabelsOnGridOptions {
  /** Most pixels kept per label (a large polygon must not outweigh every point). Default 256. */
  maxPerLabel?: number;
  /** Seed of the subsampling of larger labels. Default 1. */
  seed?: number;
}

/** mulberry32: a small seeded generator, so the same labels give the same samples. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function walk(
  g: VectorGeometry,
  grid: Grid,
  toPixel: (p: Position) => Position,
  visit: (i: number) => void,
): void {
  const { width, height } = grid;
  const point = (p: Position): void => {
    const [c, r] = toPixel(p);
    const col = Math.floor(c);
    const row = Math.floor(r);
    if (col >= 0 && row >= 0 && col < width && row < height) visit(row * width + col);
  };
  const polygon = (rings: Position[][]): void =>
    fillRings(
      rings.map((r) => r.map(toPixel)),
      width,
      height,
      (row, c0, c1) => {
        for (let c = c0; c <= c1; c++) visit(row * width + c);
      },
    );
  if (g.type === 'Point') point(g.coordinates);
  else if (g.type === 'MultiPoint') g.coordinates.forEach(point);
  else if (g.type === 'Polygon') polygon(g.coordinates);
  else g.coordinates.forEach(polygon);
}

/**
 * Places labels on a grid (reprojected from the file's CRS): the pixels each covers, later
 * labels winning where they overlap (as gdal_rasterize and the compare code do, so an "ignore"
 * polygon drawn over a cloud takes those pixels out). Labels that miss the grid have no pixels.
 */
export function labelsOnGrid(
  loaded: LoadedLabels,
  grid: Grid,
  opts: LabelsOnGridOptions = {},
): LabelPixels[] {
  const cap = opts.maxPerLabel ?? 256;
  const rand = seededRandom(opts.seed ?? 1);
  const t = makeTransform(loaded.crs, grid.epsg, loaded.file);
  const toPixel = worldToPixel(grid);
  const burner = new Burner(grid);
  const geoms = loaded.labels.map((l) => transformGeometry(l.geometry, t));
  geoms.forEach((g, i) => burner.burn(g, loaded.labels[i]!.cls));
  return geoms.map((g, i) => {
    const cls = loaded.labels[i]!.cls;
    // Reservoir sampling: a uniform subset of the label's final pixels, whatever its size.
    const kept: number[] = [];
    // A polygon's scanline spans never overlap; only the parts of a multi-geometry can.
    const seen = g.type.startsWith('Multi') ? new Set<number>() : undefined;
    let covered = 0;
    let eligible = 0;
    walk(g, grid, toPixel, (p) => {
      if (seen) {
        if (seen.has(p)) return;
        seen.add(p);
      }
      covered++;
      if (burner.data[p] !== cls) return;
      eligible++;
      if (kept.length < cap) kept.push(p);
      else {
        const j = Math.floor(rand() * eligible);
        if (j < cap) kept[j] = p;
      }
    });
    return { label: i, cls, pixels: kept, covered };
  });
}
