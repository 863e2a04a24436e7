/**
 * Map tile URLs, built by the renderer and parsed by the tile route (web host and Electron
 * protocol) with one piece of code, so the two cannot drift. The path names the layer and the
 * tile; the query carries the style, so HTTP and MapLibre caches key on it.
 *
 *   image/<scene>/<z>/<x>/<y>.png?bands=B04,B03,B02&min=…&max=…&gamma=…
 *   mask/<layer>/<z>/<x>/<y>.png?classes=1,2&colours=1:rrggbb,…
 *   diff/<layer a>/<layer b>/<z>/<x>/<y>.png
 *
 * Plain code with no Node or DOM imports: both sides load it.
 */

export type Rgb3 = [number, number, number];

export interface ImageTileStyle {
  bands: [string, string, string];
  min: Rgb3;
  max: Rgb3;
  gamma: number;
}

export interface MaskTileStyle {
  /** Classes drawn; absent = all. */
  visibleClasses?: number[];
  /** Colour per class id; absent = the palette's. */
  colours?: Record<number, Rgb3>;
}

export type TileLayerRef =
  | { kind: 'image'; sceneId: string; style: ImageTileStyle }
  | { kind: 'mask'; layerId: string; style: MaskTileStyle }
  | { kind: 'diff'; a: string; b: string };

export type TileRequest = TileLayerRef & { z: number; x: number; y: number };

/** Defaults of a style the query leaves out (old URLs, hand-written ones). */
const DEFAULT_BANDS: [string, string, string] = ['B04', 'B03', 'B02'];

/** 'rrggbb' of an RGB triple. */
export const hex = (c: readonly number[]): string => c.map((v) => v.toString(16).padStart(2, '0')).join('');

/**
 * The URL path and query of a layer's tiles below the tiles root, with `{z}/{x}/{y}` left as a
 * template for MapLibre (or filled in when `tile` is given).
 */
export function tileUrlPath(layer: TileLayerRef, tile?: { z: number; x: number; y: number }): string {
  const zxy = tile ? `${tile.z}/${tile.x}/${tile.y}` : '{z}/{x}/{y}';
  const enc = encodeURIComponent;
  switch (layer.kind) {
    case 'image': {
      const s = layer.style;
      const q = new URLSearchParams({
        bands: s.bands.join(','),
        min: s.min.map((v) => v.toFixed(4)).join(','),
        max: s.max.map((v) => v.toFixed(4)).join(','),
        gamma: s.gamma.toFixed(2),
      });
      return `image/${enc(layer.sceneId)}/${zxy}.png?${q.toString()}`;
    }
    case 'mask': {
      const s = layer.style;
      const q = new URLSearchParams();
      if (s.visibleClasses) q.set('classes', s.visibleClasses.join(','));
      if (s.colours) {
        const ids = Object.keys(s.colours).map(Number);
        q.set('colours', ids.map((id) => `${id}:${hex(s.colours![id]!)}`).join(','));
      }
      const qs = q.toString();
      return `mask/${enc(layer.layerId)}/${zxy}.png${qs ? `?${qs}` : ''}`;
    }
    case 'diff':
      return `diff/${enc(layer.a)}/${enc(layer.b)}/${zxy}.png`;
  }
}

/** Why a path is not a tile, in words for a 404. */
export class TileUrlError extends Error {}

/**
 * Parses `path` (below the tiles root, e.g. 'image/<scene>/12/2071/1500.png') and its query back
 * into what `tileUrlPath` was given. Throws TileUrlError for anything else.
 */
export function parseTileUrl(path: string, query: URLSearchParams): TileRequest {
  let parts: string[];
  try {
    parts = path.replace(/^\/+/, '').split('/').map(decodeURIComponent);
  } catch {
    throw new TileUrlError(`Not a tile: ${path}`);
  }
  const m = /^(\d+)\.png$/.exec(parts.pop() ?? '');
  const x = Number(parts.pop());
  const z = Number(parts.pop());
  if (!m || !Number.isInteger(x) || !Number.isInteger(z) || x < 0 || z < 0) {
    throw new TileUrlError(`Not a tile: ${path}`);
  }
  const at = { z, x, y: Number(m[1]) };
  const [kind, a, b, extra] = parts;
  if (kind === 'image' && a && b === undefined) {
    return { kind, sceneId: a, style: imageStyle(query), ...at };
  }
  if (kind === 'mask' && a && b === undefined) {
    return { kind, layerId: a, style: maskStyle(query), ...at };
  }
  if (kind === 'diff' && a && b && extra === undefined) return { kind, a, b, ...at };
  throw new TileUrlError(`Unknown tile layer: ${path}`);
}

function imageStyle(query: URLSearchParams): ImageTileStyle {
  const bands = query.get('bands')?.split(',');
  return {
    bands: bands?.length === 3 && bands.every(Boolean) ? (bands as [string, string, string]) : DEFAULT_BANDS,
    min: triple(query.get('min'), 0),
    max: triple(query.get('max'), 0.3),
    gamma: Number(query.get('gamma') ?? 1) || 1,
  };
}

function maskStyle(query: URLSearchParams): MaskTileStyle {
  const classes = query.get('classes');
  const colours = parseColours(query.get('colours'));
  return {
    ...(classes !== null ? { visibleClasses: classes ? classes.split(',').map(Number) : [] } : {}),
    ...(colours ? { colours } : {}),
  };
}

function parseColours(s: string | null): Record<number, Rgb3> | undefined {
  if (!s) return undefined;
  const out: Record<number, Rgb3> = {};
  for (const part of s.split(',')) {
    const [id, h] = part.split(':');
    if (id === undefined || !h || !/^[0-9a-f]{6}$/i.test(h)) continue;
    out[Number(id)] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb3;
  }
  return out;
}

function triple(s: string | null, fallback: number): Rgb3 {
  const v = (s ?? '').split(',').map((t) => (t === '' ? NaN : Number(t)));
  return [0, 1, 2].map((i) => (Number.isFinite(v[i]) ? v[i]! : fallback)) as Rgb3;
}
