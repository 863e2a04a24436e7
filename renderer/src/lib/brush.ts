/**
 * A brush stroke as one polygon: the stroke's path, swept by a disc of the brush's radius (screen
 * pixels), is painted onto a fine grid and the grid's boundary is traced into rings. A polygon
 * offset from the path by hand would cross itself at sharp turns (the label rasteriser fills by
 * the even-odd rule, so such a loop would become a hole); the traced outline never does.
 */

export type Xy = [number, number];

/** Outer ring first, then holes (a stroke that loops back on itself); each ring closed. */
export function strokeOutline(path: readonly Xy[], radius: number): Xy[][] {
  if (path.length === 0 || !(radius > 0)) return [];
  // A quarter of the radius per cell: a smooth enough disc, a few hundred vertices per stroke.
  const cell = Math.max(0.5, radius / 4);
  const xs = path.map((p) => p[0]);
  const ys = path.map((p) => p[1]);
  const x0 = Math.min(...xs) - radius - 2 * cell;
  const y0 = Math.min(...ys) - radius - 2 * cell;
  const w = Math.ceil((Math.max(...xs) + radius + 2 * cell - x0) / cell) + 1;
  const h = Math.ceil((Math.max(...ys) + radius + 2 * cell - y0) / cell) + 1;
  const filled = new Uint8Array(w * h);
  const r2 = radius * radius;
  const stamp = (px: number, py: number): void => {
    const c0 = Math.max(0, Math.floor((px - radius - x0) / cell));
    const c1 = Math.min(w - 1, Math.ceil((px + radius - x0) / cell));
    const r0 = Math.max(0, Math.floor((py - radius - y0) / cell));
    const r1 = Math.min(h - 1, Math.ceil((py + radius - y0) / cell));
    for (let r = r0; r <= r1; r++) {
      const dy = y0 + (r + 0.5) * cell - py;
      for (let c = c0; c <= c1; c++) {
        const dx = x0 + (c + 0.5) * cell - px;
        if (dx * dx + dy * dy <= r2) filled[r * w + c] = 1;
      }
    }
  };
  stamp(path[0]![0], path[0]![1]);
  for (let i = 1; i < path.length; i++) {
    const [ax, ay] = path[i - 1]!;
    const [bx, by] = path[i]!;
    const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / cell));
    for (let k = 1; k <= steps; k++) stamp(ax + ((bx - ax) * k) / steps, ay + ((by - ay) * k) / steps);
  }
  const rings = traceRings(filled, w, h).map((ring) =>
    closeRing(ring.map(([c, r]) => [x0 + c * cell, y0 + r * cell] as Xy)),
  );
  // The outer boundary encloses the largest area; the others are holes.
  rings.sort((a, b) => Math.abs(area(b)) - Math.abs(area(a)));
  return rings;
}

/** Boundary edges of the filled cells, chained into rings of corner coordinates (collinear corners dropped). */
function traceRings(filled: Uint8Array, w: number, h: number): Xy[][] {
  const at = (c: number, r: number): boolean => c >= 0 && r >= 0 && c < w && r < h && filled[r * w + c] === 1;
  // Directed edges, the filled cell on the same side of each: start corner -> end corners.
  const next = new Map<number, number[]>();
  const key = (c: number, r: number): number => r * (w + 1) + c;
  const edge = (a: number, b: number): void => {
    const list = next.get(a);
    if (list) list.push(b);
    else next.set(a, [b]);
  };
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      if (!at(c, r)) continue;
      if (!at(c, r - 1)) edge(key(c, r), key(c + 1, r));
      if (!at(c + 1, r)) edge(key(c + 1, r), key(c + 1, r + 1));
      if (!at(c, r + 1)) edge(key(c + 1, r + 1), key(c, r + 1));
      if (!at(c - 1, r)) edge(key(c, r + 1), key(c, r));
    }
  const rings: Xy[][] = [];
  for (const start of [...next.keys()]) {
    while ((next.get(start)?.length ?? 0) > 0) {
      const ring: Xy[] = [];
      let k = start;
      do {
        ring.push([k % (w + 1), Math.floor(k / (w + 1))]);
        const outs = next.get(k)!;
        const to = outs.pop()!;
        if (outs.length === 0) next.delete(k);
        k = to;
      } while (k !== start && next.has(k));
      rings.push(dropCollinear(ring));
    }
  }
  return rings.filter((r) => r.length >= 3);
}

function dropCollinear(ring: Xy[]): Xy[] {
  const n = ring.length;
  return ring.filter((p, i) => {
    const a = ring[(i - 1 + n) % n]!;
    const b = ring[(i + 1) % n]!;
    return (p[0] - a[0]) * (b[1] - p[1]) - (p[1] - a[1]) * (b[0] - p[0]) !== 0;
  });
}

function closeRing(ring: Xy[]): Xy[] {
  return ring.length > 0 ? [...ring, ring[0]!] : ring;
}

/** Signed area (shoelace), of a closed or open ring. */
export function area(ring: readonly Xy[]): number {
  let s = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[(i + 1) % ring.length]!;
    s += x1 * y2 - x2 * y1;
  }
  return s / 2;
}
