import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openProduct } from '../../../electron/core/scene/index.js';
import { hasTool } from '../../helpers/env.js';
import { SAFE, T31TCJ_CLEAR, T31TCJ_CLOUDY } from './scene-fixtures.js';

interface GdalInfo {
  size: [number, number];
  geoTransform: number[];
  metadata?: { SUBDATASETS?: Record<string, string> };
  coordinateSystem?: { wkt: string };
}

const gdalinfo = (target: string): GdalInfo =>
  JSON.parse(execFileSync('gdalinfo', ['-json', target], { encoding: 'utf8' })) as GdalInfo;

/** Products GDAL's SENTINEL2 driver opens (its 05.09 fakes lack the XML it recognises, INSPIRE.xml comes first). */
const CASES: Array<[string, string]> = [
  [T31TCJ_CLEAR, 'MTD_MSIL1C.xml'],
  [T31TCJ_CLOUDY, 'MTD_MSIL1C.xml'],
  [SAFE.l1cCompact, 'MTD_MSIL1C.xml'],
  [SAFE.l2a, 'MTD_MSIL2A.xml'],
  [SAFE.l2ap, 'MTD_MSIL2A.xml'],
  [SAFE.l2aOld, 'S2A_USER_MTD_SAFL2A.xml'],
  [SAFE.l1cPdgs, 'S2A_OPER_MTD_SAFL1C.xml'],
];

describe.skipIf(!hasTool('gdalinfo'))('grids agree with GDAL (SENTINEL2 driver)', () => {
  it.each(CASES)('%s: EPSG, size and geotransform of every resolution subdataset', async (safe, xml) => {
    const p = await openProduct(safe);
    await p.close();
    const subdatasets = Object.entries(gdalinfo(join(safe, xml)).metadata?.SUBDATASETS ?? {})
      .filter(([k]) => k.endsWith('_NAME'))
      .map(([, v]) => v)
      .filter((v) => /:(10|20|60)m:EPSG_\d+$/.test(v));
    expect(subdatasets.length).toBeGreaterThan(0);
    for (const name of subdatasets) {
      const [, res, epsg] = /:(\d+)m:EPSG_(\d+)$/.exec(name) ?? [];
      const grid = p.metadata.grids[Number(res) as 10 | 20 | 60];
      expect(grid, name).toBeDefined();
      expect(grid?.epsg).toBe(Number(epsg));
      const info = gdalinfo(name);
      expect(info.coordinateSystem?.wkt).toContain(`ID["EPSG",${epsg}]`);
      if (p.metadata.format === 'PDGS_MULTI_GRANULE' && p.metadata.granules.length > 1) {
        // GDAL mosaics all granules; ours is one of them, so its origin lies inside GDAL's extent.
        const [ox, , , oy] = info.geoTransform as [number, number, number, number];
        expect(grid?.transform[0]).toBeGreaterThanOrEqual(ox);
        expect(grid?.transform[3]).toBeLessThanOrEqual(oy);
        expect(grid?.transform[1]).toBe(info.geoTransform[1]);
      } else {
        expect([grid?.width, grid?.height]).toEqual(info.size);
        expect(grid?.transform).toEqual(info.geoTransform);
      }
    }
  });
});
