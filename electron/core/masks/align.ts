/**
 * Brings masks onto one comparison grid (nearest neighbour: classes are never blended) and
 * reports the overlap. Reprojection is an inverse mapping: target pixel centre -> source CRS ->
 * source pixel. Between different CRSs only a control grid (every `controlStep` px) goes through
 * proj4 and the source pixel positions are interpolated bilinearly between control points: over
 * 16 px of a UTM or WGS84 grid the curvature error is far below 0.01 px, and 10980^2 stays fast.
 */
import { S2Error } from '../errors.js';
import type { Grid } from '../raster/grid.js';
import { transformer } from './adapters/crs.js';
import type { SchemaMask } from './schema.js';

export interface AlignOptions {
  /**
   * The comparison grid: 'reference' (default: the grid of masks[reference]), 'finest' (the grid
   * of the mask with the smallest pixel area, in its own CRS units), or an explicit grid.
   */
  grid?: 'reference' | 'finest' | Grid;
  /** Index of the reference mask (default 0). */
  reference?: number;
  /** Control-point spacing for reprojection, in target pixels (default 16; 1 = exact per pixel). */
  controlStep?: number;
}

export interface Overlap {
  /** Pixels where every mask has data (class != 0). */
  pixels: number;
  areaKm2: number;
  /** Per mask: overlap pixels / that mask's data pixels on the comparison grid. */
  fractionOfMask: number[];
}

export interface AlignedMasks {
  grid: Grid;
  /** The masks resampled onto `grid`, in input order; 0 outside a mask and where the others have no data. */
  masks: SchemaMask[];
  /** 1 where every mask has data. */
  valid: Uint8Array;
  overlap: Overlap;
}

/** Resamples one mask onto `target` (nearest neighbour; 0 outside the source). */
export function resampleMask(mask: SchemaMask, target: Grid, controlStep = 16): Uint8Array {
  const src = mask.grid;
  if (sameGrid(src, target)) return mask.data.slice();
  const out = new Uint8Array(target.width * target.height);
  const inv = invertAffine(src.transform);
  const [tox, tpw, trx, toy, try_, tph] = target.transform;
  const sample = (r: number, sxRow: Float64Array, syRow: Float64Array): void => {
    const base = r * target.width;
    for (let c = 0; c < target.width; c++) {
      const sx = Math.floor(sxRow[c] as number);
      const sy = Math.floor(syRow[c] as number);
      if (sx >= 0 && sy >= 0 && sx < src.width && sy < src.height)
        out[base + c] = mask.data[sy * src.width + sx] as number;
    }
  };
  const sxRow = new Float64Array(target.width);
  const syRow = new Float64Array(target.width);
  if (src.epsg === target.epsg) {
    // Same CRS: one affine composition, exact.
    for (let r = 0; r < target.height; r++) {
      for (let c = 0; c < target.width; c++) {
        const x = tox + (c + 0.5) * tpw + (r + 0.5) * trx;
        const y = toy + (c + 0.5) * try_ + (r + 0.5) * tph;
        sxRow[c] = inv[0] + x * inv[1] + y * inv[2];
        syRow[c] = inv[3] + x * inv[4] + y * inv[5];
      }
      sample(r, sxRow, syRow);
    }
    return out;
  }
  const toSrc = transformer(target.epsg, src.epsg);
  const step = Math.max(1, Math.floor(controlStep));
  const cols = controlPositions(target.width, step);
  const rows = controlPositions(target.height, step);
  // Source pixel coordinates at the control points.
  const cx = new Float64Array(cols.length * rows.length);
  const cy = new Float64Array(cols.length * rows.length);
  rows.forEach((r, j) => {
    cols.forEach((c, i) => {
      const x = tox + (c + 0.5) * tpw + (r + 0.5) * trx;
      const y = toy + (c + 0.5) * try_ + (r + 0.5) * tph;
      const [X, Y] = toSrc(x, y);
      cx[j * cols.length + i] = inv[0] + X * inv[1] + Y * inv[2];
      cy[j * cols.length + i] = inv[3] + X * inv[4] + Y * inv[5];
    });
  });
  let j = 0;
  for (let r = 0; r < target.height; r++) {
    while (j + 2 < rows.length && (rows[j + 1] as number) <= r) j++;
    const r0 = rows[j] as number;
    const r1 = rows[Math.min(j + 1, rows.length - 1)] as number;
    const ty = r1 > r0 ? (r - r0) / (r1 - r0) : 0;
    let i = 0;
    for (let c = 0; c < target.width; c++) {
      while (i + 2 < cols.length && (cols[i + 1] as number) <= c) i++;
      const c0 = cols[i] as number;
      const c1 = cols[Math.min(i + 1, cols.length - 1)] as number;
      const tx = c1 > c0 ? (c - c0) / (c1 - c0) : 0;
      const i1 = Math.min(i + 1, cols.length - 1);
      const j1 = Math.min(j + 1, rows.length - 1);
      const a = j * cols.length;
      const b = j1 * cols.length;
      sxRow[c] = bilinear(
        cx[a + i] as number,
        cx[a + i1] as number,
        cx[b + i] as number,
        cx[b + i1] as number,
        tx,
        ty,
      );
      syRow[c] = bilinear(
        cy[a + i] as number,
        cy[a + i1] as number,
        cy[b + i] as number,
        cy[b + i1] as number,
        tx,
        ty,
      );
      // A control point that did not project (NaN) falls back to the exact transform.
      if (!Number.isFinite(sxRow[c] as number) || !Number.isFinite(syRow[c] as number)) {
        const [X, Y] = toSrc(
          tox + (c + 0.5) * tpw + (r + 0.5) * trx,
          toy + (c + 0.5) * try_ + (r + 0.5) * tph,
        );
        sxRow[c] = inv[0] + X * inv[1] + Y * inv[2];
        syRow[c] = inv[3] + X * inv[4] + Y * inv[5];
      }
    }
    sample(r, sxRow, syRow);
  }
  return out;
}

