/** Country outlines for context, offline: Natural Earth 1:110m from the world-atlas package. */
import { feature } from 'topojson-client';
import type { FeatureCollection } from 'geojson';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries from 'world-atlas/countries-110m.json';

export function countryOutlines(): FeatureCollection {
  const topo = countries as unknown as Topology<{ countries: GeometryCollection }>;
  return feature(topo, topo.objects.countries) as FeatureCollection;
}
