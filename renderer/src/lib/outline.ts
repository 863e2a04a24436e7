/** Country outlines for context, offline: Natural Earth 1:110m from the world-atlas package. */
import { feature } from 'topojson-client';
import type { FeatureCollection } from 'geojson';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries from 'world-atlas/countries-110m.json';

let outlines: FeatureCollection | null = null;

/** Converted once, shared by every map (side by side shows up to four). */
export function countryOutlines(): FeatureCollection {
  if (!outlines) {
    const topo = countries as unknown as Topology<{ countries: GeometryCollection }>;
    outlines = feature(topo, topo.objects.countries) as FeatureCollection;
  }
  return outlines;
}
