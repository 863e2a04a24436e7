#!/usr/bin/env node
// Runs the compiled CLI when it has been built (packaged app, `npm run build`), and the
// TypeScript sources through tsx otherwise (a development checkout after `npm ci`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'electron', 'cli.js');
if (existsSync(built) && !process.env.S2CLOUD_FROM_SOURCE) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'electron', 'cli.ts')).href);
}
