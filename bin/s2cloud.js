#!/usr/bin/env node
// In a checkout (TypeScript sources and tsx present) runs the sources, so the command never
// lags behind the code; in a packaged or built install (no sources) runs the compiled CLI.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'electron', 'cli.ts');
const built = join(root, 'dist', 'electron', 'cli.js');

function hasTsx() {
  try {
    createRequire(import.meta.url).resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

if (existsSync(source) && hasTsx() && !process.env.S2CLOUD_FROM_DIST) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  console.error('s2cloud: the CLI is not built; run `npm run build` first.');
  process.exitCode = 1;
}
