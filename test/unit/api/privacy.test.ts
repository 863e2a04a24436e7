/**
 * Privacy: no telemetry from ONNX Runtime and no network request from the app at run time.
 * The inference runs in a child process whose HOME is a fresh folder, because the runtime reads
 * its opt-out and its cache folder once per process, when it initialises.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltModel } from '../../helpers/models.js';
import { ROOT } from '../../helpers/env.js';

/** Every file and folder under `dir`, relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/**
 * The child's environment: a fresh HOME, and none of what would hide the runtime's telemetry on
 * its own (its opt-out, which vitest sets for every test, and the CI markers it also honours).
 */
function childEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  for (const name of [
    'XDG_CACHE_HOME',
    'ORT_DISABLE_TELEMETRY',
    'ORT_RUNNING_UNIT_TESTS',
    'CI',
    'TF_BUILD',
    'GITHUB_ACTIONS',
    'GITLAB_CI',
    'JENKINS_URL',
    'TRAVIS',
    'CIRCLECI',
    'BUILDKITE',
    'TEAMCITY_VERSION',
    'CODEBUILD_BUILD_ID',
    'SYSTEM_TEAMFOUNDATIONCOLLECTIONURI',
  ]) {
    delete env[name];
  }
  return env;
}

/** One real inference on a 64 x 64 input, from a session made by `open` (JS source of a function). */
function inferIn(home: string, model: string, open: string): string {
  const script = `
    const ort = await import('onnxruntime-node');
    const session = await (${open})(${JSON.stringify(model)});
    const meta = session.inputMetadata[0];
    const dims = meta.shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : 64));
    const size = dims.reduce((a, b) => a * b, 1);
    const input = new ort.Tensor('float32', new Float32Array(size).fill(0.1), dims);
    const out = await session.run({ [meta.name]: input });
    process.stdout.write(String(Object.values(out)[0].data.length));
  `;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    env: childEnv(home),
    encoding: 'utf8',
  });
}

const SESSION_TS = pathToFileURL(join(ROOT, 'electron', 'core', 'models', 'session.ts')).href;

describe('privacy', () => {
  let model: string;
  const homes: string[] = [];
  const freshHome = (): string => {
    const h = mkdtempSync(join(tmpdir(), 'privacy-home-'));
    homes.push(h);
    return h;
  };
  beforeAll(async () => {
    model = (await ensureBuiltModel('dl-l8s2-uv-4b')).file;
  });
  afterAll(() => {
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  });

  it('the probe sees telemetry: a bare ONNX Runtime session writes under ~/.cache/Microsoft', () => {
    // The control: without the opt-out the runtime does write there, so the next test can fail.
    const home = freshHome();
    const bare = `(file) => ort.InferenceSession.create(file, { executionProviders: ['cpu'] })`;
    expect(inferIn(home, model, bare)).toBe(String(64 * 64));
    expect(tree(home).some((p) => p.startsWith(join('.cache', 'Microsoft')))).toBe(true);
  });

  it('a real inference through core writes nothing under HOME (no telemetry database, no device id)', () => {
    const home = freshHome();
    const viaCore = `async (file) => {
      const { createSession } = await import(${JSON.stringify(SESSION_TS)});
      return (await createSession(file, { providers: ['cpu'], threads: 1, log: () => {} })).session;
    }`;
    expect(inferIn(home, model, viaCore)).toBe(String(64 * 64));
    expect(tree(home)).toEqual([]);
  });

  it('the app makes no network request: no HTTP client in the main process, connect-src self only', () => {
    const sources = readdirSync(join(ROOT, 'electron'), { recursive: true, encoding: 'utf8' })
      .filter((p) => /\.(c|m)?ts$/.test(p) && !p.endsWith('.test.ts'))
      .map((p) => ({ path: p, text: readFileSync(join(ROOT, 'electron', p), 'utf8') }));
    const client =
      /\bfetch\(|node:https|['"]https['"]|http\.request|http\.get\(|net\.request|net\.connect|WebSocket|node:dgram/;
    const users = sources.filter((s) => client.test(s.text)).map((s) => s.path);
    // The one downloader is not wired into the app (models come built or from the user's files).
    expect(users).toEqual([join('core', 'models', 'download.ts')]);
    const importsDownloader = sources.filter((s) => /models\/download\.js|\.\/download\.js/.test(s.text));
    expect(importsDownloader.map((s) => s.path)).toEqual([]);

    const csps = [
      readFileSync(join(ROOT, 'renderer', 'index.html'), 'utf8'),
      readFileSync(join(ROOT, 'electron', 'main.ts'), 'utf8'),
      readFileSync(join(ROOT, 'electron', 'web-host.ts'), 'utf8'),
    ].map((text) => /connect-src ([^;]*);/.exec(text)?.[1]);
    for (const connect of csps) expect(connect).toMatch(/^'self'( s2tile:)?$/);
  });

  it('tests that open ONNX Runtime directly carry the opt-out too (vitest.config.ts)', () => {
    expect(process.env.ORT_DISABLE_TELEMETRY).toBe('1');
  });
});
