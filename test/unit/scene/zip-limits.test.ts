/**
 * Zip bombs and big entries (issue 12): an entry is never inflated past what its file can hold
 * (for a band: what the metadata's grid implies), a central directory that lies about the size
 * is caught while inflating, and big deflated entries go to a private temporary file instead of
 * memory, removed on close.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S2Error } from '../../../electron/core/errors.js';
import { openProduct } from '../../../electron/core/scene/index.js';
import { INFLATE_IN_MEMORY_BYTES, openZipArchive } from '../../../electron/core/scene/zip-source.js';
import { makeScene } from '../../fixtures/make-scene.js';
import { runCli } from '../../helpers/cli.js';
import { DATA_DIR, hasTool } from '../../helpers/env.js';

const tools = hasTool('zip') && hasTool('opj_compress');
const tmp = mkdtempSync(join(tmpdir(), 's2-zip-limits-'));
const BOMB = 20 * 2 ** 20;
let bombZip = '';
let b04Entry = '';

/** The zip's central-directory and local-header records of `name`: offsets of their size fields. */
function sizeFields(zip: Uint8Array, name: string): number[] {
  const v = new DataView(zip.buffer, zip.byteOffset);
  const out: number[] = [];
  const n = Buffer.from(name);
  for (let i = 0; i + 46 < zip.length; i++) {
    const sig = v.getUint32(i, true);
    if (sig === 0x02014b50 && Buffer.from(zip.subarray(i + 46, i + 46 + n.length)).equals(n))
      out.push(i + 24);
    if (sig === 0x04034b50 && Buffer.from(zip.subarray(i + 30, i + 30 + n.length)).equals(n))
      out.push(i + 22);
  }
  return out;
}

const tempFolders = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('s2cloud-zip-'));

beforeAll(async () => {
  if (!tools) return;
  const safe = (await makeScene({ size: 'small', outDir: join(DATA_DIR, 'scenes'), log: () => {} })).safePath;
  const copy = join(tmp, basename(safe));
  cpSync(safe, copy, { recursive: true });
  const granule = join(copy, 'GRANULE', readdirSync(join(copy, 'GRANULE'))[0]!, 'IMG_DATA');
  const b04 = readdirSync(granule).find((n) => n.endsWith('_B04.jp2'))!;
  writeFileSync(join(granule, b04), Buffer.alloc(BOMB)); // 20 MiB of zeros: a 20 KB deflated entry
  bombZip = join(tmp, 'bomb.zip');
  execFileSync('zip', ['-r', '-q', bombZip, basename(copy)], { cwd: tmp });
  b04Entry = `${basename(copy)}/GRANULE/${basename(join(granule, '..'))}/IMG_DATA/${b04}`;
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!tools)('zip entries are inflated within limits', () => {
  it('a band entry bigger than its grid allows is refused before inflating (TOO_LARGE), and predict says so', async () => {
    const product = await openProduct(bombZip);
    try {
      const b04 = product.bands.find((b) => b.name === 'B04')!;
      const err = (await product.open(b04.path).catch((e: unknown) => e)) as S2Error;
      expect(err).toBeInstanceOf(S2Error);
      expect(err.code).toBe('TOO_LARGE');
      expect(err.message).toMatch(
        /_B04\.jp2 inflates to 20\.0 MiB or more, but this file cannot hold more than 3\.\d MiB/,
      );
      expect(err.file).toContain('bomb.zip!/');
    } finally {
      await product.close();
    }
    const r = await runCli(['predict', bombZip, '--resolution', '60', '--out', join(tmp, 'never.tif')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/inflates to 20\.0 MiB or more/);
    expect(readdirSync(tmp).filter((n) => n.startsWith('never'))).toEqual([]);
  });

  it('a central directory that understates the size is caught while inflating, not trusted', async () => {
    const bytes = new Uint8Array(readFileSync(bombZip));
    const fields = sizeFields(bytes, b04Entry);
    expect(fields.length).toBe(2);
    for (const at of fields) new DataView(bytes.buffer).setUint32(at, 1000, true);
    const lying = join(tmp, 'lying.zip');
    writeFileSync(lying, bytes);
    const zip = await openZipArchive(lying);
    try {
      const err = (await zip.open(b04Entry).catch((e: unknown) => e)) as S2Error;
      expect(err).toBeInstanceOf(S2Error);
      expect(['CORRUPT_ZIP', 'TOO_LARGE']).toContain(err.code);
      expect(err.message).toContain('lying.zip');
    } finally {
      await zip.close();
    }
  });

  it('a big deflated entry is inflated into a private temporary file, removed on close', async () => {
    const before = tempFolders();
    const dir = join(tmp, 'big');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(INFLATE_IN_MEMORY_BYTES + 2 ** 20, 1));
    const bigZip = join(tmp, 'big.zip');
    execFileSync('zip', ['-q', bigZip, 'big.bin'], { cwd: dir });
    const z = await openZipArchive(bigZip);
    const src = await z.open('big.bin');
    const during = tempFolders().filter((n) => !before.includes(n));
    expect(during).toHaveLength(1);
    expect(src.size).toBe(INFLATE_IN_MEMORY_BYTES + 2 ** 20);
    expect([...(await src.read(src.size - 4, 4))]).toEqual([1, 1, 1, 1]);
    await src.close();
    expect(tempFolders().filter((n) => !before.includes(n))).toEqual([]);
    await z.close();
  });
});
