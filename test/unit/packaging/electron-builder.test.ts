/**
 * Packaging without the Electron binary: build/electron-builder.yml is checked with
 * electron-builder's own loader and JSON-schema validator, its `files` and `asarUnpack` globs
 * against the real files (with electron-builder's minimatch and options), and an app.asar built
 * from the `files` list (with @electron/asar, as electron-builder does) is checked to hold the
 * main entry, the preload and worker scripts, and every module they import.
 * Building installers, signing and notarising need the Electron binary: see docs/packaging.md.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/env.js';

const CONFIG = join(ROOT, 'build', 'electron-builder.yml');

// electron-builder's own modules (transitive devDependencies through electron-builder).
const builderRequire = createRequire(join(ROOT, 'node_modules', 'app-builder-lib', 'package.json'));

interface BuilderConfig {
  appId?: string;
  productName?: string;
  files?: (string | object)[];
  asarUnpack?: string[];
  extraResources?: { from: string; to: string; filter?: string[] }[];
  linux?: { target?: unknown; files?: string[] };
  win?: { target?: unknown; files?: string[] };
  mac?: { target?: unknown; files?: string[] };
  [key: string]: unknown;
}
interface ConfigModule {
  getConfig(projectDir: string, configPath: string | null, fromOptions: unknown): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
}
type MinimatchClass = new (
  pattern: string,
  options: { dot: boolean },
) => { match(path: string): boolean; negate: boolean };
interface AsarModule {
  createPackageWithOptions(src: string, dest: string, options: { unpack?: string }): Promise<unknown>;
  listPackage(archive: string, options: { isPack: boolean }): string[];
  extractFile(archive: string, file: string): Buffer;
}

const configModule = builderRequire('app-builder-lib/out/util/config/config.js') as ConfigModule;
const { DebugLogger } = builderRequire('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
// The minimatch electron-builder's FileMatcher uses, with its options ({ dot: true }).
const { Minimatch } = builderRequire('minimatch') as { Minimatch: MinimatchClass };
const asar = builderRequire('@electron/asar') as AsarModule;

async function loadConfig(): Promise<BuilderConfig> {
  return configModule.getConfig(ROOT, CONFIG, null);
}

/** Files under `dir` (recursive), as paths relative to `base` with forward slashes. */
function walk(dir: string, base: string, out: string[] = []): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, base, out);
    else out.push(relative(base, p).split(sep).join('/'));
  }
  return out;
}

