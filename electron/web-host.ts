/**
 * Serves the renderer and the same API contract over HTTP, so the whole UI runs in a browser
 * (Playwright tests, or a headless machine holding the data). Binds to loopback only.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { isInvokeChannel } from './api/contract.js';
import { createApi, dispatch, type ApiContext } from './api/handlers.js';
import { tileResponse } from './api/tiles-route.js';
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
  url: string;
  api: ApiContext;
  close(): Promise<void>;
}

export async function startWebHost(
  opts: { port?: number; host?: string; settingsPath?: string } = {},
): Promise<WebHost> {
  const api = createApi({
    app: { name: 'S2 Cloud Studio', version: appVersion(), shell: 'web' },
    tileBase: 'tiles/',
    ...(opts.settingsPath ? { settingsPath: opts.settingsPath } : {}),
  });
  const streams = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    route(req, res, api, streams).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, resolve);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    server,
    url: `http://${host}:${port}/`,
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
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
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
    const t = await tileResponse(api.tiles, url.pathname.slice('/tiles/'.length), url.searchParams);
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
    (host) => process.stdout.write(`S2 Cloud Studio is served at ${host.url} (Ctrl+C to stop)\n`),
    (err: unknown) => {
      process.stderr.write(
        `Could not start the web host: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
