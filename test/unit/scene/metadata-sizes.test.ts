/**
 * Sizes from the metadata are checked before anything is allocated from them (issue 12): a
 * product declaring a 40000 x 40000 grid at 10 m (a consistent product, but no Sentinel-2 tile
 * is that big) is refused when it is opened, in words, instead of failing later with "Invalid
 * typed array length" or an out-of-memory kill.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { S2Error } from '../../../electron/core/errors.js';
import { openProduct } from '../../../electron/core/scene/index.js';
import { makeScene } from '../../fixtures/make-scene.js';
import { DATA_DIR, hasTool } from '../../helpers/env.js';

const tmp = mkdtempSync(join(tmpdir(), 's2-sizes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the small product whose 10 m Size is replaced by `rows` x `cols`. */
async function withSize(name: string, rows: string, cols: string): Promise<string> {
  const safe = (await makeScene({ size: 'small', outDir: join(DATA_DIR, 'scenes'), log: () => {} })).safePath;
  const copy = join(tmp, `${name}.SAFE`);
  cpSync(safe, copy, { recursive: true });
  const granule = join(copy, 'GRANULE', readdirSync(join(copy, 'GRANULE'))[0]!);
  const xml = join(granule, 'MTD_TL.xml');
  writeFileSync(
    xml,
    readFileSync(xml, 'utf8').replace(
      /(<Size resolution="10">\s*<NROWS>)\d+(<\/NROWS>\s*<NCOLS>)\d+(<\/NCOLS>)/,
      `$1${rows}$2${cols}$3`,
    ),
  );
  return copy;
}

describe.skipIf(!hasTool('opj_compress'))('grid sizes from MTD_TL.xml', () => {
  it('opens the product as made (1098 x 1098 at 10 m)', async () => {
    const p = await openProduct(await withSize('ok', '1098', '1098'));
    expect(p.metadata.grids[10]).toMatchObject({ width: 1098, height: 1098 });
    await p.close();
  });

  it.each([
    ['huge', '40000', '40000'],
    ['fraction', '1098.5', '1098'],
    ['zero', '0', '1098'],
  ])('refuses a %s grid with BAD_METADATA naming the file', async (name, rows, cols) => {
    const err = (await openProduct(await withSize(name, rows, cols)).catch((e: unknown) => e)) as S2Error;
    expect(err).toBeInstanceOf(S2Error);
    expect(err.code).toBe('BAD_METADATA');
    expect(err.file).toMatch(/MTD_TL\.xml$/);
    expect(err.message).toMatch(
      new RegExp(
        `the 10 m grid is declared ${cols} x ${rows.replace('.', '\\.')} pixels; a Sentinel-2 tile is 109\\.8 km across \\(10980 px at 10 m\\)`,
      ),
    );
  });
});
