/**
 * Writes on a full disk: a real 64 KiB tmpfs (mounted here when the test runs as root; skipped
 * with a message otherwise) and an injected writer that writes short or fails. A write either
 * completes (every byte, synced, renamed) or fails with DISK_FULL naming the folder and leaves
 * nothing behind.
 */
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../electron/core/atomic-write.js';
import { BatchRun } from '../../../electron/core/batch/index.js';
import { S2Error } from '../../../electron/core/errors.js';
import { checkTiff, writeFully, type WritableHandle } from '../../../electron/core/outputs/index.js';
import { writeCog } from '../../../electron/core/raster/cog/index.js';
import type { Grid } from '../../../electron/core/raster/grid.js';
import { destroySharedDecoder } from '../../../electron/core/raster/jp2/index.js';
import { makeScene } from '../../fixtures/make-scene.js';
import { runCli } from '../../helpers/cli.js';
import { DATA_DIR, hasTool } from '../../helpers/env.js';
import { ensureBuiltModel } from '../../helpers/models.js';
import { batchFolder } from '../batch/fixtures.js';

const grid = (n: number): Grid => ({
  width: n,
  height: n,
  epsg: 32631,
  transform: [300000, 20, 0, 5000000, 0, -20],
});

/** Float32 noise: incompressible, so a 256 x 256 band needs 256 KiB whatever deflate does. */
function noise(n: number): Float32Array {
  const a = new Float32Array(n * n);
  let s = 12345;
  for (let i = 0; i < a.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = s / 2 ** 32;
  }
  return a;
}

function tryMountTmpfs(dir: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return (err as { stderr?: Buffer }).stderr?.toString().trim() || String(err);
  }
}

const tmp = mkdtempSync(join(tmpdir(), 's2-writes-'));
const small = join(tmp, 'full');
mkdirSync(small);
const mountError = tryMountTmpfs(small);
if (mountError)
  console.warn(`writes.test: no 64 KiB tmpfs (${mountError}); the real full-disk tests are skipped.`);

