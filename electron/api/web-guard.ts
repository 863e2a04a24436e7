/**
 * The web host's door policy. A server on 127.0.0.1 is reachable from every web page the user
 * opens: cross-site POSTs reach it, and a DNS-rebinding page talks to it under a foreign host
 * name. So each request must name our own Host, come from our own Origin (or none), carry this
 * launch's secret token for anything that holds data, and post JSON only (a cross-site form or a
 * no-cors fetch cannot send `application/json`).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export { TOKEN_HEADER, TOKEN_PARAM } from './web-token.js';

/** Bind addresses the web host accepts: loopback only. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '::1'];

export interface Refusal {
  status: 403 | 415;
  message: string;
}

/** A fresh per-launch secret: 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** `host:port` as a Host header writes it (IPv6 in brackets). */
export function hostWithPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The Host header values that name this server. */
export function allowedHosts(port: number): string[] {
  return LOOPBACK_HOSTS.map((h) => hostWithPort(h, port));
}

/** Refuses a Host other than our loopback names on our port (a DNS-rebinding page sends its own). */
export function checkHost(host: string | undefined, port: number): Refusal | null {
  if (host !== undefined && allowedHosts(port).includes(host.toLowerCase())) return null;
  return {
    status: 403,
    message:
      `Refused: this server answers only to ${allowedHosts(port).join(', ')}; the request named ` +
      `${host === undefined ? 'no host' : `host '${host}'`}.`,
  };
}

/**
 * Refuses an Origin other than the page's own. Same-origin GETs (the page, its scripts, tiles,
 * events) usually send no Origin; every cross-origin fetch and every POST does.
 */
export function checkOrigin(origin: string | undefined, host: string): Refusal | null {
  if (origin === undefined || origin.toLowerCase() === `http://${host.toLowerCase()}`) return null;
  return {
    status: 403,
    message: `Refused: the page at '${origin}' may not use S2 Cloud Studio; only its own page can.`,
  };
}

/** Compares in constant time: hashing first makes both sides the same length. */
export function tokenMatches(given: string | null | undefined, secret: string): boolean {
  if (!given) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

export function checkToken(given: string | null | undefined, secret: string): Refusal | null {
  if (tokenMatches(given, secret)) return null;
  return {
    status: 403,
    message: given
      ? 'Refused: wrong access token (it changes at every launch). Open the address the web host printed when it started.'
      : 'Refused: no access token. Open the address the web host printed when it started (it ends with #token=…).',
  };
}

/** `application/json`, with or without parameters such as charset. */
export function isJsonContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

export function checkJsonBody(contentType: string | undefined): Refusal | null {
  if (isJsonContentType(contentType)) return null;
  return {
    status: 415,
    message: `Refused: the API takes only 'application/json' bodies; this one was '${contentType ?? 'untyped'}'.`,
  };
}

export interface GuardedRequest {
  method: string | undefined;
  pathname: string;
  headers: { host?: string | undefined; origin?: string | undefined; 'content-type'?: string | undefined };
  /** The token from the header, or else from the query parameter. */
  token: string | null;
}

/**
 * The whole policy for one request. The UI's static files hold no data and load before the
 * page can read its token, so they need only the Host and Origin checks; the API, the event
 * stream and the tiles need the token too, and API calls need a JSON body.
 */
export function refuseRequest(req: GuardedRequest, port: number, secret: string): Refusal | null {
  const host = checkHost(req.headers.host, port);
  if (host) return host;
  const origin = checkOrigin(req.headers.origin, req.headers.host!);
  if (origin) return origin;
  const guarded = req.pathname.startsWith('/api/') || req.pathname.startsWith('/tiles/');
  if (!guarded) return null;
  const token = checkToken(req.token, secret);
  if (token) return token;
  if (req.method === 'POST' && req.pathname.startsWith('/api/invoke/')) {
    return checkJsonBody(req.headers['content-type']);
  }
  return null;
}
