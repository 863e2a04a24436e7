#!/usr/bin/env node
/**
 * Builds installers: tsc (main process) -> vite build (renderer) -> electron-builder with
 * build/electron-builder.yml. Output goes to release/.
 *
 *   node scripts/package.mjs                 installers for this OS (Linux: AppImage + deb)
 *   node scripts/package.mjs --linux|--win|--mac [--x64|--arm64]
 *   node scripts/package.mjs --dir           an unpacked app only (release/<os>-unpacked), fastest check
 *   node scripts/package.mjs --allow-missing-renderer   package even without dist/renderer (blank window)
 *
 * electron-builder needs the Electron release zip for each target platform/arch (downloaded once
 * into its cache, or ELECTRON_BUILDER_ELECTRON_DIST / the `electronDist` option pointing at an
 * unpacked Electron) and, for some targets, its helper tools (AppImage runtime, NSIS, fpm), which
 * it also downloads on first use: the first run needs network. See docs/packaging.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = join(ROOT, 'build', 'electron-builder.yml');
const args = process.argv.slice(2);
const allowMissingRenderer = args.includes('--allow-missing-renderer');
const builderArgs = args.filter((a) => a !== '--allow-missing-renderer');
const require = createRequire(join(ROOT, 'package.json'));

function step(title, cmd, cmdArgs) {
  console.log(`\n== ${title}: ${[cmd, ...cmdArgs].join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`package: ${title} failed (exit ${r.status ?? r.signal ?? r.error?.message}).`);
    process.exit(r.status || 1);
  }
}

function bin(pkg, rel) {
  try {
    return join(dirname(require.resolve(`${pkg}/package.json`)), rel);
  } catch {
    console.error(`package: ${pkg} is not installed (npm ci installs it as a devDependency).`);
    process.exit(1);
  }
}

/** The Vite config the renderer build uses: the root one, else renderer/'s. */
function viteConfig() {
  for (const dir of ['', 'renderer']) {
    for (const ext of ['ts', 'mts', 'js', 'mjs']) {
      const p = join(ROOT, dir, `vite.config.${ext}`);
      if (existsSync(p)) return p;
    }
  }
  return undefined;
}

step('main process (tsc)', process.execPath, [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.build.json']);

const vite = viteConfig();
if (vite) {
  step('renderer (vite build)', process.execPath, [bin('vite', 'bin/vite.js'), 'build', '--config', vite]);
} else {
  console.warn(
    '\npackage: no vite.config.{ts,mts,js,mjs} at the root or in renderer/: skipping the renderer build.',
  );
}
if (!existsSync(join(ROOT, 'dist', 'renderer', 'index.html'))) {
  const msg = 'dist/renderer/index.html is missing: the packaged app would open a blank window.';
  if (!allowMissingRenderer) {
    console.error(`package: ${msg}\nBuild the renderer first, or pass --allow-missing-renderer.`);
    process.exit(1);
  }
  console.warn(`package: ${msg} (going on: --allow-missing-renderer)`);
}
if (!existsSync(join(ROOT, 'native-models', 'dl-l8s2-uv-6b', 'dl-l8s2-uv-6b.onnx'))) {
  console.error(
    'package: native-models/dl-l8s2-uv-6b/dl-l8s2-uv-6b.onnx is missing: the default model must ship.',
  );
  process.exit(1);
}
if (!existsSync(join(ROOT, 'native-models', 'build'))) {
  console.warn(
    'package: native-models/build is missing (npm run models -- build): only the shipped DL-L8S2-UV models go in.',
  );
}

step('installers (electron-builder)', process.execPath, [
  bin('electron-builder', 'cli.js'),
  '--config',
  CONFIG,
  '--projectDir',
  ROOT,
  ...builderArgs,
]);
console.log(`\npackage: done; see ${join(ROOT, 'release')}`);
