/**
 * Serves map tiles from the tile service for both shells: the web host's /tiles/ route and
 * Electron's s2tile:// protocol call this with the part of the URL after the tiles root.
 */
import { toS2Error } from '../core/errors.js';
import type { TileService } from '../core/tiles/index.js';
import { parseTileUrl, TileUrlError, type TileRequest } from './tile-url.js';

export interface TileResponse {
  status: number;
  type: string;
  body: Buffer | string;
  /** Why an empty tile is empty, when it failed. */
  error?: string;
}

const EMPTY = { status: 204, type: 'text/plain', body: '' } as const;

/**
 * `path` is e.g. 'image/<scene>/12/2071/1500.png'; `query` the URL's search parameters. A tile
 * that cannot be drawn (a broken band file) comes back empty with the reason in a header, so one
 * bad file does not flood the map with errors; the scene panel lists the file's problem.
 * `signal` fires when the client no longer wants the tile (it left the view, the connection
 * closed): decoding stops, and the empty answer is neither cached nor reported as a failure.
 */
export async function tileResponse(
  tiles: TileService,
  path: string,
  query: URLSearchParams,
  signal?: AbortSignal,
): Promise<TileResponse> {
  try {
    return await render(tiles, path, query, signal);
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

async function render(
  tiles: TileService,
  path: string,
  query: URLSearchParams,
  signal: AbortSignal | undefined,
): Promise<TileResponse> {
  let req: TileRequest;
  try {
    req = parseTileUrl(path, query);
  } catch (err) {
    if (err instanceof TileUrlError) return { status: 404, type: 'text/plain', body: err.message };
    throw err;
  }
  const { z, x, y } = req;
  const opts = signal ? { signal } : {};
  const png =
    req.kind === 'image'
      ? await tiles.imageTile(req.sceneId, z, x, y, req.style, opts)
      : req.kind === 'mask'
        ? await tiles.maskTile(req.layerId, z, x, y, req.style, opts)
        : await tiles.differenceTile(req.a, req.b, z, x, y, {}, opts);
  if (!png) return EMPTY;
  return { status: 200, type: 'image/png', body: png };
}
