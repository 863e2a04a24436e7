/**
 * Vector references for display on the map: every feature in longitude/latitude with its schema
 * class, so the renderer draws points and polygons coloured by class (no rasterising, no loss).
 * Class rules as in comparisons: ALCD folders and files by their names, a numeric `class`
 * attribute by the ALCD codes, anything else as outlines without a class.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { S2Error } from '../../errors.js';
import type { MaskClassValue } from '../schema.js';
import { ALCD_CODE_RULE, ALCD_FILE_CLASSES, ALCD_RULE, alcdShapefiles } from './alcd.js';
import { classAssigner, emptyCounts, layerKey, type ClassRule } from './classes.js';
import { openVector } from './index.js';
import { makeTransform, transformGeometry } from './reproject.js';
import type { VectorGeometry } from './types.js';

export interface DisplayFeature {
  type: 'Feature';
  geometry: VectorGeometry;
  /** `cls` is the schema class, or -1 where the file's values have no class. */
  properties: { cls: number; source: string };
}

export interface DisplayLayer {
  name: string;
  features: DisplayFeature[];
  /** Features per class (key -1: without a class). */
  counts: Record<string, number>;
  /** [west, south, east, north]. */
  bounds: [number, number, number, number] | null;
  skipped: number;
}

/** Past this many features a reference is better compared than drawn: refuse with the reason. */
export const MAX_DISPLAY_FEATURES = 200_000;

function ruleFor(file: string, fields: readonly string[]): ClassRule | null {
  if (layerKey(file) in ALCD_FILE_CLASSES) return ALCD_RULE;
  if (fields.some((f) => f.toLowerCase() === 'class')) return ALCD_CODE_RULE;
  return null;
}

/** Reads a vector file, or a folder of ALCD shapefiles, into lon/lat features with classes. */
export async function vectorForDisplay(path: string): Promise<DisplayLayer> {
  let files: string[];
  try {
    files = (await stat(path)).isDirectory() ? alcdShapefiles(path) : [path];
  } catch (err) {
    throw new S2Error('NOT_FOUND', `Cannot read ${path}.`, { file: path, cause: err });
  }
  if (files.length === 0) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${path} holds no ALCD shapefiles (low_clouds.shp, land.shp, ...).`,
      {
        file: path,
      },
    );
  }
  const features: DisplayFeature[] = [];
  const counts: Record<string, number> = {};
  let skipped = 0;
  const box = [Infinity, Infinity, -Infinity, -Infinity] as [number, number, number, number];
  const grow = (p: readonly number[]): void => {
    box[0] = Math.min(box[0], p[0]!);
    box[1] = Math.min(box[1], p[1]!);
    box[2] = Math.max(box[2], p[0]!);
    box[3] = Math.max(box[3], p[1]!);
  };
  for (const file of files) {
    const src = await openVector(file, { maxFeatures: MAX_DISPLAY_FEATURES });
    const rule = ruleFor(file, src.fields);
    const assign = rule ? classAssigner(rule, file, src.fields, emptyCounts()) : null;
    const toLonLat = makeTransform(src.crs, 4326, file);
    for (const f of src.features()) {
      const cls: number = assign ? ((assign(f).cls as MaskClassValue | undefined) ?? -1) : -1;
      const geometry = transformGeometry(f.geometry, toLonLat);
      visit(geometry, grow);
      features.push({ type: 'Feature', geometry, properties: { cls, source: basename(file) } });
      counts[cls] = (counts[cls] ?? 0) + 1;
      if (features.length > MAX_DISPLAY_FEATURES) {
        throw new S2Error(
          'INVALID_ARGUMENT',
          `${path} has more than ${MAX_DISPLAY_FEATURES} features: too many to draw; use it as a reference in Metrics instead.`,
          { file: path },
        );
      }
    }
    skipped += src.skipped();
  }
  return {
    name: basename(path),
    features,
    counts,
    bounds: Number.isFinite(box[0]) ? box : null,
    skipped,
  };
}

function visit(g: VectorGeometry, f: (p: readonly number[]) => void): void {
  switch (g.type) {
    case 'Point':
      f(g.coordinates);
      break;
    case 'MultiPoint':
      g.coordinates.forEach(f);
      break;
    case 'Polygon':
      g.coordinates.forEach((r) => r.forEach(f));
      break;
    case 'MultiPolygon':
      g.coordinates.forEach((p) => p.forEach((r) => r.forEach(f)));
      break;
  }
}
