/**
 * Every command, run as the user runs it (a child process through bin/s2cloud.js), exits when its
 * work is done, also after an error: worker threads or other handles left open keep Node alive
 * (`compare --product` did). The time limit only kills a hung process so the test can fail; it
 * is not a speed check. Inputs: the embedded sample product and, for the error case, a real L1C
 * with its MSK_CLASSI from ../shared.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { vulkanLoaderPresent } from '../../../electron/core/models/session.js';
import { sampleProductPath } from '../../../electron/core/sample/path.js';
import { runCli } from '../../helpers/cli.js';
import { ROOT, SHARED_DATA } from '../../helpers/env.js';

/** Generous: the slowest command here takes seconds; only a process that never ends reaches it. */
const HANG_LIMIT_MS = 150_000;
const CLI = join(ROOT, 'bin', 's2cloud.js');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  hung: boolean;
}

function s2cloud(args: string[], cwd: string): Promise<Exit> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let hung = false;
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, HANG_LIMIT_MS);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, out, err, hung });
    });
  });
}

function expectExit(r: Exit, code: number, what: string): void {
  expect(r.hung, `${what} did not exit (stderr: ${r.err.slice(-400)})`).toBe(false);
  expect(r.code, `${what}: ${r.err.slice(-400)}`).toBe(code);
}

const LABELLED = join(
  SHARED_DATA,
  'labelled-landsat5/S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE',
);

describe('every s2cloud command exits when it is done', () => {
  const tmp = mkdtempSync(join(tmpdir(), 's2-exits-'));
  const sample = sampleProductPath();
  const mask = join(tmp, 'sample-mask.tif');
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(
    'sample, info, predict, fmask, compare and batch, on the sample product',
    { timeout: 600_000 },
    async () => {
      const s = await s2cloud(['sample'], tmp);
      expectExit(s, 0, 'sample');
      expect(s.out.trim()).toBe(sample);

      expectExit(await s2cloud(['info', sample], tmp), 0, 'info');

      const p = await s2cloud(['predict', sample, '--out', mask], tmp);
      expectExit(p, 0, 'predict');
      expect(existsSync(mask)).toBe(true);
      // Without a Vulkan loader WebGPU is not tried, so Dawn's warning never reaches the user.
      if (!vulkanLoaderPresent()) {
        expect(p.err).not.toMatch(/Couldn't load Vulkan|BackendVk/);
        expect(p.err).toContain('webgpu: no Vulkan loader');
      }

      const fmask = join(tmp, 'sample-fmask.tif');
      const f = await s2cloud(['fmask', sample, '--out', fmask], tmp);
      expectExit(f, 0, 'fmask');
      // Class shares are of the pixels with data (they add up to 100 %); no data is of the tile.
      const shares = [...f.out.matchAll(/^ {2}(clear land|water|cloud shadow|snow|cloud)\s+([\d.]+) %$/gm)];
      expect(shares).toHaveLength(5);
      expect(shares.reduce((a, m) => a + Number(m[2]), 0)).toBeCloseTo(100, 1);
      expect(f.out).toMatch(/^ {2}no data\s+[\d.]+ % of the tile$/m);

      const c = await s2cloud(['compare', mask, `fmask4=${fmask}`], tmp);
      expectExit(c, 0, 'compare');
      expect(c.out).toMatch(/agreement|OA/i);

      const b = await s2cloud(['batch', join(ROOT, 'samples'), '--out', join(tmp, 'batch')], tmp);
      expectExit(b, 0, 'batch');
      expect(b.out).toMatch(/finished: 1 done/);
    },
  );

  it.skipIf(!existsSync(LABELLED))(
    'compare --product exits after its tables and after an error (its MSK_CLASSI is decoded on worker threads)',
    { timeout: 600_000 },
    async () => {
      // A mask elsewhere on Earth: the product's own MSK_CLASSI is decoded, then no overlap.
      if (!existsSync(mask))
        expectExit(await s2cloud(['predict', sampleProductPath(), '--out', mask], tmp), 0, 'predict');
      const e = await s2cloud(['compare', '--product', LABELLED, mask], tmp);
      expectExit(e, 1, 'compare --product (no overlap)');
      expect(e.err).toMatch(/overlap/);
      // The product's masks against each other: tables printed, then the process ends.
      const ok = await s2cloud(['compare', '--product', LABELLED, `msk-classi=${LABELLED}`], tmp);
      expectExit(ok, 0, 'compare --product');
      expect(ok.out).toMatch(/MSK_CLASSI.*100\.0 %/);
    },
  );

  it('every command answers --help with its own usage and exit 0', async () => {
    for (const cmd of ['sample', 'info', 'predict', 'compare', 'fmask', 'batch']) {
      const h = await runCli([cmd, '--help']);
      expect(h.code, `${cmd} --help: ${h.err}`).toBe(0);
      expect(h.out).toMatch(new RegExp(`^Usage: s2cloud ${cmd}\\b`));
      expect(h.err).not.toMatch(/Unknown option/);
    }
    // After `--` it is an argument, not a request for help.
    expect((await runCli(['sample', '--', '--help'])).code).toBe(2);
    // A wrong option says where the right ones are.
    const wrong = await runCli(['compare', '--nope']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/Unknown option '--nope'[\s\S]*s2cloud compare --help lists its options/);
  });
});
