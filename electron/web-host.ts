/**
 * Serves the renderer and the same API contract over HTTP, so the whole UI runs in a browser
 * (Playwright tests, or a headless machine holding the data). Binds to loopback only.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { isInvokeChannel } from './api/contract.js';
import { createHandlers, dispatch, type Handlers } from './api/handlers.js';
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
};

const MAX_BODY = 1 << 20;

export interface WebHost {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startWebHost(
  opts: { port?: number; host?: string; handlers?: Handlers } = {},
): Promise<WebHost> {
  const handlers =
    opts.handlers ?? createHandlers({ name: 'S2 Cloud Studio', version: appVersion(), shell: 'web' });
  const server = createServer((req, res) => {
    route(req, res, handlers).catch((err: unknown) => {
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function route(req: IncomingMessage, res: ServerResponse, handlers: Handlers): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
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
    const response = await dispatch(handlers, channel, args);
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
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`Not found: ${pathname}`);
    return;
  }
  res.writeHead(200, {
    'content-type': MIME[extname(file)] ?? 'application/octet-stream',
    'content-security-policy': "default-src 'self'; style-src 'self'; img-src 'self' data:",
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
