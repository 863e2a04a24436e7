import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openProduct, type Product } from '../../../electron/core/scene/index.js';
import { S2Error } from '../../../electron/core/errors.js';
import { SAFE } from './scene-fixtures.js';

async function withProduct<T>(path: string, f: (p: Product) => T, opts = {}): Promise<T> {
  const p = await openProduct(path, opts);
  try {
    return f(p);
  } finally {
    await p.close();
  }
}

const names = (p: Product, res: number): string[] =>
  p.bands.filter((b) => b.resolution === res).map((b) => b.name);

describe('openProduct on GDAL test SAFE products', () => {
  it.each([SAFE.l1b, SAFE.l1bGeoloc])('refuses Level-1B with UNSUPPORTED_PRODUCT (%s)', async (path) => {
    const err = await openProduct(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S2Error);
    expect((err as S2Error).code).toBe('UNSUPPORTED_PRODUCT');
    expect((err as S2Error).message).toMatch(/Level-1B/);
    expect((err as S2Error).message).toContain('MTD');
  });

  it('lists both granules of the old multi-granule L1C and reads the first by default', async () => {
    await withProduct(SAFE.l1cPdgs, (p) => {
      const m = p.metadata;
      expect(m.format).toBe('PDGS_MULTI_GRANULE');
      expect(m.granules.map((g) => g.tileId)).toEqual(['32TQR', '32TRQ']);
      expect(m.tileId).toBe('32TQR');
      expect(m.granule.metadataPath).toBe(
        'GRANULE/S2A_OPER_MSI_L1C_T32TQR_N01.03/S2A_OPER_MTD_L1C_T32TQR.xml',
      );
      expect(m.quantificationValue).toBe(1000);
      expect(m.noDataValue).toBe(1);
      expect(m.epsg).toBe(32632);
      expect(p.bands).toHaveLength(13);
      expect(
        p.bands.every((b) => b.path.startsWith('GRANULE/S2A_OPER_MSI_L1C_T32TQR_N01.03/IMG_DATA/')),
      ).toBe(true);
      expect(p.warnings).toEqual([]);
    });
  });

  it('opens the second granule on request, by tile id or by folder', async () => {
    for (const granule of ['32TRQ', 'T32TRQ', 'S2A_OPER_MSI_L1C_T32TRQ_N01.03']) {
      await withProduct(
        SAFE.l1cPdgs,
        (p) => {
          expect(p.metadata.tileId).toBe('32TRQ');
          expect(p.metadata.granule.id).toBe('S2A_OPER_MSI_L1C_T32TRQ_N01.03');
          expect(p.bands.find((b) => b.name === 'B8A')?.path).toBe(
            'GRANULE/S2A_OPER_MSI_L1C_T32TRQ_N01.03/IMG_DATA/S2A_OPER_MSI_L1C_T32TRQ_B8A.jp2',
          );
        },
        { granule },
      );
    }
  });

  it('names the granules that exist when asked for one that does not', async () => {
    const err = (await openProduct(SAFE.l1cPdgs, { granule: '99XXX' }).catch((e: unknown) => e)) as S2Error;
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain('32TRQ');
  });

  it('opens a SAFE compact L1C whose granule folder is not named after the tile', async () => {
    await withProduct(SAFE.l1cCompact, (p) => {
      expect(p.metadata.format).toBe('SAFE_COMPACT');
      expect(p.metadata.granule.id).toBe('FOO');
      expect(p.metadata.tileId).toBe('32TQR'); // from MTD_TL TILE_ID, not the folder name
      expect(names(p, 10)).toEqual(['B02', 'B03', 'B04', 'B08', 'TCI']);
      expect(names(p, 20)).toEqual(['B05', 'B06', 'B07', 'B8A', 'B11', 'B12']);
      expect(names(p, 60)).toEqual(['B01', 'B09', 'B10']);
    });
  });

  it('opens L1C baseline 05.09 with offsets -1000 and every QI mask', async () => {
    await withProduct(SAFE.l1c509, (p) => {
      expect(p.metadata.processingBaseline).toBe('05.09');
      expect(p.metadata.mission).toBe('S2B');
      expect(Object.values(p.metadata.offsets).every((o) => o === -1000)).toBe(true);
      expect(p.masks.filter((m) => m.kind === 'MSK_CLASSI')).toHaveLength(1);
      expect(p.masks.filter((m) => m.kind === 'MSK_DETFOO')).toHaveLength(13);
      expect(p.masks.filter((m) => m.kind === 'MSK_QUALIT')).toHaveLength(13);
      expect(p.masks.find((m) => m.kind === 'MSK_DETFOO' && m.band === 'B8A')?.resolution).toBe(20);
    });
  });

  it('opens the old PDGS L2A: 60 m bands, SCL, AOT/WVP, and CLD/SNW as masks', async () => {
    await withProduct(SAFE.l2aOld, (p) => {
      expect(p.metadata.level).toBe('L2A');
      expect(p.metadata.format).toBe('PDGS_MULTI_GRANULE');
      expect(p.metadata.quantificationValue).toBe(1000);
      expect(p.metadata.aotQuantificationValue).toBe(1000);
      expect(names(p, 60)).toContain('SCL');
      expect(p.bands.find((b) => b.name === 'SCL')?.path).toBe(
        'GRANULE/S2A_USER_MSI_L2A_T32TQR_N01.03/IMG_DATA/S2A_USER_SCL_L2A_T32TQR_60m.jp2',
      );
      expect(p.masks.map((m) => `${m.kind}@${m.resolution}`).sort()).toEqual([
        'MSK_CLDPRB@60',
        'MSK_SNWPRB@60',
      ]);
    });
  });

  it('opens L2A MSIL2A (02.08): R10m/R20m/R60m folders, SCL at 20 and 60 m, masks from QI_DATA', async () => {
    await withProduct(SAFE.l2a, (p) => {
      expect(p.metadata.processingBaseline).toBe('02.08');
      expect(p.metadata.quantificationValue).toBe(10000);
      expect(Object.values(p.metadata.offsets).every((o) => o === 0)).toBe(true);
      expect(names(p, 10)).toEqual(['B02', 'B03', 'B04', 'B08', 'TCI', 'AOT', 'WVP']);
      expect(names(p, 20)).toContain('SCL');
      expect(names(p, 60)).toContain('SCL');
      expect(p.bands.find((b) => b.name === 'B05' && b.resolution === 20)?.path).toMatch(
        /IMG_DATA\/R20m\/.*_B05_20m\.jp2$/,
      );
      expect(p.masks.map((m) => `${m.kind}@${m.resolution}`)).toEqual([
        'MSK_CLDPRB@20',
        'MSK_CLDPRB@60',
        'MSK_SNWPRB@20',
        'MSK_SNWPRB@60',
      ]);
      expect(p.metadata.cloudCover).toBe(54.4);
    });
  });

  it('opens the L2A MSIL2Ap variant (02.05, IMAGE_FILE_2A, one Granule_List per resolution)', async () => {
    await withProduct(SAFE.l2ap, (p) => {
      expect(p.metadata.level).toBe('L2A');
      expect(p.metadata.productName).toBe('S2A_MSIL2A_20170823T094031_N0205_R036_T34VFJ_20170823T094252');
      expect(p.metadata.granules).toHaveLength(1);
      expect(names(p, 60)).toEqual(expect.arrayContaining(['B01', 'B09', 'SCL', 'AOT', 'WVP', 'TCI']));
      expect(names(p, 20)).toContain('SCL');
      expect(p.masks.filter((m) => m.kind === 'MSK_CLDPRB')).toHaveLength(2);
      // The XML lists CLD/SNW images under names that are not in QI_DATA: each is reported by path.
      expect(p.warnings.some((w) => w.includes('QI_DATA/L2A_T34VFJ_20170823T094031_CLD_20m.jp2'))).toBe(true);
    });
  });

  it('opens L2A baseline 05.09 with BOA_ADD_OFFSET, AOT/WVP quantification and angles', async () => {
    await withProduct(SAFE.l2a509, (p) => {
      const m = p.metadata;
      expect(m.processingBaseline).toBe('05.09');
      expect(Object.values(m.offsets).every((o) => o === -1000)).toBe(true);
      expect(m.quantificationValue).toBe(10000);
      expect(m.aotQuantificationValue).toBe(1000);
      expect(m.wvpQuantificationValue).toBe(1000);
      expect(m.sun?.zenith.rows).toBe(23);
      expect(m.viewing).toHaveLength(13);
      expect(p.masks.some((x) => x.kind === 'MSK_CLASSI')).toBe(true);
      expect(p.bands.filter((b) => b.name === 'SCL').map((b) => b.resolution)).toEqual([20, 60]);
      expect(p.warnings).toEqual([]);
    });
  });

  it('opens a product from its product XML, including the legacy S2A_OPER_MTD_SAFL1C name', async () => {
    await withProduct(join(SAFE.l1cCompact, 'MTD_MSIL1C.xml'), (p) =>
      expect(p.metadata.tileId).toBe('32TQR'),
    );
    await withProduct(join(SAFE.l1cPdgs, 'S2A_OPER_MTD_SAFL1C.xml'), (p) =>
      expect(p.metadata.granules).toHaveLength(2),
    );
    await withProduct(join(SAFE.l2aOld, 'S2A_USER_MTD_SAFL2A.xml'), (p) =>
      expect(p.metadata.level).toBe('L2A'),
    );
  });
});
