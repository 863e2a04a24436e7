import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * The URL to start a worker thread from. Compiled JS starts directly. From TypeScript sources
 * (vitest, tsx) a tiny ESM bootstrap loads the worker through tsx's API: on Node 20 the
 * `--import tsx` hooks do not reach a worker's entry module.
 */
export function workerEntry(url: URL): URL {
  if (!url.pathname.endsWith('.ts')) return url;
  const tsxDir = createRequire(import.meta.url)
    .resolve('tsx/package.json')
    .replace(/package\.json$/, '');
  const api = pathToFileURL(`${tsxDir}dist/esm/api/index.mjs`).href;
  const code = `import { tsImport } from ${JSON.stringify(api)};\nawait tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(api)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}
