import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { DiscoveryEntry } from '../../../electron/core/scene/types.js';
import { runCli } from '../../helpers/cli.js';
import { ROOT, SHARED_DATA } from '../../helpers/env.js';

const T31TCJ = join(SHARED_DATA, 'safe-T31TCJ-2024');
const CLOUDY = join(T31TCJ, 'S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE');
const FAKE = join(SHARED_DATA, 'gdal-fake-safe');

const run = runCli;

describe('s2cloud info', () => {
  const tmp = mkdtempSync(join(tmpdir(), 's2-cli-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('summarises one product in readable lines', async () => {
    const { code, out } = await run(['info', CLOUDY]);
    expect(code).toBe(0);
    expect(out).toContain('S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347');
    expect(out).toMatch(/mission\s+Sentinel-2B\s+level L1C/);
    expect(out).toMatch(/tile\s+31TCJ\s+relative orbit R051/);
    expect(out).toMatch(/baseline\s+05\.10\s+quantification 10000\s+RADIO_ADD_OFFSET -1000 \(all bands\)/);
    expect(out).toContain('EPSG:32631');
    expect(out).toMatch(/grid 10 m\s+10980 x 10980 px, upper-left \(300000, 4900020\)/);
    expect(out).toContain('MSK_CLASSI');
  });

  it('lists every product of a folder and reports the broken ones without stopping', async () => {
    const { code, out } = await run(['info', FAKE]);
    expect(code).toBe(1); // the L1B products are refused
    expect(out).toMatch(/L1B/);
    expect(out).toContain('S2B_MSIL2A_20230823T095559_N0509_R122_T34UCF_20230823T124759');
    expect(out).toMatch(/\d+ product\(s\) read, [1-9]\d* with problems\./);
  });

  it('prints JSON with --json', async () => {
    const { code, out } = await run(['info', '--json', T31TCJ]);
    expect(code).toBe(0);
    const entries = JSON.parse(out) as DiscoveryEntry[];
    expect(entries).toHaveLength(2);
    const clouds = entries.map((e) => (e.ok ? e.metadata.cloudCover : null)).sort();
    expect(clouds[0]).toBe(0);
    expect(clouds[1]).toBeGreaterThan(60);
  });

  it('says what is wrong with an empty folder and a missing path', async () => {
    const empty = join(tmp, 'empty');
    cpSync(join(ROOT, 'README.md'), join(empty, 'notes.md'));
    const a = await run(['info', empty]);
    expect(a.code).toBe(1);
    expect(a.out).toContain('no Sentinel-2 product');
    const b = await run(['info', join(tmp, 'nope.SAFE')]);
    expect(b.code).toBe(1);
    expect(b.out).toContain('nope.SAFE');
  });

  it('explains its usage', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['info'])).err).toContain('give a product');
    expect((await run(['frobnicate'])).err).toContain("unknown command 'frobnicate'");
  });

  it('runs as the s2cloud command from a checkout', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'bin', 's2cloud.js'), 'info', CLOUDY],
      {
        env: process.env,
      },
    );
    expect(stdout).toContain('31TCJ');
  });
});
