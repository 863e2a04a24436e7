/** Tile URL templates for each layer kind; the query string carries the style so caches key on it. */
import { hex, tileUrlPath, type Rgb3, type TileLayerRef } from '../../../electron/api/tile-url';
import { withToken } from './api';
import type { Layer } from './stores/layers.svelte';

export { hex };

/** The template for a layer, with the web host's token (MapLibre's tile requests cannot set a header). */
export function tileUrl(base: string, sceneId: string, layer: Layer): string {
  const ref = tileLayer(sceneId, layer);
  if (!ref) return '';
  // Absolute, so MapLibre's workers resolve it the same way as the page.
  const root = new URL(base.endsWith('/') ? base : `${base}/`, location.href).href;
  return withToken(root + tileUrlPath(ref));
}

function tileLayer(sceneId: string, layer: Layer): TileLayerRef | null {
  switch (layer.kind) {
    case 'image':
      return {
        kind: 'image',
        sceneId,
        style: { bands: layer.bands, min: [...layer.min], max: [...layer.max], gamma: layer.gamma },
      };
    case 'mask':
    case 'probability':
      return {
        kind: 'mask',
        layerId: layer.layerId,
        style: {
          visibleClasses: layer.classes.filter((c) => c.visible).map((c) => c.id),
          colours: Object.fromEntries(layer.classes.map((c) => [c.id, [...c.colour] as Rgb3])),
        },
      };
    case 'difference':
      return { kind: 'diff', a: layer.a, b: layer.b };
    case 'vector':
      return null;
  }
}

export function rgbCss(c: readonly number[]): string {
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}
