/** Country outlines for context, offline: Natural Earth 1:110m from the world-atlas package. */
import { feature } from 'topojson-client';
import type { Feature, FeatureCollection, Geometry, Position } from 'geojson';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries from 'world-atlas/countries-110m.json' with { type: 'json' };

/** Web Mercator's edge: a vertex nearer the pole is drawn as a band across the whole map. */
const MAX_LAT = 85.05;

let outlines: FeatureCollection | null = null;

/**
 * One ring made drawable on a Web Mercator map. world-atlas cuts rings at the antimeridian by
 * jumping from +180 to -180, which MapLibre draws as a line (and a fill) across the whole world
 * (Fiji near 17 S, Chukotka). A ring that jumps twice is moved onto one side (longitudes past 180
 * are drawn on the next world copy); a ring that jumps once goes round the pole (Antarctica) and
 * is closed along the map's edge instead of across it.
 */
export function drawableRing(ring: Position[]): Position[] {
  const jumps: number[] = [];
  for (let i = 1; i < ring.length; i++) {
    if (Math.abs(ring[i]![0]! - ring[i - 1]![0]!) > 180) jumps.push(i);
  }
  const clamp = (p: Position): Position => [p[0]!, Math.max(-MAX_LAT, Math.min(MAX_LAT, p[1]!))];
  if (jumps.length === 0) return ring.map(clamp);
  if (jumps.length === 1) {
    // Open the ring at the jump and close it through the pole's edge of the map.
    const at = jumps[0]!;
    const open = [...ring.slice(at), ...ring.slice(1, at)].map(clamp);
    const first = open[0]!;
    const last = open.at(-1)!;
    const south = first[1]! + last[1]! < 0;
    const edge = south ? -MAX_LAT : MAX_LAT;
    // Through the middle too, so no edge segment spans more than half the world.
    return [...open, [last[0]!, edge], [(last[0]! + first[0]!) / 2, edge], [first[0]!, edge], first];
  }
  // Shift the smaller side across the antimeridian so the ring stays in one piece.
  const east = ring.filter((p) => p[0]! > 0).length >= ring.length / 2;
  return ring.map((p) =>
    clamp([east && p[0]! < 0 ? p[0]! + 360 : !east && p[0]! > 0 ? p[0]! - 360 : p[0]!, p[1]!]),
  );
}

function drawable(f: Feature): Feature {
  const g = f.geometry as Geometry;
  if (g.type === 'Polygon')
    return { ...f, geometry: { type: 'Polygon', coordinates: g.coordinates.map(drawableRing) } };
  if (g.type === 'MultiPolygon') {
    return {
      ...f,
      geometry: { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map(drawableRing)) },
    };
  }
  return f;
}

/** Converted once, shared by every map (side by side shows up to four). */
export function countryOutlines(): FeatureCollection {
  if (!outlines) {
    const topo = countries as unknown as Topology<{ countries: GeometryCollection }>;
    const fc = feature(topo, topo.objects.countries) as FeatureCollection;
    outlines = { ...fc, features: fc.features.map(drawable) };
  }
  return outlines;
}
