import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMask } from '../../../../electron/core/masks/adapters/index.js';
import { classNameItems } from '../../../../electron/core/masks/schema.js';
import { KAPPAMASK_PALETTE, writeCog } from '../../../../electron/core/raster/cog/index.js';
import type { Grid } from '../../../../electron/core/raster/grid.js';

const GRID: Grid = { epsg: 32631, width: 40, height: 30, transform: [300000, 20, 0, 4900020, 0, -20] };
const dir = mkdtempSync(join(tmpdir(), 'studio-adapter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Values 0..4 in bands: on their own they would look like Sen2Cor SCL codes. */
function classes(): Uint8Array {
  const a = new Uint8Array(GRID.width * GRID.height);
  for (let i = 0; i < a.length; i++) a[i] = Math.floor((i % GRID.width) / 8);
  return a;
}

describe('masks written by S2 Cloud Studio', () => {
  it('are read on the schema as they are, recognised by their class names, not as SCL', async () => {
    const file = join(dir, 'S2B_MSIL1C_X_dl-l8s2-uv-6b_20m.tif');
    const data = classes();
    await writeCog(file, {
      grid: GRID,
      dataType: 'Uint8',
      bands: [{ data, description: 'classes', metadata: classNameItems() }],
      nodata: 0,
      palette: KAPPAMASK_PALETTE,
      metadata: { MODEL_ID: 'dl-l8s2-uv-6b', RESOLUTION: '20' },
    });
    const mask = await loadMask(file);
    expect(mask.source).toBe('dl-l8s2-uv-6b 20 m [guessed from its class names]');
    expect(Array.from(mask.data)).toEqual(Array.from(data));
  });

  it('without class names, values 0..4 only are the schema (a hand-made reference), not SCL', async () => {
    const file = join(dir, 'plain.tif');
    const data = classes();
    await writeCog(file, { grid: GRID, dataType: 'Uint8', bands: [{ data }], nodata: 0 });
    const mask = await loadMask(file);
    expect(mask.source).toBe('class schema 0-4 [guessed from values 0-4 only: the class schema, not SCL]');
    expect(Array.from(mask.data)).toEqual(Array.from(data));
    // A real SCL raster always has classes above 4 (soil, water, clouds...): still SCL by value.
    const scl = join(dir, 'plain-scl.tif');
    await writeCog(scl, {
      grid: GRID,
      dataType: 'Uint8',
      bands: [{ data: data.map((v) => (v === 4 ? 8 : v)) }],
      nodata: 0,
    });
    expect((await loadMask(scl)).source).toContain('Sen2Cor SCL');
  });
});
