#!/usr/bin/env node
// `npm start`: builds the main-process code, then opens the Electron app when its binary is
// present; otherwise says so and serves the same UI to a browser (the web host).
// `npm run serve` (or `--web`) always starts the web host.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const webOnly = args.includes('--web');

const build = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (build.status !== 0) {
  console.error('The build failed (see above); not starting.');
  process.exit(build.status ?? 1);
}
// The renderer (Svelte + MapLibre) is bundled by Vite into dist/renderer.
const ui = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (ui.status !== 0) {
  console.error('Building the interface failed (see above); not starting.');
  process.exit(ui.status ?? 1);
}

function electronPaths() {
  try {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('electron/package.json'));
    return { pkgDir, pathTxt: join(pkgDir, 'path.txt') };
  } catch {
    return null;
  }
}

function electronBinary() {
  // Reads electron's path.txt ourselves: require('electron') throws when the binary is missing.
  const p = electronPaths();
  if (!p || !existsSync(p.pathTxt)) return null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const bin = join(override ?? join(p.pkgDir, 'dist'), readFileSync(p.pathTxt, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

/**
 * Electron 45 downloads its binary on first use rather than at install: fetch it now (a user's
 * machine with internet gets the desktop app); offline this fails within a second.
 */
function fetchElectron() {
  const p = electronPaths();
  if (!p || process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return null;
  console.log('Fetching the Electron binary (first start)…');
  const r = spawnSync(process.execPath, [join(p.pkgDir, 'install.js')], {
    cwd: root,
    stdio: 'ignore',
    timeout: 300_000,
  });
  return r.status === 0 ? electronBinary() : null;
}

function run(cmd, cmdArgs) {
  // No ONNX Runtime telemetry from the first moment (core sets it too; see core/models/telemetry.ts).
  const env = { ...process.env, ORT_DISABLE_TELEMETRY: '1' };
  const child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}

const bin = webOnly ? null : (electronBinary() ?? fetchElectron());
if (bin) {
  run(bin, [join(root, 'dist', 'electron', 'main.js'), ...args]);
} else {
  if (!webOnly) {
    console.log(
      'The Electron binary is not installed and could not be fetched (offline, or ELECTRON_SKIP_BINARY_DOWNLOAD).\n' +
        'Serving the same interface to a browser instead. To get the desktop app later: npx install-electron',
    );
  }
  run(process.execPath, [
    join(root, 'dist', 'electron', 'web-host.js'),
    ...args.filter((a) => a !== '--web'),
  ]);
}