/** The folder before a pattern's first glob character: the only part of the tree it can match. */
function staticPrefix(pattern: string): string {
  const parts = pattern.split('/');
  const fixed: string[] = [];
  for (const p of parts.slice(0, -1)) {
    if (/[*?[{!(]/.test(p)) break;
    fixed.push(p);
  }
  return fixed.join('/');
}

/** The files under `base` that `pattern` matches, the way electron-builder's FileMatcher does. */
function matchPattern(base: string, pattern: string): string[] {
  const mm = new Minimatch(pattern, { dot: true });
  return walk(join(base, staticPrefix(pattern)), base).filter((f) => mm.match(f));
}

/** The app's files: positive `files` patterns minus the negated ones (the generic, all-platform list). */
function selectFiles(base: string, patterns: string[]): string[] {
  const positive = patterns.filter((p) => !p.startsWith('!'));
  const negative = patterns
    .filter((p) => p.startsWith('!'))
    .map((p) => new Minimatch(p.slice(1), { dot: true }));
  const all = new Set(positive.flatMap((p) => matchPattern(base, p)));
  return [...all].filter((f) => !negative.some((n) => n.match(f))).sort();
}

/**
 * The glob patterns of a `files` list. electron-builder's loader normalises a list of strings into
 * one FileSet `{ filter: [...] }` (no from/to: relative to the project), so both forms are read.
 */
function stringPatterns(list: (string | object)[] | undefined): string[] {
  return (list ?? []).flatMap((p): string[] => {
    if (typeof p === 'string') return [p];
    const set = p as { from?: string; to?: string; filter?: string | string[] };
    if (set.from !== undefined || set.to !== undefined)
      throw new Error(`unexpected FileSet ${JSON.stringify(p)}`);
    return typeof set.filter === 'string' ? [set.filter] : (set.filter ?? []);
  });
}

describe('build/electron-builder.yml', () => {
  it('passes electron-builder’s own configuration schema (app-builder-lib/scheme.json)', async () => {
    const config = await loadConfig();
    await expect(configModule.validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    expect(config.appId).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i);
    expect(config.productName).toBe('S2 Cloud Studio');
  });

  it('the schema check is real: a misspelt key and a wrong type are rejected', async () => {
    const config = await loadConfig();
    const logger = new DebugLogger(false);
    await expect(configModule.validateConfiguration({ ...config, asarUnpak: ['x'] }, logger)).rejects.toThrow(
      /asarUnpak/,
    );
    await expect(
      configModule.validateConfiguration({ ...config, nsis: { oneClick: 'maybe' } }, logger),
    ).rejects.toThrow(/oneClick/);
  });

  it('targets AppImage and deb, NSIS and dmg', async () => {
    const config = await loadConfig();
    const names = (t: unknown): string[] =>
      (Array.isArray(t) ? t : [t]).map((x) => (typeof x === 'string' ? x : (x as { target: string }).target));
    expect(names(config.linux?.target).sort()).toEqual(['AppImage', 'deb']);
    expect(names(config.win?.target)).toEqual(['nsis']);
    expect(names(config.mac?.target)).toEqual(['dmg']);
    expect(existsSync(join(ROOT, 'build', 'icon.png'))).toBe(true);
    const png = readFileSync(join(ROOT, 'build', 'icon.png'));
    // electron-builder derives .icns (needs >= 512 px) and .ico (>= 256 px) from it.
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512);
    expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(512);
  });

  it('every asarUnpack pattern matches at least one real file', async () => {
    const config = await loadConfig();
    const patterns = config.asarUnpack ?? [];
    expect(patterns.length).toBeGreaterThan(0);
    const nativeAddon = 'native/openjp2/build/Release/*.node';
    for (const pattern of patterns) {
      const hits = matchPattern(ROOT, pattern);
      // The native decoder is optional (npm run build:native needs libopenjp2 headers).
      if (pattern === nativeAddon && hits.length === 0) continue;
      expect(hits, pattern).not.toHaveLength(0);
    }
    // Each native library of onnxruntime-node for this platform is unpacked.
    const ortDir = `node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}`;
    const ortFiles = walk(join(ROOT, ortDir), ROOT);
    expect(ortFiles.length).toBeGreaterThan(0);
    const unpackers = patterns.map((p) => new Minimatch(p, { dot: true }));
    for (const f of ortFiles)
      expect(
        unpackers.some((m) => m.match(f)),
        f,
      ).toBe(true);
  });

  it('ships the built ONNX models as extraResources where builtModelsDir() looks in a packaged app', async () => {
    const config = await loadConfig();
    const models = config.extraResources?.find((r) => r.from === 'native-models/build');
    expect(models?.to).toBe('native-models/build');
    const { builtModelsDir } = await import('../../../electron/core/models/paths.js');
    const resources = join('/opt', 'S2 Cloud Studio', 'resources');
    expect(builtModelsDir(join(resources, 'app.asar', 'native-models'))).toBe(
      join(resources, 'native-models', 'build'),
    );
  });

  it('ships the default models (with licence) and the sample product as extraResources where the app looks', async () => {
    const config = await loadConfig();
    const shipped = config.extraResources?.find((r) => r.from === 'native-models');
    expect(shipped?.to).toBe('native-models');
    // The filter as electron-builder applies it: globs relative to `from`, negations exclude.
    const globs = (shipped?.filter ?? []).map((p) => ({
      exclude: p.startsWith('!'),
      m: new Minimatch(p.replace(/^!/, ''), { dot: true }),
    }));
    const selected = (rel: string): boolean => {
      let keep = false;
      for (const g of globs) if (g.m.match(rel)) keep = !g.exclude;
      return keep;
    };
    for (const id of ['dl-l8s2-uv-6b', 'dl-l8s2-uv-4b']) {
      for (const f of [`${id}.onnx`, `${id}.onnx.sha256`, 'NOTICE.md']) {
        expect(existsSync(join(ROOT, 'native-models', id, f)), `${id}/${f} is committed`).toBe(true);
        expect(selected(`${id}/${f}`), `${id}/${f} is shipped`).toBe(true);
      }
      // The MIT licence travels inside the shipped NOTICE.md (upstream's LICENSE, verbatim).
      expect(readFileSync(join(ROOT, 'native-models', id, 'NOTICE.md'), 'utf8')).toMatch(/^MIT License$/m);
    }
    expect(selected('build/dl-l8s2-uv-6b.onnx')).toBe(false);
    expect(selected('dl-l8s2-uv-6b/model.json')).toBe(false); // in app.asar through `files`
    const { shippedModelPath } = await import('../../../electron/core/models/paths.js');
    const resources = join('/opt', 'S2 Cloud Studio', 'resources');
    expect(
      shippedModelPath('dl-l8s2-uv-6b', 'dl-l8s2-uv-6b.onnx', join(resources, 'app.asar', 'native-models')),
    ).toBe(join(resources, 'native-models', 'dl-l8s2-uv-6b', 'dl-l8s2-uv-6b.onnx'));

    const samples = config.extraResources?.find((r) => r.from === 'samples');
    expect(samples?.to).toBe('samples');
    const { samplesDir, sampleProductPath } = await import('../../../electron/core/sample/path.js');
    expect(samplesDir(join(resources, 'app.asar'))).toBe(join(resources, 'samples'));
    expect(sampleProductPath().startsWith(join(ROOT, 'samples'))).toBe(true);
  });
});

describe('the packaged app (app.asar built from the files list)', () => {
  let tmp: string;
  let stage: string;
  let archive: string;
  let packed: Set<string>;
  let files: string[];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 's2-pack-'));
    // A fresh main-process build, so a stale dist/ cannot hide (or cause) a missing file. Type
    // errors elsewhere in the tree are the typecheck's business: tsc still emits.
    const tsc = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(ROOT, 'tsconfig.build.json'),
        '--outDir',
        join(tmp, 'build', 'dist'),
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (!existsSync(join(tmp, 'build', 'dist', 'electron', 'main.js'))) {
      throw new Error(`tsc emitted no dist/electron/main.js:\n${tsc.stdout}${tsc.stderr}`);
    }
    // The project as electron-builder sees it after `tsc` (+ `vite build`, when there is one).
    const project = join(tmp, 'project');
    mkdirSync(project);
    cpSync(join(tmp, 'build', 'dist'), join(project, 'dist'), { recursive: true });
    if (existsSync(join(ROOT, 'dist', 'renderer'))) {
      cpSync(join(ROOT, 'dist', 'renderer'), join(project, 'dist', 'renderer'), { recursive: true });
    }
    cpSync(join(ROOT, 'package.json'), join(project, 'package.json'));
    cpSync(join(ROOT, 'native-models'), join(project, 'native-models'), {
      recursive: true,
      filter: (src) => !src.startsWith(join(ROOT, 'native-models', 'build')),
    });
    if (existsSync(join(ROOT, 'native', 'openjp2', 'build', 'Release'))) {
      cpSync(
        join(ROOT, 'native', 'openjp2', 'build', 'Release'),
        join(project, 'native', 'openjp2', 'build', 'Release'),
        {
          recursive: true,
        },
      );
    }
    // Our WASM build of OpenJPEG is committed (users have no emscripten).
    cpSync(join(ROOT, 'native', 'openjp2-wasm'), join(project, 'native', 'openjp2-wasm'), {
      recursive: true,
    });

    const config = await loadConfig();
    files = selectFiles(project, stringPatterns(config.files));
    stage = join(tmp, 'app');
    for (const f of files) cpSync(join(project, f), join(stage, f));
    archive = join(tmp, 'app.asar');
    await asar.createPackageWithOptions(stage, archive, { unpack: '*.node' });
    packed = new Set(
      asar.listPackage(archive, { isPack: false }).map((p) => p.replace(/\\/g, '/').replace(/^\//, '')),
    );
  }, 180_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('every files pattern matches real files after the build', async () => {
    const config = await loadConfig();
    const project = join(tmp, 'project');
    expect(stringPatterns(config.files)).toContain('dist/electron/**/*');
    for (const pattern of stringPatterns(config.files).filter((p) => !p.startsWith('!'))) {
      if (pattern.startsWith('dist/renderer/') && !existsSync(join(ROOT, 'dist', 'renderer'))) continue; // needs vite build
      if (pattern.startsWith('native/openjp2/') && !existsSync(join(ROOT, 'native', 'openjp2', 'build')))
        continue; // optional
      expect(matchPattern(project, pattern), pattern).not.toHaveLength(0);
    }
    expect(files).not.toContain('dist/electron/main.js.map');
    expect(files.some((f) => f.startsWith('native-models/build/'))).toBe(false);
    expect(files.filter((f) => f.endsWith('/model.json')).length).toBeGreaterThanOrEqual(4);
    expect(files.filter((f) => f.endsWith('/keras-config.json')).length).toBeGreaterThanOrEqual(1);
    // The SIMD WASM codec, where wasm-simd.ts looks (walking up from dist/electron/core/raster/jp2).
    expect(packed.has('native/openjp2-wasm/openjp2.wasm')).toBe(true);
    expect(packed.has('native/openjp2-wasm/LICENSE.openjpeg')).toBe(true);
  });

  it('package.json "main" points to a file inside the archive; preload and workers are there too', () => {
    const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as { main: string };
    expect(packed.has(posix.normalize(pkg.main))).toBe(true);
    // electron/main.ts: preload: join(APP_ROOT, 'dist', 'electron', 'preload.cjs')
    expect(packed.has('dist/electron/preload.cjs')).toBe(true);
    // app-meta.ts: APP_ROOT is two folders above dist/electron/app-meta.js, i.e. the archive root,
    // which must hold package.json (appVersion() reads it).
    expect(packed.has('dist/electron/app-meta.js')).toBe(true);
  });

  it('every relative import, require and worker URL of the main-process code resolves inside the archive', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    const deps = new Set(Object.keys(pkg.dependencies ?? {}));
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const missing: string[] = [];
    const notShipped: string[] = [];
    const code = [...packed].filter((f) => f.startsWith('dist/electron/') && /\.(c|m)?js$/.test(f));
    expect(code.length).toBeGreaterThan(10);
    for (const file of code) {
      const text = asar.extractFile(archive, file).toString('utf8');
      const specs = new Set<string>();
      for (const re of [
        /\b(?:import|export)\s[^'";]*?\bfrom\s*(['"])([^'"\n]+)\1/g,
        /\bimport\s*(['"])([^'"\n]+)\1/g,
        /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g,
        /\brequire\(\s*(['"])([^'"\n]+)\1\s*\)/g,
      ]) {
        for (const m of text.matchAll(re)) specs.add(m[2]!);
      }
      // new URL('./worker.js', import.meta.url), including `cond ? './a.ts' : './a.js'`.
      for (const m of text.matchAll(/new URL\(([^;]*?),\s*import\.meta\.url\s*\)/g)) {
        for (const lit of m[1]!.matchAll(/['"](\.{1,2}\/[^'"]+\.(?:c|m)?js)['"]/g)) specs.add(lit[1]!);
      }
      for (const spec of specs) {
        if (spec.startsWith('.')) {
          const target = posix.normalize(posix.join(posix.dirname(file), spec));
          if (!packed.has(target)) missing.push(`${file}: ${spec}`);
        } else if (!builtins.has(spec) && spec !== 'electron') {
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          if (!deps.has(name)) notShipped.push(`${file}: ${spec}`);
        }
      }
    }
    expect(missing, 'relative imports missing from app.asar').toEqual([]);
    // A bare import must be a production dependency: electron-builder ships no devDependencies.
    expect(notShipped, 'imports of packages that are not in "dependencies"').toEqual([]);
    expect(packed.has('dist/electron/core/raster/jp2/worker.js')).toBe(true);
  });

  it('native addons are unpacked next to the archive', () => {
    const nodes = files.filter((f) => f.endsWith('.node'));
    for (const f of nodes) expect(existsSync(join(`${archive}.unpacked`, f)), f).toBe(true);
  });

  it('the renderer page the window loads is inside the archive', async (ctx) => {
    if (!existsSync(join(ROOT, 'dist', 'renderer', 'index.html'))) ctx.skip(); // needs vite build
    const { APP_ROOT, RENDERER_DIR } = await import('../../../electron/app-meta.js');
    const rel = relative(APP_ROOT, RENDERER_DIR).split(sep).join('/');
    expect(packed.has(`${rel}/index.html`), `RENDERER_DIR is ${rel}/, files ship dist/renderer/`).toBe(true);
  });

  it('the staged app is what the files list names (nothing from the source tree leaks in)', () => {
    expect(
      files.some((f) => f.startsWith('electron/') || f.startsWith('renderer/') || f.startsWith('test/')),
    ).toBe(false);
    expect(dirname(archive)).toBe(tmp);
  });
});
