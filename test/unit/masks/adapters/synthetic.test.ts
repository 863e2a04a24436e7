/** Adapters on small rasters written with GDAL (Fmask, s2cloudless, user tables, KappaMask PNG). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classCounts,
  loadMask,
  loadTablePreset,
  saveTablePreset,
} from '../../../../electron/core/masks/adapters/index.js';
import { S2Error } from '../../../../electron/core/errors.js';
import { hasTool } from '../../../helpers/env.js';
import { gdal, tempDir, writeGeoTiff } from './gdal-helpers.js';

const gdalOk = hasTool('gdal_translate');

describe.skipIf(!gdalOk)('Fmask 4 / Fmask 5 GeoTIFFs', () => {
  // 0 land, 1 water, 2 shadow, 3 snow, 4 cloud, 255 fill, 7 unknown
  const values = [0, 1, 2, 3, 4, 255, 7, 7, 4, 4, 2, 0];
  it('maps the Fmask codes and counts unknown values as unmapped', async () => {
    const dir = tempDir();
    const file = writeGeoTiff(dir, 'scene_fmask.tif', values, 4);
    const mask = await loadMask(file);
    expect(mask.source).toBe('Fmask 4 [guessed from file name]');
    expect(Array.from(mask.data)).toEqual([1, 1, 4, 1, 2, 0, 0, 0, 2, 2, 4, 1]);
    expect(mask.unmapped).toEqual({ 7: 2 });
    expect(mask.grid).toEqual({
      epsg: 32631,
      width: 4,
      height: 3,
      transform: [300000, 10, 0, 4900020, 0, -10],
    });
    const f5 = await loadMask(file, { adapter: 'fmask5', table: { 3: 0 } });
    expect(f5.source).toBe('Fmask 5');
    expect(Array.from(f5.data)).toEqual([1, 1, 4, 0, 2, 0, 0, 0, 2, 2, 4, 1]);
  });

  it('guesses Fmask from values (0..4 and 255) when the name says nothing', async () => {
    const mask = await loadMask(writeGeoTiff(tempDir(), 'x.tif', [0, 1, 2, 3, 4, 255], 3));
    expect(mask.source).toBe('Fmask 4 [guessed from values]');
  });

  it('rejects an override table with a class outside 0..4', async () => {
    const file = writeGeoTiff(tempDir(), 'f.tif', values, 4);
    await expect(loadMask(file, { adapter: 'fmask4', table: { 4: 9 } })).rejects.toThrow(/maps to 9/);
  });
});

describe.skipIf(!gdalOk)('s2cloudless probability rasters', () => {
  it('0..1 float: threshold 0.4 by default, configurable; NaN / nodata -> 0', async () => {
    const dir = tempDir();
    const file = writeGeoTiff(dir, 'p.tif', [0, 0.1, 0.39, 0.4, 0.9, 1, -9999, 0.5], 4, {
      type: 'Float32',
      noData: -9999,
    });
    const mask = await loadMask(file, { adapter: 's2cloudless' });
    expect(Array.from(mask.data)).toEqual([1, 1, 1, 2, 2, 2, 0, 2]);
    expect(mask.unmapped).toEqual({});
    expect(mask.source).toMatch(/p >= 0.4, scale 0..1/);
    const strict = await loadMask(file, { adapter: 's2cloudless', threshold: 0.95 });
    expect(Array.from(strict.data)).toEqual([1, 1, 1, 1, 1, 2, 0, 1]);
    // Out-of-scale values are counted, not dropped (scale forced: a max of 1.5 would read as percent).
    const out = writeGeoTiff(dir, 'o.tif', [0.2, 1.5], 2, { type: 'Float32' });
    const forced = await loadMask(out, { adapter: 's2cloudless', scale: 'unit' });
    expect(Array.from(forced.data)).toEqual([1, 0]);
    expect(forced.unmapped).toEqual({ 1.5: 1 });
    const guessed = await loadMask(
      writeGeoTiff(dir, 'q.tif', [0.05, 0.5, 0.75, 0.2], 2, { type: 'Float32' }),
    );
    expect(guessed.source).toMatch(/^s2cloudless .*guessed from values/);
  });

  it('percent and byte scales are detected from the maximum; 0/1 integers are a binary mask', async () => {
    const dir = tempDir();
    const pct = await loadMask(writeGeoTiff(dir, 'pct.tif', [0, 39, 40, 100], 2), { adapter: 's2cloudless' });
    expect(Array.from(pct.data)).toEqual([1, 1, 2, 2]);
    const byte = await loadMask(writeGeoTiff(dir, 'byte.tif', [0, 101, 102, 255], 2), {
      adapter: 's2cloudless',
    });
    expect(Array.from(byte.data)).toEqual([1, 1, 2, 2]); // 0.4 * 255 = 102
    const bin = await loadMask(writeGeoTiff(dir, 'bin.tif', [0, 1, 1, 0], 2), { adapter: 's2cloudless' });
    expect(Array.from(bin.data)).toEqual([1, 2, 2, 1]);
    expect(bin.source).toMatch(/binary/);
  });
});

describe.skipIf(!gdalOk)('user tables and presets', () => {
  it('maps with a user table, saves and reloads it as a preset', async () => {
    const dir = tempDir();
    const file = writeGeoTiff(dir, 'ref.tif', [10, 20, 30, 40, 99, 10], 3);
    const presetFile = join(dir, 'preset.json');
    const saved = await saveTablePreset(presetFile, {
      name: 'My reference',
      table: { 10: 1, 20: 2, 30: 3, 40: 4 },
    });
    expect(JSON.parse(readFileSync(presetFile, 'utf8'))).toEqual(saved);
    const preset = await loadTablePreset(presetFile);
    const mask = await loadMask(file, { preset });
    expect(mask.source).toBe('My reference');
    expect(Array.from(mask.data)).toEqual([1, 2, 3, 4, 0, 1]);
    expect(mask.unmapped).toEqual({ 99: 1 });
    const direct = await loadMask(file, { table: { '10': 1, '99': 2 } });
    expect(direct.source).toBe('user table [guessed from a value table was given]');
    expect(Array.from(direct.data)).toEqual([1, 0, 0, 0, 2, 1]);
  });

  it('refuses bad presets with clear messages', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"name": "x", "table": {"a": 1}}');
    await expect(loadTablePreset(bad)).rejects.toThrow(/source value "a" is not a number/);
    writeFileSync(bad, '{"table": {"1": 1}}');
    await expect(loadTablePreset(bad)).rejects.toThrow(/needs a non-empty "name"/);
    writeFileSync(bad, 'not json');
    await expect(loadTablePreset(bad)).rejects.toThrow(/not valid JSON/);
    await expect(loadMask(writeGeoTiff(dir, 't.tif', [1, 2], 2), { adapter: 'table' })).rejects.toThrow(
      /needs a value -> class table/,
    );
  });
});

describe.skipIf(!gdalOk)('KappaMask PNG (values 66/129/192/255/20) with a world file', () => {
  it('reads the PNG variant placed by its world file and the CRS given', async () => {
    const dir = tempDir();
    const tif = writeGeoTiff(dir, 'src.tif', [66, 129, 192, 255, 20, 3], 3, { x0: 500000, y0: 6000000 });
    const png = join(dir, 'prediction.png');
    gdal('gdal_translate', ['-q', '-of', 'PNG', '-co', 'WORLDFILE=YES', tif, png]);
    await expect(loadMask(png)).rejects.toThrow(/world file carries no CRS/);
    const mask = await loadMask(png, { crs: 32635 });
    expect(mask.source).toBe('KappaMask (PNG) [guessed from file name]');
    expect(Array.from(mask.data)).toEqual([1, 4, 3, 2, 0, 0]);
    expect(mask.grid).toEqual({
      epsg: 32635,
      width: 3,
      height: 2,
      transform: [500000, 10, 0, 6000000, 0, -10],
    });
    // A reference PNG read through a user table.
    const ref = await loadMask(png, { crs: 32635, adapter: 'table', table: { 66: 1, 255: 2 } });
    expect(classCounts(ref.data)).toEqual([4, 1, 1, 0, 0]);
    expect(ref.unmapped).toEqual({ 3: 1, 20: 1, 129: 1, 192: 1 });
  });

  it('refuses 16-bit PNGs clearly', async () => {
    const dir = tempDir();
    const tif = writeGeoTiff(dir, 's16.tif', [1, 2, 3, 4], 2, { type: 'UInt16' });
    const png = join(dir, 'km_16.png');
    gdal('gdal_translate', ['-q', '-of', 'PNG', '-co', 'WORLDFILE=YES', tif, png]);
    await expect(loadMask(png, { crs: 32631 })).rejects.toThrow(/only 8-bit greyscale or palette/);
  });
});

describe.skipIf(!gdalOk)('bad input', () => {
  it('asks for the CRS when the GeoTIFF has no EPSG code, and accepts it when given', async () => {
    const dir = tempDir();
    const srs = '+proj=tmerc +lat_0=0 +lon_0=13 +k=0.9996 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs';
    const file = writeGeoTiff(dir, 'custom_fmask.tif', [0, 4], 2, { srs });
    await expect(loadMask(file)).rejects.toThrow(/no EPSG code in its GeoKeys.*give its CRS/);
    const mask = await loadMask(file, { crs: 32633 });
    expect(mask.grid.epsg).toBe(32633);
  });

  it('empty and missing files', async () => {
    const dir = tempDir();
    const empty = join(dir, 'empty_fmask.tif');
    writeFileSync(empty, '');
    await expect(loadMask(empty)).rejects.toThrow(/is empty/);
    await expect(loadMask(join(dir, 'nope_fmask.tif'))).rejects.toBeInstanceOf(S2Error);
  });

  it('asks for the adapter when neither name nor values tell', async () => {
    const file = writeGeoTiff(tempDir(), 'mystery.tif', [12, 40, 77, 200], 2);
    await expect(loadMask(file)).rejects.toThrow(/name the adapter/);
  });
});
