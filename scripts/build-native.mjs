/**
 * Builds the optional native JPEG 2000 decoder (native/openjp2, an N-API addon over the system's
 * libopenjp2) with node-gyp, when OpenJPEG's headers are installed (Debian/Ubuntu:
 * `apt-get install libopenjp2-7-dev`; macOS: `brew install openjpeg`). Without them, or when the
 * build fails, the app decodes with OpenJPEG compiled to WASM, so this script prints one line
 * and ALWAYS exits 0: it runs from postinstall and must never break `npm ci`.
 *
 *   node scripts/build-native.mjs          (npm run build:native)
 *   S2_SKIP_NATIVE=1 npm ci                 skips it
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ADDON_DIR = join(ROOT, 'native', 'openjp2');
const OUT = join(ADDON_DIR, 'build', 'Release', 'openjp2.node');
const say = (msg) => console.log(`build-native: ${msg}`);

/** OpenJPEG's include folder (the one holding openjpeg.h) and library folder, or undefined. */
function findOpenJpeg() {
  const pc = spawnSync('pkg-config', ['--cflags-only-I', '--libs-only-L', 'libopenjp2'], {
    encoding: 'utf8',
  });
  if (pc.status === 0) {
    const flags = pc.stdout.trim().split(/\s+/);
    const incs = flags.filter((f) => f.startsWith('-I')).map((f) => f.slice(2));
    const lib = flags.find((f) => f.startsWith('-L'))?.slice(2) ?? '';
    const include = incs.find((d) => existsSync(join(d, 'openjpeg.h')));
    if (include) return { include, lib };
  }
  for (const prefix of ['/usr', '/usr/local', '/opt/homebrew', '/opt/local']) {
    const inc = join(prefix, 'include');
    let dirs;
    try {
      dirs = readdirSync(inc).filter((d) => /^openjpeg-2\.\d+$/.test(d));
    } catch {
      continue;
    }
    for (const d of dirs.sort().reverse()) {
      if (existsSync(join(inc, d, 'openjpeg.h'))) {
        return { include: join(inc, d), lib: prefix === '/usr' ? '' : join(prefix, 'lib') };
      }
    }
  }
  return undefined;
}

/** node-gyp: the project's own (devDependency) first, then the one npm runs scripts with, then npm's bundled one. */
function findNodeGyp() {
  const candidates = [];
  try {
    candidates.push(createRequire(join(ROOT, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    /* not a devDependency */
  }
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const npmDirs = [
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm'),
    join(dirname(process.execPath), 'node_modules', 'npm'),
  ];
  if (process.env.npm_execpath) npmDirs.unshift(resolve(dirname(process.env.npm_execpath), '..'));
  for (const d of npmDirs) candidates.push(join(d, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => existsSync(c));
}

function main() {
  if (process.env.S2_SKIP_NATIVE) return say('skipped (S2_SKIP_NATIVE is set); JP2 decoding uses WASM.');
  if (process.platform === 'win32') return say('skipped on Windows; JP2 decoding uses WASM.');
  const ojp = findOpenJpeg();
  if (!ojp) {
    return say(
      'skipped: OpenJPEG headers not found (apt-get install libopenjp2-7-dev); JP2 decoding uses WASM.',
    );
  }
  const gyp = findNodeGyp();
  if (!gyp) return say('skipped: node-gyp not found; JP2 decoding uses WASM.');
  const args = [gyp, 'rebuild', `--openjp2_include=${ojp.include}`];
  if (ojp.lib) args.push(`--openjp2_libdir=${ojp.lib}`);
  // Node's headers: npm's nodedir setting, else the ones installed beside this node binary (no
  // download, works offline), else node-gyp's default (downloads them once into its cache).
  const prefix = resolve(dirname(process.execPath), '..');
  const nodedir =
    process.env.npm_config_nodedir ||
    (existsSync(join(prefix, 'include', 'node', 'common.gypi')) ? prefix : undefined);
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const r = spawnSync(process.execPath, args, { cwd: ADDON_DIR, encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0 && existsSync(OUT)) {
    // Check that it loads here (ABI, libopenjp2.so present) before leaving it for the decoder.
    const check = spawnSync(
      process.execPath,
      ['-e', `console.log(require(${JSON.stringify(OUT)}).openjpegVersion())`],
      { encoding: 'utf8' },
    );
    if (check.status === 0) {
      return say(
        `built ${OUT.slice(ROOT.length + 1)} (OpenJPEG ${check.stdout.trim()}); JP2 decoding uses it.`,
      );
    }
    rmSync(OUT, { force: true });
    const why = (check.stderr || '').trim().split('\n')[0];
    return say(`built but does not load (${why}); JP2 decoding uses WASM.`);
  }
  const log = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n');
  const err =
    log
      .filter((l) => /error/i.test(l))
      .slice(0, 3)
      .join(' | ') ||
    log.slice(-1)[0] ||
    r.error?.message;
  rmSync(OUT, { force: true });
  return say(`build failed (${err}); JP2 decoding uses WASM.`);
}

try {
  main();
} catch (err) {
  say(
    `skipped after an unexpected error (${err instanceof Error ? err.message : String(err)}); JP2 decoding uses WASM.`,
  );
}
process.exitCode = 0;
