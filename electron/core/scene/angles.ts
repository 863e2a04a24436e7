import { at, attr, children, descendants, text, toNumber, type XmlNode } from './xml.js';
import {
  SPECTRAL_BANDS,
  type AngleGrid,
  type SpectralBand,
  type SunAngles,
  type ViewingAngles,
} from './types.js';

const EMPTY_GRID: AngleGrid = { colStep: 0, rowStep: 0, rows: 0, cols: 0, values: [] };

/** One <Zenith>/<Azimuth> block: COL_STEP, ROW_STEP and rows of VALUES ('NaN' outside a detector). */
export function parseAngleGrid(node: XmlNode | undefined): AngleGrid {
  if (!node) return { ...EMPTY_GRID, values: [] };
  const rows = children(at(node, 'Values_List'), 'VALUES').map((r) =>
    text(r) === ''
      ? []
      : text(r)
          .split(/\s+/)
          .map((v) => (v.toLowerCase() === 'nan' ? NaN : Number(v))),
  );
  const filled = rows.filter((r) => r.length > 0);
  const cols = filled.reduce((m, r) => Math.max(m, r.length), 0);
  const values: number[] = [];
  for (const r of filled) for (let c = 0; c < cols; c++) values.push(r[c] ?? NaN);
  return {
    colStep: toNumber(text(at(node, 'COL_STEP'))) ?? 0,
    rowStep: toNumber(text(at(node, 'ROW_STEP'))) ?? 0,
    rows: filled.length,
    cols,
    values,
  };
}

/** Merges per-detector grids into one: the first non-NaN value at each node, as GDAL does. */
export function mergeGrids(grids: AngleGrid[]): AngleGrid {
  const first = grids.find((g) => g.values.length > 0);
  if (!first) return grids[0] ? { ...grids[0], values: [] } : { ...EMPTY_GRID, values: [] };
  const values = first.values.map(() => NaN);
  for (const g of grids) {
    if (g.rows !== first.rows || g.cols !== first.cols) continue;
    g.values.forEach((v, i) => {
      if (Number.isNaN(values[i] as number) && !Number.isNaN(v)) values[i] = v;
    });
  }
  return { colStep: first.colStep, rowStep: first.rowStep, rows: first.rows, cols: first.cols, values };
}

function angleMean(node: XmlNode | undefined, name: string): number {
  return toNumber(text(at(node, name))) ?? NaN;
}

/** Sun angles (mean and grid) from Tile_Angles; null when the tile gives none. */
export function parseSunAngles(tileAngles: XmlNode | undefined): SunAngles | null {
  const grid = at(tileAngles, 'Sun_Angles_Grid');
  const mean = at(tileAngles, 'Mean_Sun_Angle');
  if (!grid && !mean) return null;
  return {
    zenithMean: angleMean(mean, 'ZENITH_ANGLE'),
    azimuthMean: angleMean(mean, 'AZIMUTH_ANGLE'),
    zenith: parseAngleGrid(at(grid, 'Zenith')),
    azimuth: parseAngleGrid(at(grid, 'Azimuth')),
  };
}

/** Viewing angles per band: detector grids merged, with the band's mean angles (NaN when absent). */
export function parseViewingAngles(tileAngles: XmlNode | undefined): ViewingAngles[] {
  const grids = new Map<SpectralBand, { zenith: AngleGrid[]; azimuth: AngleGrid[] }>();
  for (const g of children(tileAngles, 'Viewing_Incidence_Angles_Grids')) {
    const band = SPECTRAL_BANDS[Number(attr(g, 'bandId'))];
    if (!band) continue;
    const entry = grids.get(band) ?? { zenith: [], azimuth: [] };
    entry.zenith.push(parseAngleGrid(at(g, 'Zenith')));
    entry.azimuth.push(parseAngleGrid(at(g, 'Azimuth')));
    grids.set(band, entry);
  }
  const means = new Map<SpectralBand, XmlNode>();
  for (const m of descendants(
    at(tileAngles, 'Mean_Viewing_Incidence_Angle_List'),
    'Mean_Viewing_Incidence_Angle',
  )) {
    const band = SPECTRAL_BANDS[Number(attr(m, 'bandId'))];
    if (band) means.set(band, m);
  }
  const out: ViewingAngles[] = [];
  for (const band of SPECTRAL_BANDS) {
    const g = grids.get(band);
    const m = means.get(band);
    if (!g && !m) continue;
    out.push({
      band,
      zenithMean: angleMean(m, 'ZENITH_ANGLE'),
      azimuthMean: angleMean(m, 'AZIMUTH_ANGLE'),
      zenith: mergeGrids(g?.zenith ?? []),
      azimuth: mergeGrids(g?.azimuth ?? []),
    });
  }
  return out;
}
