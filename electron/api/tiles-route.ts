/**
 * Serves map tiles from the tile service for both shells: the web host's /tiles/ route and
 * Electron's s2tile:// protocol call this with the part of the URL after the tiles root.
 */
import { toS2Error } from '../core/errors.js';
import type { TileService } from '../core/tiles/index.js';

export interface TileResponse {
  status: number;
  type: string;
  body: Buffer | string;
  /** Why an empty tile is empty, when it failed. */
  error?: string;
}

const EMPTY = { status: 204, type: 'text/plain', body: '' } as const;

function parseRgb(s: string | null): Record<number, [number, number, number]> | undefined {
  if (!s) return undefined;
  const out: Record<number, [number, number, number]> = {};
  for (const part of s.split(',')) {
    const [id, hex] = part.split(':');
    if (id === undefined || !hex || !/^[0-9a-f]{6}$/i.test(hex)) continue;
    out[Number(id)] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  }
  return out;
}

function triple(s: string | null, fallback: number): [number, number, number] {
  const v = (s ?? '').split(',').map(Number);
  return [0, 1, 2].map((i) => (Number.isFinite(v[i]) ? v[i]! : fallback)) as [number, number, number];
}

/**
 * `path` is e.g. 'image/<scene>/12/2071/1500.png'; `query` the URL's search parameters. A tile
 * that cannot be drawn (a broken band file) comes back empty with the reason in a header, so one
 * bad file does not flood the map with errors; the scene panel lists the file's problem.
 */
export async function tileResponse(
  tiles: TileService,
  path: string,
  query: URLSearchParams,
): Promise<TileResponse> {
  try {
    return await render(tiles, path, query);
  } catch (err) {
    const e = toS2Error(err);
    if (e.code === 'NOT_FOUND' || e.code === 'INVALID_ARGUMENT') {
      return { status: 404, type: 'text/plain', body: e.message };
    }
    // The renderer hears the reason once per layer (an event), not once per empty tile.
    const layer = /^\/*[^/]+\/([^/]+)\//.exec(path)?.[1];
    if (layer && e.code !== 'CANCELLED') tiles.reportTileFailure(safeDecode(layer), e.message);
    return { status: 204, type: 'text/plain', body: '', error: e.message };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

async function render(tiles: TileService, path: string, query: URLSearchParams): Promise<TileResponse> {
  const parts = path.replace(/^\/+/, '').split('/').map(decodeURIComponent);
  const last = parts.pop() ?? '';
  const m = /^(\d+)\.png$/.exec(last);
  if (!m) return { status: 404, type: 'text/plain', body: `Not a tile: ${path}` };
  const y = Number(m[1]);
  const x = Number(parts.pop());
  const z = Number(parts.pop());
  if (![x, y, z].every(Number.isInteger))
    return { status: 404, type: 'text/plain', body: `Not a tile: ${path}` };
  const [kind, a, b] = parts;
  let png: Buffer | null;
  if (kind === 'image' && a) {
    const bands = (query.get('bands') ?? 'B04,B03,B02').split(',') as [string, string, string];
    png = await tiles.imageTile(a, z, x, y, {
      bands,
      min: triple(query.get('min'), 0),
      max: triple(query.get('max'), 0.3),
      gamma: Number(query.get('gamma') ?? 1) || 1,
    });
  } else if (kind === 'mask' && a) {
    const classes = query.get('classes');
    const colours = parseRgb(query.get('colours'));
    png = await tiles.maskTile(a, z, x, y, {
      ...(classes !== null ? { visibleClasses: classes ? classes.split(',').map(Number) : [] } : {}),
      ...(colours ? { colours } : {}),
    });
  } else if (kind === 'diff' && a && b) {
    png = await tiles.differenceTile(a, b, z, x, y);
  } else {
    return { status: 404, type: 'text/plain', body: `Unknown tile layer: ${path}` };
  }
  if (!png) return EMPTY;
  return { status: 200, type: 'image/png', body: png };
}
