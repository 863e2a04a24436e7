import { describe, expect, it } from 'vitest';
import {
  checkHost,
  checkOrigin,
  isJsonContentType,
  newToken,
  refuseRequest,
  tokenMatches,
} from '../../../electron/api/web-guard.js';

describe('web host door policy', () => {
  it('makes a fresh 256-bit token per launch', () => {
    const a = newToken();
    expect(a).toMatch(/^[\w-]{43}$/);
    expect(newToken()).not.toBe(a);
  });

  it('compares tokens exactly, whatever their length', () => {
    const t = newToken();
    expect(tokenMatches(t, t)).toBe(true);
    for (const bad of [null, undefined, '', t.slice(1), `${t}x`, t.toUpperCase()]) {
      expect(tokenMatches(bad, t), String(bad)).toBe(false);
    }
  });

  it('knows its own hosts and origins only', () => {
    expect(checkHost('127.0.0.1:8417', 8417)).toBeNull();
    expect(checkHost('Localhost:8417', 8417)).toBeNull();
    expect(checkHost('[::1]:8417', 8417)).toBeNull();
    expect(checkHost('127.0.0.1', 8417)?.status).toBe(403);
    expect(checkHost('127.0.0.1:8418', 8417)?.status).toBe(403);
    expect(checkHost(undefined, 8417)?.message).toContain('no host');
    expect(checkOrigin(undefined, '127.0.0.1:8417')).toBeNull();
    expect(checkOrigin('http://127.0.0.1:8417', '127.0.0.1:8417')).toBeNull();
    expect(checkOrigin('https://127.0.0.1:8417', '127.0.0.1:8417')?.status).toBe(403);
    expect(checkOrigin('http://localhost:8417', '127.0.0.1:8417')?.status).toBe(403);
  });

  it('takes JSON only', () => {
    expect(isJsonContentType('application/json')).toBe(true);
    expect(isJsonContentType('Application/JSON; charset=utf-8')).toBe(true);
    expect(isJsonContentType('text/plain')).toBe(false);
    expect(isJsonContentType('application/jsonp')).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
  });

  it('lets the UI files through without a token but nothing that holds data', () => {
    const token = newToken();
    const req = (pathname: string, t: string | null, method = 'GET') =>
      refuseRequest({ method, pathname, headers: { host: '127.0.0.1:1' }, token: t }, 1, token);
    expect(req('/', null)).toBeNull();
    expect(req('/assets/index.js', null)).toBeNull();
    expect(req('/api/events', null)?.status).toBe(403);
    expect(req('/tiles/image/a/1/2/3.png', null)?.status).toBe(403);
    expect(req('/api/invoke/app.info', token, 'POST')?.status).toBe(415);
    expect(req('/api/events', token)).toBeNull();
  });
});
