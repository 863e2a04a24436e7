/** Alignment onto one grid, checked against gdalwarp -r near. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alignMasks, resampleMask, rowAreasKm2 } from '../../../electron/core/masks/align.js';
import { loadMask } from '../../../electron/core/masks/adapters/index.js';
import { transformer } from '../../../electron/core/masks/adapters/crs.js';
import type { SchemaMask } from '../../../electron/core/masks/schema.js';
import { hasTool, SHARED_DATA } from '../../helpers/env.js';
import { gdal, tempDir } from './adapters/gdal-helpers.js';

const KM_L1C = join(SHARED_DATA, 'kappamask-predictions', 'L1C_kappamask.tif');
const KM_L2A = join(SHARED_DATA, 'kappamask-predictions', 'L2A_kappamask.tif');
const gdalOk = hasTool('gdalwarp');

/**
 * Agreement where both have data. A mismatch counts as "at a class boundary" when GDAL's class is
 * found in the 3 x 3 source neighbourhood of the source pixel under the target pixel centre.
 */
function compare(
  ours: Uint8Array,
  theirs: SchemaMask,
  src: SchemaMask,
): { agree: number; both: number; offBoundary: number } {
  const { width, height, transform: t } = theirs.grid;
  const toSrc = transformer(theirs.grid.epsg, src.grid.epsg);
  const [sox, spw, , soy, , sph] = src.grid.transform;
  let agree = 0;
  let both = 0;
  let offBoundary = 0;
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      const a = ours[i] as number;
      const b = theirs.data[i] as number;
      if (a === 0 || b === 0) continue;
      both++;
      if (a === b) {
        agree++;
        continue;
      }
      const [x, y] = toSrc(t[0] + (c + 0.5) * t[1], t[3] + (r + 0.5) * t[5]);
      const sc = Math.floor((x - sox) / spw);
      const sr = Math.floor((y - soy) / sph);
      let near = false;
      for (let dr = -1; dr <= 1; dr++)
        for (let dc = -1; dc <= 1; dc++) {
          const rr = sr + dr;
          const cc = sc + dc;
          if (
            rr >= 0 &&
            cc >= 0 &&
            rr < src.grid.height &&
            cc < src.grid.width &&
            src.data[rr * src.grid.width + cc] === b
          )
            near = true;
        }
      if (!near) offBoundary++;
    }
  return { agree: agree / both, both, offBoundary };
}

describe.skipIf(!gdalOk)('alignment against gdalwarp -r near (real KappaMask, EPSG:32638)', () => {
  const cases: Array<[string, string[]]> = [
    ['EPSG:4326', ['-t_srs', 'EPSG:4326']],
    ['UTM zone 37N (EPSG:32637), 10 m', ['-t_srs', 'EPSG:32637', '-tr', '10', '10']],
    ['UTM zone 38N, 20 m shifted grid', ['-tr', '20', '20', '-te', '371195', '3393700', '376245', '3398755']],
  ];
  for (const [label, args] of cases) {
    it(`onto ${label}: > 99 % agreement, mismatches only at class boundaries`, async () => {
      const out = join(tempDir(), 'warped.tif');
      gdal('gdalwarp', ['-q', '-r', 'near', ...args, KM_L1C, out]);
      const warped = await loadMask(out, { adapter: 'kappamask' });
      const original = await loadMask(KM_L1C);
      const ours = resampleMask(original, warped.grid);
      const { agree, both, offBoundary } = compare(ours, warped, original);
      expect(both).toBeGreaterThan(0.5 * warped.data.length * (label.includes('20 m') ? 1 : 0.5));
      expect(agree).toBeGreaterThan(0.99);
      expect(offBoundary).toBe(0);
      // The exact per-pixel path agrees with the control-grid interpolation.
      const exact = resampleMask(original, warped.grid, 1);
      let same = 0;
      for (let i = 0; i < exact.length; i++) if (exact[i] === ours[i]) same++;
      expect(same / exact.length).toBeGreaterThan(0.9999);
      console.log(
        `${label}: off-boundary ${offBoundary}, agreement ${(agree * 100).toFixed(3)} % of ${both} px`,
      );
    });
  }
});

describe.skipIf(!gdalOk)('alignMasks', () => {
  it('reports the overlap of the two KappaMask outputs on the reference grid', async () => {
    const [l1c, l2a] = await Promise.all([loadMask(KM_L1C), loadMask(KM_L2A)]);
    const aligned = alignMasks([l2a, l1c]);
    expect(aligned.grid).toEqual(l2a.grid);
    const validL1c = l1c.data.reduce((s, v) => s + (v ? 1 : 0), 0);
    expect(aligned.overlap.pixels).toBe(validL1c); // L2A has no missing pixel
    expect(aligned.overlap.areaKm2).toBeCloseTo(validL1c / 1e4, 6);
    expect(aligned.overlap.fractionOfMask[1]).toBe(1);
    for (const m of aligned.masks)
      for (let i = 0; i < m.data.length; i++) if (!aligned.valid[i]) expect(m.data[i]).toBe(0);
  });

  it('aligns onto a 4326 grid with areas from latitude and a coarser grid on request', async () => {
    const out = join(tempDir(), 'w4326.tif');
    gdal('gdalwarp', ['-q', '-r', 'near', '-t_srs', 'EPSG:4326', KM_L1C, out]);
    const [geo, utm] = await Promise.all([loadMask(out, { adapter: 'kappamask' }), loadMask(KM_L2A)]);
    const aligned = alignMasks([geo, utm]);
    expect(aligned.grid.epsg).toBe(4326);
    // About 5.09 km x 5.09 km less the warped edges and the L1C missing pixels.
    expect(aligned.overlap.areaKm2).toBeGreaterThan(24);
    expect(aligned.overlap.areaKm2).toBeLessThan(26.5);
    const areas = rowAreasKm2(geo.grid);
    expect(areas[0]).toBeGreaterThan(0.00008);
    const finest = alignMasks([geo, utm], { grid: 'finest' });
    expect(finest.grid.epsg === 32638 || finest.grid.epsg === 4326).toBe(true);
  });

  it('a mask that does not overlap fails, naming both files', async () => {
    const l1c = await loadMask(KM_L1C);
    const far: SchemaMask = {
      ...l1c,
      file: '/refs/far-away.tif',
      grid: { ...l1c.grid, transform: [871180, 10, 0, 3398770, 0, -10] },
    };
    expect(() => alignMasks([l1c, far])).toThrow(/far-away\.tif does not overlap .*L1C_kappamask\.tif/);
  });

  it('reprojects a full 10980 x 10980 tile grid quickly', () => {
    const src: SchemaMask = {
      source: 'synthetic',
      file: 'synthetic.tif',
      grid: { epsg: 32631, width: 1830, height: 1830, transform: [300000, 60, 0, 4900020, 0, -60] },
      data: new Uint8Array(1830 * 1830).map((_, i) => 1 + ((i >> 7) & 3)),
      unmapped: {},
    };
    const target = {
      epsg: 32630,
      width: 10980,
      height: 10980,
      transform: [700000, 10, 0, 4900020, 0, -10],
    } as const;
    const t0 = performance.now();
    const out = resampleMask(src, target);
    const ms = performance.now() - t0;
    console.log(`10980^2 UTM 31N -> 30N: ${ms.toFixed(0)} ms`);
    expect(out.length).toBe(10980 * 10980);
    expect(ms).toBeLessThan(15000);
  });
});
