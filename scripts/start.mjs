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

function electronBinary() {
  // Reads electron's path.txt ourselves: require('electron') would try to download a missing binary.
  try {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('electron/package.json'));
    const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
    const pathTxt = join(pkgDir, 'path.txt');
    if (!existsSync(pathTxt)) return null;
    const bin = join(override ?? join(pkgDir, 'dist'), readFileSync(pathTxt, 'utf8').trim());
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

function run(cmd, cmdArgs) {
  const child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}

const bin = webOnly ? null : electronBinary();
if (bin) {
  run(bin, [join(root, 'dist', 'electron', 'main.js'), ...args]);
} else {
  if (!webOnly) {
    console.log(
      'The Electron binary is not installed (offline install, or ELECTRON_SKIP_BINARY_DOWNLOAD).\n' +
        'Serving the same interface to a browser instead. To get the desktop app: npx install-electron',
    );
  }
  run(process.execPath, [
    join(root, 'dist', 'electron', 'web-host.js'),
    ...args.filter((a) => a !== '--web'),
  ]);
}
