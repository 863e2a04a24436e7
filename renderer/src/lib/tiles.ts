/** Tile URL templates for each layer kind; the query string carries the style so caches key on it. */
import { withToken } from './api';
import type { Layer } from './state.svelte';

/** 'rrggbb' of an RGB triple. */
export const hex = (c: readonly number[]): string => c.map((v) => v.toString(16).padStart(2, '0')).join('');

/** The template for a layer, with the web host's token (MapLibre's tile requests cannot set a header). */
export function tileUrl(base: string, sceneId: string, layer: Layer): string {
  const url = styleUrl(base, sceneId, layer);
  return url ? withToken(url) : url;
}

function styleUrl(base: string, sceneId: string, layer: Layer): string {
  // Absolute, so MapLibre's workers resolve it the same way as the page.
  const root = new URL(base.endsWith('/') ? base : `${base}/`, location.href).href;
  switch (layer.kind) {
    case 'image': {
      const q = new URLSearchParams({
        bands: layer.bands.join(','),
        min: layer.min.map((v) => v.toFixed(4)).join(','),
        max: layer.max.map((v) => v.toFixed(4)).join(','),
        gamma: layer.gamma.toFixed(2),
      });
      return `${root}image/${encodeURIComponent(sceneId)}/{z}/{x}/{y}.png?${q.toString()}`;
    }
    case 'mask':
    case 'probability': {
      const q = new URLSearchParams({
        classes: layer.classes
          .filter((c) => c.visible)
          .map((c) => c.id)
          .join(','),
        colours: layer.classes.map((c) => `${c.id}:${hex(c.colour)}`).join(','),
      });
      return `${root}mask/${encodeURIComponent(layer.layerId)}/{z}/{x}/{y}.png?${q.toString()}`;
    }
    case 'difference':
      return `${root}diff/${encodeURIComponent(layer.a)}/${encodeURIComponent(layer.b)}/{z}/{x}/{y}.png`;
    case 'vector':
      return '';
  }
}

export function rgbCss(c: readonly number[]): string {
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}
