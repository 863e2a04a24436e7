import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S2Error } from '../../../../electron/core/errors.js';
import type { Grid } from '../../../../electron/core/raster/grid.js';
import {
  ALCD_RULE,
  readVector,
  vectorToMask,
  vectorToPoints,
} from '../../../../electron/core/masks/vector/index.js';
import { SHARED_DATA } from '../../../helpers/env.js';

const MASKS = join(SHARED_DATA, 'safe-T31TCJ-2024/ref_inputs/Toulouse_31TCJ_20240305/In_data/Masks');
// The T31TCJ tile at 60 m, and a grid far away (southern hemisphere zone 31).
const TILE: Grid = { epsg: 32631, width: 1830, height: 1830, transform: [300000, 60, 0, 4900020, 0, -60] };
const ELSEWHERE: Grid = { ...TILE, epsg: 32731 };

async function failure(p: Promise<unknown>): Promise<S2Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(S2Error);
  return e as S2Error;
}

describe('vector reference bad input', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'vec-err-'));
    for (const ext of ['shp', 'shx', 'dbf', 'cpg'])
      copyFileSync(join(MASKS, `land.${ext}`), join(tmp, `land.${ext}`));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('asks for the CRS when the .prj is missing, and accepts it given', async () => {
    const e = await failure(readVector(join(tmp, 'land.shp')));
    expect(e.code).toBe('MISSING_FILE');
    expect(e.message).toMatch(/land\.shp has no \.prj.*give the CRS/);
    const v = await readVector(join(tmp, 'land.shp'), { crs: 32631 });
    expect(v.features.length).toBe(50);
  });

  it('names the file, the field and the existing fields for a wrong class attribute', async () => {
    const file = join(MASKS, 'land.shp');
    const e = await failure(
      vectorToMask(file, TILE, { rule: { kind: 'field', field: 'classe', table: { '1': 1 } } }),
    );
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/no class attribute "classe"; its fields are: id/);
    expect(e.details).toMatchObject({ field: 'classe', fields: ['id'] });
  });

  it('counts values the table does not know as unmapped', async () => {
    const r = await vectorToPoints(join(MASKS, 'water.shp'), TILE, {
      rule: { kind: 'field', field: 'id', table: { '0': 1 } },
    });
    const unmapped = Object.values(r.counts.unmapped).reduce((s, n) => s + n, 0);
    expect(r.points.length + unmapped).toBe(33);
    expect(unmapped).toBeGreaterThan(0);
  });

  it('refuses empty files', async () => {
    let e = await failure(vectorToMask(join(MASKS, 'snow.shp'), TILE, { rule: ALCD_RULE }));
    expect(e.message).toMatch(/snow\.shp: no features/);
    const empty = join(tmp, 'empty.geojson');
    writeFileSync(empty, '{"type":"FeatureCollection","features":[]}');
    e = await failure(vectorToPoints(empty, TILE, { rule: { kind: 'constant', cls: 1 } }));
    expect(e.message).toMatch(/no features/);
  });

  it('reports a reference that does not overlap the grid', async () => {
    const e = await failure(vectorToPoints(join(MASKS, 'land.shp'), ELSEWHERE, { rule: ALCD_RULE }));
    expect(e.message).toMatch(/none of the 50 features overlaps the grid \(EPSG:32731/);
    await failure(vectorToMask(join(MASKS, 'land.shp'), ELSEWHERE, { rule: ALCD_RULE }));
  });

  it('refuses files above the feature or vertex limit', async () => {
    let e = await failure(readVector(join(MASKS, 'land.shp'), { maxFeatures: 10 }));
    expect(e.message).toMatch(/50 features, more than the limit of 10/);
    e = await failure(readVector(join(MASKS, 'land.shp'), { maxVertices: 20 }));
    expect(e.message).toMatch(/more than 20 vertices/);
  });

  it('rejects unknown formats and non-GeoPackage files', async () => {
    expect((await failure(readVector(join(MASKS, 'no_data.tif')))).message).toMatch(
      /unsupported vector format/,
    );
    const bad = join(tmp, 'bad.gpkg');
    writeFileSync(bad, 'not sqlite');
    expect((await failure(readVector(bad))).code).toBe('BAD_METADATA');
  });
});
