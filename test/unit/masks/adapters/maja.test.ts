/**
 * MAJA masks (THEIA L2A): the CLM bit table value by value, EDG as no data, bare CLM files,
 * the product path, overrides, MG2, and `s2cloud compare` on both. The product comes from
 * test/fixtures/make-theia.ts (known bit patterns in every mask).
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadMask,
  MAJA_CLM_TABLE,
  MAJA_MG2_TABLE,
  readMg2Bits,
} from '../../../../electron/core/masks/adapters/index.js';
import { guessFromName } from '../../../../electron/core/masks/adapters/guess.js';
import { majaClmClass } from '../../../../electron/core/masks/adapters/maja.js';
import { openProduct } from '../../../../electron/core/scene/index.js';
import { clmAt, inWedge, makeTheia, mg2At, THEIA_NAME } from '../../../fixtures/make-theia.js';
import { runCli } from '../../../helpers/cli.js';
import { DATA_DIR, hasTool } from '../../../helpers/env.js';

describe('MAJA CLM table', () => {
  it('maps each bit as documented, cloud > shadow > semi-transparent', () => {
    expect(MAJA_CLM_TABLE['0']).toBe(1); // no cloud: clear
    expect(MAJA_CLM_TABLE['1']).toBe(2); // summary bit alone: cloud (conservative)
    expect(MAJA_CLM_TABLE['2']).toBe(2); // all clouds except the thinnest
    expect(MAJA_CLM_TABLE['4']).toBe(2); // mono-temporal
    expect(MAJA_CLM_TABLE['8']).toBe(2); // multi-temporal
    expect(MAJA_CLM_TABLE['16']).toBe(3); // thin cirrus
    expect(MAJA_CLM_TABLE['32']).toBe(4); // shadow of a detected cloud
    expect(MAJA_CLM_TABLE['64']).toBe(4); // shadow of a cloud outside the image
    expect(MAJA_CLM_TABLE['128']).toBe(3); // high cloud by 1.38 µm alone: cirrus
    expect(MAJA_CLM_TABLE['130']).toBe(2); // high cloud counted among all clouds: opaque
    expect(MAJA_CLM_TABLE['3']).toBe(2);
    expect(MAJA_CLM_TABLE['33']).toBe(4); // real products set bit 0 with the detail bits
    expect(MAJA_CLM_TABLE['48']).toBe(4); // shadow under thin cirrus: shadow
    expect(MAJA_CLM_TABLE['42']).toBe(2); // cloud with a shadow bit: cloud
    expect(MAJA_CLM_TABLE['144']).toBe(3);
    expect(Object.keys(MAJA_CLM_TABLE)).toHaveLength(256);
  });

  it('every value follows the rule written out independently', () => {
    for (let v = 0; v < 256; v++) {
      const expected = v === 0 ? 1 : v & 14 ? 2 : v & 96 ? 4 : v & 144 ? 3 : 2;
      expect(MAJA_CLM_TABLE[String(v)], `value ${v}`).toBe(expected);
      expect(majaClmClass(v)).toBe(expected);
    }
  });

  it('MG2: bit 1 cloud, bit 3 shadow, water / snow / relief / sun clear', () => {
    expect(MAJA_MG2_TABLE['0']).toBe(1);
    expect(MAJA_MG2_TABLE['1']).toBe(1); // water
    expect(MAJA_MG2_TABLE['2']).toBe(2);
    expect(MAJA_MG2_TABLE['4']).toBe(1); // snow
    expect(MAJA_MG2_TABLE['8']).toBe(4);
    expect(MAJA_MG2_TABLE['10']).toBe(2);
    expect(MAJA_MG2_TABLE['240']).toBe(1);
  });

  it('is guessed from THEIA mask names', () => {
    expect(guessFromName(`/x/MASKS/${THEIA_NAME}_CLM_R2.tif`)).toBe('maja');
    expect(guessFromName(`/x/MASKS/${THEIA_NAME}_CLM_R1.tif`)).toBe('maja');
    expect(guessFromName(`/x/MASKS/${THEIA_NAME}_MG2_R1.tif`)).toBe('maja-mg2');
    expect(guessFromName('/x/S2_CLM.tif')).toBe(null);
  });
});

const tools = hasTool('opj_decompress') && hasTool('gdal_translate') && hasTool('zip');

describe.skipIf(!tools)('MAJA masks of a THEIA product', () => {
  let folder = '';
  let zip = '';
  let tmp = '';
  const clm = (r: 1 | 2): string => join(folder, 'MASKS', `${THEIA_NAME}_CLM_R${r}.tif`);
  const mg2 = (r: 1 | 2): string => join(folder, 'MASKS', `${THEIA_NAME}_MG2_R${r}.tif`);

  beforeAll(async () => {
    const f = await makeTheia({ outDir: join(DATA_DIR, 'theia'), zip: true });
    folder = f.folder;
    zip = f.zip ?? '';
    tmp = await mkdtemp(join(tmpdir(), 's2-maja-'));
  }, 120_000);
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** Expected classes from the fixture's patterns, pixel by pixel. */
  function expected(res: 10 | 20, table: (v: number) => number, withEdge: boolean): Uint8Array {
    const n = res === 10 ? 300 : 150;
    const k = 10 / res;
    const out = new Uint8Array(n * n);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const edge = withEdge && inWedge((x + 0.5) / k, (y + 0.5) / k);
        out[y * n + x] = edge ? 0 : table(x + y * 1e6);
      }
    }
    return out;
  }
  const clmClass = (res: 10 | 20) => (xy: number) => majaClmClass(clmAt(xy % 1e6, Math.floor(xy / 1e6), res));

  it('a bare CLM_R2 file: every pixel through the table, EDG beside it -> no data', async () => {
    const m = await loadMask(clm(2), { adapter: 'maja' });
    expect(m.source).toBe('MAJA CLM');
    expect(m.grid).toEqual({
      epsg: 32631,
      width: 150,
      height: 150,
      transform: [399960, 20, 0, 4693200, 0, -20],
    });
    expect(Array.from(m.data)).toEqual(Array.from(expected(20, clmClass(20), true)));
    expect(m.unmapped).toEqual({});
    const counts = [0, 0, 0, 0, 0];
    for (const c of m.data) counts[c]!++;
    expect(counts.every((c) => c > 0)).toBe(true);
  });

  it('the same file alone (no EDG beside it): the wedge keeps its CLM classes', async () => {
    const lone = join(tmp, `${THEIA_NAME}_CLM_R2.tif`);
    await copyFile(clm(2), lone);
    const m = await loadMask(lone); // guessed from the name
    expect(m.source).toBe('MAJA CLM [guessed from file name]');
    expect(Array.from(m.data)).toEqual(Array.from(expected(20, clmClass(20), false)));
  });

  it('the product: CLM_R2 at 20 m by default, CLM_R1 at 10 m, folder and zip alike', async () => {
    const m20 = await loadMask(folder, { adapter: 'maja' });
    expect(Array.from(m20.data)).toEqual(Array.from(expected(20, clmClass(20), true)));
    expect(m20.file).toContain('CLM_R2.tif');
    const m10 = await loadMask(zip, { adapter: 'maja', resolution: 10 });
    expect(m10.file).toContain('CLM_R1.tif');
    expect(Array.from(m10.data)).toEqual(Array.from(expected(10, clmClass(10), true)));
    const guessed = await loadMask(folder);
    expect(guessed.source).toBe('MAJA CLM [guessed from product level]');
  });

  it('overrides a value as the other adapters do', async () => {
    const m = await loadMask(clm(2), { adapter: 'maja', table: { 128: 2, 16: 1 } });
    const n = 150;
    for (let y = 0; y < n; y += 4) {
      for (let x = 0; x < n; x += 4) {
        if (inWedge((x + 0.5) * 2, (y + 0.5) * 2)) continue; // 20 m pixel centre on the 10 m grid
        const v = clmAt(x, y, 20);
        const want = v === 128 ? 2 : v === 16 ? 1 : majaClmClass(v);
        expect(m.data[y * n + x]).toBe(want);
      }
    }
  });

  it('MG2: the maja-mg2 adapter, and the bits themselves for a geophysical layer', async () => {
    const m = await loadMask(mg2(1), { adapter: 'maja-mg2' });
    const mgClass = (xy: number): number => {
      const v = mg2At(xy % 1e6, Math.floor(xy / 1e6), 10);
      return MAJA_MG2_TABLE[String(v)]!;
    };
    expect(Array.from(m.data)).toEqual(Array.from(expected(10, mgClass, true)));
    const product = await openProduct(folder);
    try {
      const { bits, grid, edge } = await readMg2Bits(product, 20);
      expect(grid.width).toBe(150);
      expect(edge).not.toBeNull();
      expect(bits[3 * 150 + 20]).toBe(mg2At(20, 3, 20));
      expect(bits[149 * 150 + 0]).toBe(0); // wedge
    } finally {
      await product.close();
    }
  });

  it('s2cloud compare: a bare CLM file by adapter id, and --product on the THEIA product', async () => {
    const a = await runCli(['compare', '--reference', clm(2), `maja=${clm(2)}`, `maja-mg2=${mg2(2)}`]);
    expect(a.err).toBe('');
    expect(a.code).toBe(0);
    expect(a.out).toContain('MAJA CLM');
    expect(a.out).toContain('MAJA MG2');
    expect(a.out).toMatch(/100\.0 %\s+1\.000/);
    const b = await runCli(['compare', '--product', folder, '--reference', clm(1)]);
    expect(b.code).toBe(0);
    expect(b.out).toContain('MAJA CLM');
    // The product's CLM (R2, 20 m) against the R1 file: the same blocks, so they agree fully.
    expect(b.out).toMatch(/100\.0 %/);
  });
});
