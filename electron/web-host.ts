/**
 * Serves the renderer and the same API contract over HTTP, so the whole UI runs in a browser
 * (Playwright tests, or a headless machine holding the data). Binds to loopback only, and every
 * request passes the door policy of api/web-guard.ts (Host, Origin, per-launch token, JSON).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { isInvokeChannel } from './api/contract.js';
import { createApi, dispatch, type ApiContext } from './api/handlers.js';
import { tileResponse } from './api/tiles-route.js';
import {
  hostWithPort,
  LOOPBACK_HOSTS,
  newToken,
  refuseRequest,
  TOKEN_HEADER,
  TOKEN_PARAM,
} from './api/web-guard.js';
import { appVersion, RENDERER_DIR } from './app-meta.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

/** The same policy as the page's meta tag, sent as a header too. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; worker-src 'self' blob:; font-src 'self'";

const MAX_BODY = 1 << 20;

export interface WebHost {
  server: Server;
  /** The address to open: the origin plus `#token=…` (a fragment never reaches the server or a Referer). */
  url: string;
  /** `http://127.0.0.1:PORT/`, without the token. */
  origin: string;
  port: number;
  /** This launch's secret. */
  token: string;
  api: ApiContext;
  close(): Promise<void>;
}

export async function startWebHost(
  opts: { port?: number; host?: string; settingsPath?: string } = {},
): Promise<WebHost> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.includes(host)) {
    // Checked before the API starts, so a refusal leaves nothing running.
    throw new Error(
      `The web host binds to loopback only (${LOOPBACK_HOSTS.join(', ')}); '${host}' would expose your files to the network.`,
    );
  }
  const api = createApi({
    app: { name: 'S2 Cloud Studio', version: appVersion(), shell: 'web' },
    tileBase: 'tiles/',
    ...(opts.settingsPath ? { settingsPath: opts.settingsPath } : {}),
  });
  const token = newToken();
  const streams = new Set<ServerResponse>();
  let port = 0;
  const server = createServer((req, res) => {
    route(req, res, api, streams, { port, token }).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, resolve);
  }).catch(async (err: unknown) => {
    await api.dispose();
    throw err;
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  const origin = `http://${hostWithPort(host, port)}/`;
  return {
    server,
    url: `${origin}#token=${token}`,
    origin,
    port,
    token,
    api,
    close: async () => {
      for (const s of streams) s.end();
      await api.dispose();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  api: ApiContext,
  streams: Set<ServerResponse>,
  door: { port: number; token: string },
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const header = req.headers[TOKEN_HEADER];
  const refusal = refuseRequest(
    {
      method: req.method,
      pathname: url.pathname,
      headers: req.headers,
      token: (typeof header === 'string' ? header : null) ?? url.searchParams.get(TOKEN_PARAM),
    },
    door.port,
    door.token,
  );
  if (refusal) {
    res.writeHead(refusal.status, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(refusal.message);
    return;
  }
  // The token is not part of a tile's style: keep it out of the tile route's parameters.
  url.searchParams.delete(TOKEN_PARAM);
  if (url.pathname === '/api/events') {
    // Server-sent events: one JSON message per event.
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    streams.add(res);
    const off = api.events.subscribe((msg) => res.write(`data: ${JSON.stringify(msg)}\n\n`));
    req.on('close', () => {
      off();
      streams.delete(res);
    });
    return;
  }
  if (url.pathname.startsWith('/tiles/')) {
    // MapLibre aborts the fetch of a tile that left the view: the socket closes before we answer,
    // and the decode for it stops. (req 'close' fires once the request is read, so watch res.)
    const ctrl = new AbortController();
    const onClose = (): void => {
      if (!res.writableFinished) ctrl.abort();
    };
    res.once('close', onClose);
    const t = await tileResponse(
      api.tiles,
      url.pathname.slice('/tiles/'.length),
      url.searchParams,
      ctrl.signal,
    );
    res.off('close', onClose);
    if (ctrl.signal.aborted || res.destroyed) return;
    res.writeHead(t.status, {
      'content-type': t.type,
      'cache-control': t.error ? 'no-store' : 'private, max-age=300',
      ...(t.error ? { 'x-s2-error': encodeURIComponent(t.error) } : {}),
    });
    res.end(t.body);
    return;
  }
  if (url.pathname.startsWith('/api/invoke/')) {
    const channel = decodeURIComponent(url.pathname.slice('/api/invoke/'.length));
    if (req.method !== 'POST' || !isInvokeChannel(channel)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ok: false,
          error: { code: 'INVALID_ARGUMENT', message: `No API channel '${channel}'.` },
        }),
      );
      return;
    }
    let args: unknown;
    try {
      args = JSON.parse((await readBody(req)) || '{}');
    } catch {
      args = null;
    }
    const response = await dispatch(api.handlers, channel, args);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(response));
    return;
  }
  await serveStatic(url.pathname, res);
}

async function serveStatic(pathname: string, res: ServerResponse): Promise<void> {
  const rel = normalize(decodeURIComponent(pathname === '/' ? '/index.html' : pathname));
  const file = join(RENDERER_DIR, rel);
  if (!file.startsWith(RENDERER_DIR + sep)) {
    res.writeHead(403).end();
    return;
  }
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
  } catch {
    const hint = pathname === '/' ? ' (the renderer is not built: run `npm run build`)' : '';
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`Not found: ${pathname}${hint}`);
    return;
  }
  res.writeHead(200, {
    'content-type': MIME[extname(file)] ?? 'application/octet-stream',
    'content-security-policy': CSP,
  });
  createReadStream(file).pipe(res);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('Request body too large.'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const isEntry = process.argv[1] !== undefined && /web-host\.(ts|js)$/.test(process.argv[1]);
if (isEntry) {
  const portArg = process.argv.indexOf('--port');
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : Number(process.env.S2CLOUD_PORT ?? 8417);
  startWebHost({ port }).then(
    (host) =>
      process.stdout.write(
        `S2 Cloud Studio is served at ${host.url}\n` +
          "Open that address (it holds this launch's access token; keep it to yourself). Ctrl+C to stop.\n",
      ),
    (err: unknown) => {
      process.stderr.write(
        `Could not start the web host: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
