/**
 * Polygon rasterisation onto a grid: even-odd scanline at pixel centres, all rings of a polygon
 * together (so holes are respected), each part of a MultiPolygon on its own. A pixel is inside
 * when its centre is: rows whose centre y is in [ymin, ymax) of an edge cross it, and columns
 * whose centre x is in [xa, xb) of a span are filled. Cost per polygon is O(edges x rows they
 * span + pixels filled), never O(grid). Points burn the pixel that contains them.
 * Later features overwrite earlier ones, as gdal_rasterize does.
 */
import type { Grid } from '../../raster/grid.js';
import type { MaskClassValue } from '../schema.js';
import { worldToPixel } from './pixel.js';
import type { Position, Ring, VectorGeometry } from './types.js';

interface Edge {
  x0: number;
  y0: number;
  slope: number;
  rowStart: number;
  rowEnd: number;
}

/** Fills the pixels whose centres lie inside `rings` (pixel coordinates, even-odd rule). */
export function fillRings(
  rings: readonly Ring[],
  width: number,
  height: number,
  fill: (row: number, c0: number, c1: number) => void,
): void {
  const edges: Edge[] = [];
  for (const ring of rings) {
    const n = ring.length;
    for (let i = 0; i < n; i++) {
      const a = ring[i] as Position;
      const b = ring[(i + 1) % n] as Position;
      if (a[1] === b[1]) continue; // horizontal edges never cross a centre line
      const [p, q] = a[1] < b[1] ? [a, b] : [b, a];
      const rowStart = Math.max(0, Math.ceil(p[1] - 0.5));
      const rowEnd = Math.min(height - 1, Math.ceil(q[1] - 0.5) - 1);
      if (rowStart > rowEnd) continue;
      edges.push({ x0: p[0], y0: p[1], slope: (q[0] - p[0]) / (q[1] - p[1]), rowStart, rowEnd });
    }
  }
  if (edges.length === 0) return;
  edges.sort((e, f) => e.rowStart - f.rowStart);
  let next = 0;
  let active: Edge[] = [];
  const xs: number[] = [];
  for (let row = (edges[0] as Edge).rowStart; row < height; row++) {
    while (next < edges.length && (edges[next] as Edge).rowStart === row) active.push(edges[next++] as Edge);
    if (active.length === 0) {
      if (next >= edges.length) break;
      row = (edges[next] as Edge).rowStart - 1; // skip empty rows
      continue;
    }
    const yc = row + 0.5;
    xs.length = 0;
    for (const e of active) xs.push(e.x0 + (yc - e.y0) * e.slope);
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const c0 = Math.max(0, Math.ceil((xs[k] as number) - 0.5));
      const c1 = Math.min(width - 1, Math.ceil((xs[k + 1] as number) - 0.5) - 1);
      if (c0 <= c1) fill(row, c0, c1);
    }
    active = active.filter((e) => e.rowEnd > row);
    if (active.length === 0 && next >= edges.length) break;
  }
}

/** Burns geometries (already in the grid's CRS) into a class raster. */
export class Burner {
  readonly data: Uint8Array;
  /** Pixels written (a pixel written twice counts twice). */
  burned = 0;
  private readonly toPixel: (p: Position) => Position;

  constructor(readonly grid: Grid) {
    this.data = new Uint8Array(grid.width * grid.height);
    this.toPixel = worldToPixel(grid);
  }

  burn(g: VectorGeometry, cls: MaskClassValue): void {
    const width = this.grid.width;
    this.walk(g, (row, c0, c1) => {
      this.data.fill(cls, row * width + c0, row * width + c1 + 1);
      this.burned += c1 - c0 + 1;
    });
  }

  /** Pixels `g` covers, without writing (used to report unmapped features in pixels). */
  cover(g: VectorGeometry): number {
    let n = 0;
    this.walk(g, (_row, c0, c1) => {
      n += c1 - c0 + 1;
    });
    return n;
  }

  private walk(g: VectorGeometry, fill: (row: number, c0: number, c1: number) => void): void {
    const { width, height } = this.grid;
    const point = (p: Position): void => {
      const [c, r] = this.toPixel(p);
      const col = Math.floor(c);
      const row = Math.floor(r);
      if (col >= 0 && row >= 0 && col < width && row < height) fill(row, col, col);
    };
    const polygon = (rings: Ring[]): void =>
      fillRings(
        rings.map((r) => r.map(this.toPixel)),
        width,
        height,
        fill,
      );
    switch (g.type) {
      case 'Point':
        return point(g.coordinates);
      case 'MultiPoint':
        return g.coordinates.forEach(point);
      case 'Polygon':
        return polygon(g.coordinates);
      case 'MultiPolygon':
        return g.coordinates.forEach(polygon);
    }
  }
}