afterAll(() => {
  if (!mountError) execFileSync('umount', [small]);
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(mountError !== null)('a real full disk (64 KiB tmpfs)', () => {
  beforeAll(() => {
    for (const f of readdirSync(small)) rmSync(join(small, f), { recursive: true, force: true });
  });

  it('writeFileAtomic: DISK_FULL naming the folder, no file and no temporary left', async () => {
    const err = await writeFileAtomic(join(small, 'report.json'), Buffer.alloc(200_000, 7)).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(S2Error);
    expect((err as S2Error).code).toBe('DISK_FULL');
    expect((err as S2Error).message).toContain(small);
    expect(readdirSync(small)).toEqual([]);
  });

  it('the COG writer: DISK_FULL, nothing half-written left, and a small file still fits', async () => {
    const out = join(small, 'probabilities.tif');
    const err = await writeCog(out, {
      grid: grid(256),
      dataType: 'Float32',
      bands: [{ data: noise(256) }],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S2Error);
    expect((err as S2Error).code).toBe('DISK_FULL');
    expect((err as S2Error).message).toMatch(/no space left in .*full/);
    expect(readdirSync(small)).toEqual([]);
    // The same with the compressed tiles spilled to disk as they come (the tile store's writes).
    const spilled = await writeCog(out, {
      grid: grid(256),
      dataType: 'Float32',
      bands: [{ data: noise(256) }],
      memoryLimitBytes: 1,
    }).catch((e: unknown) => e);
    expect((spilled as S2Error).code).toBe('DISK_FULL');
    expect(readdirSync(small)).toEqual([]);
    // The disk is usable again: a file that fits is written whole.
    const ok = await writeCog(out, { grid: grid(32), dataType: 'Float32', bands: [{ data: noise(32) }] });
    expect((await checkTiff(ok.path, { width: 32, height: 32 })).ok).toBe(true);
    rmSync(out);
  });

  it.skipIf(!hasTool('opj_compress'))(
    'predict on a full disk exits 1 with DISK_FULL, prints no success, leaves no partial file',
    async () => {
      const safe = (await makeScene({ size: 'small', outDir: join(DATA_DIR, 'scenes'), log: () => {} }))
        .safePath;
      await ensureBuiltModel('dl-l8s2-uv-6b');
      const out = join(small, 'mask.tif');
      const r = await runCli(['predict', safe, '--resolution', '60', '--out', out, '--probabilities']);
      await destroySharedDecoder();
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/There is no space left in .*full to write/);
      expect(r.out).not.toMatch(/cloud\s+\d/); // no success summary
      // A class COG finished before the disk filled may stay, but only whole; nothing partial.
      for (const f of readdirSync(small)) {
        expect(f).toMatch(/\.tif$/);
        expect((await checkTiff(join(small, f))).ok).toBe(true);
      }
      for (const f of readdirSync(small)) rmSync(join(small, f));
    },
  );

  it.skipIf(!hasTool('opj_compress'))(
    'a batch stops at the first DISK_FULL (every later scene would fail too) and says why',
    async () => {
      const folder = await batchFolder(['first', 'second'], false);
      try {
        const snap = await new BatchRun({
          folder,
          outDir: small,
          resolution: 60,
          jobs: 1,
          outputs: { probabilities: true, quicklook: false, metrics: false },
        }).start();
        await destroySharedDecoder();
        expect(snap.state).toBe('cancelled');
        expect(snap.scenes.map((x) => x.status)).toEqual(['failed', 'pending']);
        expect(snap.scenes[0]!.error?.code).toBe('DISK_FULL');
        expect(snap.notes?.join(' ')).toMatch(/Stopped: There is no space left in .*full/);
        // No temporary or cut file: only whole outputs, the journal and the reports.
        for (const f of readdirSync(small)) {
          expect(f).not.toMatch(/\.partial$|\.tmp-\d+/);
          if (f.endsWith('.tif')) expect((await checkTiff(join(small, f))).ok).toBe(true);
        }
      } finally {
        rmSync(folder, { recursive: true, force: true });
        for (const f of readdirSync(small)) rmSync(join(small, f));
      }
    },
  );
});

describe('an injected writer (short writes, a disk that fills up)', () => {
  const handle = (
    plan: number[],
    sink: Buffer,
  ): WritableHandle & { sync(): Promise<void>; close(): Promise<void> } => ({
    async write(buffer, offset, length, position) {
      const n = Math.min(length, plan.shift() ?? length);
      if (n < 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      buffer.subarray(offset, offset + n).forEach((b, i) => (sink[(position ?? 0) + i] = b));
      return { bytesWritten: n };
    },
    sync: async () => {},
    close: async () => {},
  });

  it('writeFully loops over short writes until every byte is written', async () => {
    const data = Buffer.from('0123456789abcdef');
    const sink = Buffer.alloc(20);
    await writeFully(handle([3, 1, 5], sink), data, 2);
    expect(sink.subarray(2, 18).toString()).toBe('0123456789abcdef');
  });

  it('a write that stops making progress, or fails with ENOSPC, is DISK_FULL and leaves nothing', async () => {
    const dir = join(tmp, 'injected');
    mkdirSync(dir);
    for (const plan of [
      [4, 0],
      [4, -1],
    ]) {
      const err = await writeFileAtomic(join(dir, 'a.json'), 'x'.repeat(100), {
        openHandle: async () => handle([...plan], Buffer.alloc(100)),
      }).catch((e: unknown) => e);
      expect((err as S2Error).code).toBe('DISK_FULL');
      expect((err as S2Error).message).toContain(dir);
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it('a temporary left by a killed process with our pid (containers reuse pids) does not block the write', async () => {
    const dir = join(tmp, 'leftovers');
    mkdirSync(dir);
    for (let n = 1; n <= 300; n++) writeFileSync(join(dir, `j.json.${process.pid}.${n}.partial`), 'old');
    await writeFileAtomic(join(dir, 'j.json'), 'new');
    expect(readFileSync(join(dir, 'j.json'), 'utf8')).toBe('new');
  });

  it('a normal write is complete and replaces the old file in one step', async () => {
    const p = join(tmp, 'whole.json');
    await writeFileAtomic(p, 'old');
    await writeFileAtomic(p, 'new contents');
    expect(readFileSync(p, 'utf8')).toBe('new contents');
  });
});

describe('checkTiff (what "skip existing" trusts)', () => {
  it('accepts a complete COG of the expected size, refuses a cut one and a wrong size', async () => {
    const p = join(tmp, 'check.tif');
    await writeCog(p, { grid: grid(300), dataType: 'Float32', bands: [{ data: noise(300) }], tileSize: 256 });
    expect(await checkTiff(p, { width: 300, height: 300 })).toEqual({ ok: true, width: 300, height: 300 });
    const wrong = await checkTiff(p, { width: 600, height: 600 });
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.reason).toMatch(/300 x 300 px, 600 x 600 expected/);
    truncateSync(p, statSync(p).size - 1000);
    const cut = await checkTiff(p);
    expect(cut.ok).toBe(false);
    if (!cut.ok) expect(cut.reason).toMatch(/past the end/);
    truncateSync(p, 5);
    expect((await checkTiff(p)).ok).toBe(false);
  });
});
