import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S2Error } from '../../../electron/core/errors.js';
import { openProduct } from '../../../electron/core/scene/index.js';
import { copyProduct, editFile, SAFE, tempDir } from './scene-fixtures.js';

const errorOf = async (p: Promise<unknown>): Promise<S2Error> =>
  (await p.catch((e: unknown) => e)) as S2Error;

describe('openProduct on bad input', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('bad'));
  });
  afterAll(() => cleanup());

  it('refuses an empty folder with NOT_A_PRODUCT', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const err = await errorOf(openProduct(empty));
    expect(err.code).toBe('NOT_A_PRODUCT');
    expect(err.message).toContain(empty);
  });

  it('refuses a path that does not exist with NOT_FOUND', async () => {
    expect((await errorOf(openProduct(join(dir, 'nope.SAFE')))).code).toBe('NOT_FOUND');
  });

  it('refuses a granule XML with a hint to open the product instead', async () => {
    const err = await errorOf(openProduct(join(SAFE.l1cCompact, 'GRANULE/FOO/MTD_TL.xml')));
    expect(err.code).toBe('NOT_A_PRODUCT');
    expect(err.message).toMatch(/granule/);
  });

  it('opens a product with a missing band file and warns with its path', async () => {
    const safe = await copyProduct(SAFE.l1cCompact, dir, 'missing-band.SAFE');
    await rm(join(safe, 'GRANULE/FOO/IMG_DATA/BAR_B04.jp2'));
    const p = await openProduct(safe);
    expect(p.bands.map((b) => b.name)).not.toContain('B04');
    expect(p.bands).toHaveLength(13);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toContain(join(safe, 'GRANULE/FOO/IMG_DATA/BAR_B04.jp2'));
    const err = await errorOf(p.open('GRANULE/FOO/IMG_DATA/BAR_B04.jp2'));
    expect(err.code).toBe('MISSING_FILE');
    await p.close();
  });

  it.each([
    ['N9999', 'UNKNOWN_BASELINE'],
    ['12.00', 'UNKNOWN_BASELINE'],
    ['', 'UNKNOWN_BASELINE'],
  ])("refuses processing baseline '%s' with %s", async (baseline, code) => {
    const safe = await copyProduct(SAFE.l1cCompact, dir, `baseline-${baseline || 'none'}.SAFE`);
    await editFile(join(safe, 'MTD_MSIL1C.xml'), (t) =>
      t.replace(
        '<PROCESSING_BASELINE>01.03</PROCESSING_BASELINE>',
        baseline ? `<PROCESSING_BASELINE>${baseline}</PROCESSING_BASELINE>` : '',
      ),
    );
    const err = await errorOf(openProduct(safe));
    expect(err.code).toBe(code);
    expect(err.message).toContain('MTD_MSIL1C.xml');
  });

  it('opens a parseable newer baseline (06.00) with a warning', async () => {
    const safe = await copyProduct(SAFE.l1c509, dir, 'baseline-06.SAFE');
    await editFile(join(safe, 'MTD_MSIL1C.xml'), (t) => t.replace('>05.09<', '>06.00<'));
    const p = await openProduct(safe);
    expect(p.metadata.processingBaseline).toBe('06.00');
    expect(p.metadata.offsets.B04).toBe(-1000);
    expect(p.warnings.some((w) => w.includes('06.00'))).toBe(true);
    await p.close();
  });

  it.each([
    ['Sentinel-2C', 'S2C'],
    ['Sentinel-2D', 'S2D'],
  ])('reads the mission of a %s product from SPACECRAFT_NAME', async (name, mission) => {
    const safe = await copyProduct(SAFE.l1c509, dir, `${mission}.SAFE`);
    await editFile(join(safe, 'MTD_MSIL1C.xml'), (t) => t.replace('>Sentinel-2B<', `>${name}<`));
    const p = await openProduct(safe);
    expect(p.metadata.mission).toBe(mission);
    await p.close();
  });

  it('warns when a baseline >= 04.00 product has no RADIO_ADD_OFFSET', async () => {
    const safe = await copyProduct(SAFE.l1c509, dir, 'no-offsets.SAFE');
    await editFile(join(safe, 'MTD_MSIL1C.xml'), (t) =>
      t.replace(/<Radiometric_Offset_List>[\s\S]*<\/Radiometric_Offset_List>/, ''),
    );
    const p = await openProduct(safe);
    expect(p.metadata.offsets.B04).toBe(0);
    expect(p.warnings.some((w) => w.includes('RADIO_ADD_OFFSET'))).toBe(true);
    await p.close();
  });

  it('refuses malformed product XML with BAD_METADATA naming the file', async () => {
    const safe = await copyProduct(SAFE.l1cCompact, dir, 'broken-xml.SAFE');
    await editFile(join(safe, 'MTD_MSIL1C.xml'), (t) => t.slice(0, 400));
    const err = await errorOf(openProduct(safe));
    expect(['BAD_METADATA', 'NOT_A_PRODUCT', 'UNKNOWN_BASELINE']).toContain(err.code);
    expect(err.message).toContain('MTD_MSIL1C.xml');
  });

  it('refuses a product without granule metadata with MISSING_FILE', async () => {
    const safe = await copyProduct(SAFE.l1cCompact, dir, 'no-mtd-tl.SAFE');
    await rm(join(safe, 'GRANULE/FOO/MTD_TL.xml'));
    const err = await errorOf(openProduct(safe));
    expect(err.code).toBe('MISSING_FILE');
    expect(err.message).toContain('GRANULE/FOO');
  });
});
