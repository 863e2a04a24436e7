import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository (or packaged app) root: electron/ in a checkout, dist/electron/ when built. */
export const APP_ROOT = ((): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  return import.meta.url.endsWith('.ts') ? join(here, '..') : join(here, '..', '..');
})();

/** The built renderer (`vite build`; `npm start` and the tests build it). */
export const RENDERER_DIR = join(APP_ROOT, 'dist', 'renderer');

export function appVersion(): string {
  const pkg = JSON.parse(readFileSync(join(APP_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
