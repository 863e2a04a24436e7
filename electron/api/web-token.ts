/**
 * How the web host's per-launch token travels; shared by the host (api/web-guard.ts) and the
 * renderer (renderer/src/lib/api.ts), so plain constants only: no Node imports.
 */

/** The header the renderer's fetch calls carry the token in. */
export const TOKEN_HEADER = 'x-s2-token';

/**
 * The query parameter that carries the token where a header cannot be set: EventSource and
 * MapLibre's tile requests. Not a cookie: cookies are shared by every port of 127.0.0.1 (two
 * hosts would overwrite each other's), and the token in the URL fragment never reaches the
 * server, so a cookie would need an extra round trip before the first event or tile. The
 * query stays on this machine: tile images and the event stream make no further requests that
 * could leak it in a Referer.
 */
export const TOKEN_PARAM = 's2token';
