import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S2Error } from '../../../electron/core/errors.js';
import { openProduct } from '../../../electron/core/scene/index.js';
import { hasTool } from '../../helpers/env.js';
import { SAFE, T31TCJ_CLEAR, tempDir, zipFolder } from './scene-fixtures.js';

const errorOf = async (p: Promise<unknown>): Promise<S2Error> =>
  (await p.catch((e: unknown) => e)) as S2Error;

describe.skipIf(!hasTool('zip'))('openProduct on zipped products (read in place)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let storedZip: string;
  let deflatedZip: string;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('zip'));
    storedZip = zipFolder(T31TCJ_CLEAR, join(dir, 'clear-stored.zip'), true);
    deflatedZip = zipFolder(T31TCJ_CLEAR, join(dir, 'clear-deflated.zip'), false);
  });
  afterAll(() => cleanup());

  it.each(['stored', 'deflated'])(
    'reads the same metadata from a %s zip as from the folder',
    async (kind) => {
      const folder = await openProduct(T31TCJ_CLEAR);
      const zipped = await openProduct(kind === 'stored' ? storedZip : deflatedZip);
      try {
        expect(zipped.rootName).toMatch(/\.zip!\/S2A_MSIL1C_.*\.SAFE$/);
        expect(zipped.metadata).toEqual(folder.metadata);
        expect(zipped.bands).toEqual(folder.bands);
        expect(zipped.masks).toEqual(folder.masks);
        expect(zipped.warnings).toEqual([]);
      } finally {
        await Promise.all([folder.close(), zipped.close()]);
      }
    },
  );

  it.each(['stored', 'deflated'])(
    'gives the exact bytes of a band from a %s zip, at any offset',
    async (kind) => {
      const p = await openProduct(kind === 'stored' ? storedZip : deflatedZip);
      try {
        const band = p.bands.find((b) => b.name === 'B04');
        const expected = await readFile(join(T31TCJ_CLEAR, band?.path ?? ''));
        const src = await p.open(band?.path ?? '');
        expect(src.name).toContain('.zip!/');
        expect(src.size).toBe(expected.length);
        expect(Buffer.from(await src.readAll()).equals(expected)).toBe(true);
        expect(Buffer.from(await src.read(17, 100)).equals(expected.subarray(17, 117))).toBe(true);
        expect((await src.read(expected.length - 5, 100)).length).toBe(5);
        await src.close();
      } finally {
        await p.close();
      }
    },
  );

  it('reads an L2A zip too', async () => {
    const zip = zipFolder(SAFE.l2a509, join(dir, 'l2a.zip'), false);
    const p = await openProduct(zip);
    expect(p.metadata.level).toBe('L2A');
    expect(p.bands.filter((b) => b.name === 'SCL')).toHaveLength(2);
    await p.close();
  });

  it('refuses a truncated zip with CORRUPT_ZIP naming the file', async () => {
    const bytes = await readFile(storedZip);
    const cut = join(dir, 'half-downloaded.zip');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const err = await errorOf(openProduct(cut));
    expect(err).toBeInstanceOf(S2Error);
    expect(err.code).toBe('CORRUPT_ZIP');
    expect(err.message).toContain('half-downloaded.zip');
  });

  it('refuses a zip that is not a SAFE product with NOT_A_PRODUCT naming the file', async () => {
    await writeFile(join(dir, 'readme.txt'), 'not a product');
    const zip = join(dir, 'holiday-photos.zip');
    zipFolder(join(dir, 'readme.txt'), zip, false);
    expect((await stat(zip)).size).toBeGreaterThan(0);
    const err = await errorOf(openProduct(zip));
    expect(err.code).toBe('NOT_A_PRODUCT');
    expect(err.message).toContain('holiday-photos.zip');
  });

  it('refuses a file that only pretends to be a zip with CORRUPT_ZIP', async () => {
    const fake = join(dir, 'fake.zip');
    await writeFile(fake, 'this is not a zip at all');
    const err = await errorOf(openProduct(fake));
    expect(err.code).toBe('CORRUPT_ZIP');
    expect(err.message).toContain('fake.zip');
  });
});