function bilinear(p00: number, p10: number, p01: number, p11: number, tx: number, ty: number): number {
  return (p00 * (1 - tx) + p10 * tx) * (1 - ty) + (p01 * (1 - tx) + p11 * tx) * ty;
}

/** 0, step, 2*step, ... and the last index. */
function controlPositions(n: number, step: number): number[] {
  const out: number[] = [];
  for (let v = 0; v < n - 1; v += step) out.push(v);
  out.push(n - 1);
  return out;
}

/** Inverse of a GDAL geotransform, as [c0, cx, cy, r0, rx, ry]: col = c0 + x*cx + y*cy, row = r0 + x*rx + y*ry. */
function invertAffine(t: Grid['transform']): [number, number, number, number, number, number] {
  const [ox, a, b, oy, d, e] = t;
  const det = a * e - b * d;
  if (det === 0)
    throw new S2Error('INVALID_ARGUMENT', 'A mask grid has a degenerate (zero-area) pixel transform.');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [-(ia * ox + ib * oy), ia, ib, -(id * ox + ie * oy), id, ie];
}

function sameGrid(a: Grid, b: Grid): boolean {
  return (
    a.epsg === b.epsg &&
    a.width === b.width &&
    a.height === b.height &&
    a.transform.every((v, i) => v === b.transform[i])
  );
}

/** Pixel area in km^2 per row of a grid (metres for projected CRSs, ellipsoid-free sphere for 4326). */
export function rowAreasKm2(grid: Grid): Float64Array {
  const [, pw, rx, oy, ry, ph] = grid.transform;
  const out = new Float64Array(grid.height);
  if (grid.epsg === 4326) {
    // Area of a lon/lat cell on a sphere of the authalic radius: R^2 * dlon * (sin lat1 - sin lat2).
    const R = 6371.0072;
    const dlon = (Math.abs(pw) * Math.PI) / 180;
    for (let r = 0; r < grid.height; r++) {
      const lat1 = ((oy + r * ph) * Math.PI) / 180;
      const lat2 = ((oy + (r + 1) * ph) * Math.PI) / 180;
      out[r] = R * R * dlon * Math.abs(Math.sin(lat1) - Math.sin(lat2));
    }
  } else out.fill(Math.abs(pw * ph - rx * ry) / 1e6);
  return out;
}

function chooseGrid(masks: readonly SchemaMask[], opts: AlignOptions): Grid {
  const g = opts.grid ?? 'reference';
  if (typeof g === 'object') return g;
  if (g === 'finest') {
    let best = masks[0] as SchemaMask;
    for (const m of masks) {
      const area = Math.abs(m.grid.transform[1] * m.grid.transform[5]);
      if (area < Math.abs(best.grid.transform[1] * best.grid.transform[5])) best = m;
    }
    return best.grid;
  }
  const ref = masks[opts.reference ?? 0];
  if (!ref) throw new S2Error('INVALID_ARGUMENT', `No mask at reference index ${opts.reference ?? 0}.`);
  return ref.grid;
}

/**
 * Aligns masks onto one grid and computes their common overlap. No data in any mask excludes the
 * pixel from every mask (all aligned masks are 0 there). A mask with no data pixel on the grid,
 * or masks with no common pixel, fail with an S2Error naming the files.
 */
export function alignMasks(masks: readonly SchemaMask[], opts: AlignOptions = {}): AlignedMasks {
  if (masks.length === 0) throw new S2Error('INVALID_ARGUMENT', 'No masks to align.');
  const grid = chooseGrid(masks, opts);
  const refIndex = opts.reference ?? 0;
  const refFile = masks[refIndex]?.file ?? '(comparison grid)';
  const n = grid.width * grid.height;
  const data = masks.map((m) => resampleMask(m, grid, opts.controlStep));
  const valid = new Uint8Array(n).fill(1);
  const own = data.map(() => 0);
  data.forEach((d, k) => {
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (d[i] === 0) valid[i] = 0;
      else count++;
    }
    own[k] = count;
    if (count === 0) {
      const m = masks[k] as SchemaMask;
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${m.file} does not overlap ${k === refIndex ? 'the comparison grid' : refFile} (no pixel with data in common).`,
        { file: m.file, details: { reference: refFile, mask: m.file } },
      );
    }
  });
  const areas = rowAreasKm2(grid);
  let pixels = 0;
  let areaKm2 = 0;
  for (let r = 0; r < grid.height; r++) {
    let rowCount = 0;
    for (let i = r * grid.width; i < (r + 1) * grid.width; i++) rowCount += valid[i] as number;
    pixels += rowCount;
    areaKm2 += rowCount * (areas[r] as number);
  }
  if (pixels === 0) {
    const names = masks.map((m) => m.file).join(', ');
    throw new S2Error('INVALID_ARGUMENT', `The masks do not overlap where they have data: ${names}.`, {
      details: { files: masks.map((m) => m.file) },
    });
  }
  for (const d of data) for (let i = 0; i < n; i++) if (valid[i] === 0) d[i] = 0;
  return {
    grid,
    masks: masks.map((m, k) => ({ ...m, grid, data: data[k] as Uint8Array })),
    valid,
    overlap: { pixels, areaKm2, fractionOfMask: own.map((c) => pixels / c) },
  };
}
