import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProduct, SPECTRAL_BANDS, type Product } from '../../../electron/core/scene/index.js';
import { T31TCJ_CLEAR, T31TCJ_CLOUDY } from './scene-fixtures.js';

describe('openProduct on the real T31TCJ L1C products (baseline 05.10)', () => {
  let clear: Product;
  let cloudy: Product;
  beforeAll(async () => {
    [clear, cloudy] = await Promise.all([openProduct(T31TCJ_CLEAR), openProduct(T31TCJ_CLOUDY)]);
  });
  afterAll(async () => {
    await Promise.all([clear.close(), cloudy.close()]);
  });

  it('reads mission, time, tile, orbit and baseline from the XML', () => {
    const m = clear.metadata;
    expect(m.productName).toBe('S2A_MSIL1C_20240120T105341_N0510_R051_T31TCJ_20240120T125244');
    expect(m.mission).toBe('S2A');
    expect(cloudy.metadata.mission).toBe('S2B');
    expect(m.level).toBe('L1C');
    expect(m.format).toBe('SAFE_COMPACT');
    expect(m.sensingTime).toBe('2024-01-20T10:53:41.024Z');
    expect(m.tileId).toBe('31TCJ');
    expect(m.relativeOrbit).toBe(51);
    expect(m.processingBaseline).toBe('05.10');
  });

  it('has RADIO_ADD_OFFSET -1000 for all 13 bands and quantification 10000', () => {
    for (const p of [clear, cloudy]) {
      expect(Object.keys(p.metadata.offsets)).toEqual([...SPECTRAL_BANDS]);
      expect(Object.values(p.metadata.offsets)).toEqual(new Array(13).fill(-1000));
      expect(p.metadata.quantificationValue).toBe(10000);
      expect(p.metadata.noDataValue).toBe(0);
      expect(p.metadata.saturatedValue).toBe(65535);
    }
  });

  it('has EPSG 32631 and the tile grid at 10, 20 and 60 m', () => {
    const m = clear.metadata;
    expect(m.epsg).toBe(32631);
    expect(m.crsName).toBe('WGS84 / UTM zone 31N');
    expect(m.grids[10]).toEqual({
      epsg: 32631,
      width: 10980,
      height: 10980,
      transform: [300000, 10, 0, 4900020, 0, -10],
    });
    expect(m.grids[20]).toEqual({
      epsg: 32631,
      width: 5490,
      height: 5490,
      transform: [300000, 20, 0, 4900020, 0, -20],
    });
    expect(m.grids[60]).toEqual({
      epsg: 32631,
      width: 1830,
      height: 1830,
      transform: [300000, 60, 0, 4900020, 0, -60],
    });
  });

  it('reads cloud cover 0 % and 64 %', () => {
    expect(clear.metadata.cloudCover).toBe(0);
    expect(cloudy.metadata.cloudCover).toBeCloseTo(64, 0);
  });

  it('turns the lat/lon footprint into a closed [lon, lat] ring', () => {
    const f = clear.metadata.footprint;
    expect(f[0]).toEqual([0.495928592903789, 44.22596415476343]);
    expect(f[f.length - 1]).toEqual(f[0]);
  });

  it('reads sun angles (mean and 23x23 grid) and merges viewing grids across detectors', () => {
    const sun = clear.metadata.sun;
    expect(sun?.zenithMean).toBeCloseTo(65.7554034542734, 10);
    expect(sun?.azimuthMean).toBeCloseTo(162.689190122297, 10);
    expect(sun?.zenith).toMatchObject({ rows: 23, cols: 23, colStep: 5000, rowStep: 5000 });
    expect(sun?.zenith.values.slice(0, 2)).toEqual([66.3733, 66.3609]); // first row of the XML
    expect(clear.metadata.viewing.map((v) => v.band)).toEqual([...SPECTRAL_BANDS]);
    const b01 = clear.metadata.viewing[0];
    expect(b01?.zenithMean).toBeCloseTo(3.1542472999194, 10);
    expect(b01?.zenith.values).toHaveLength(23 * 23);
    // A tile seen by several detectors: merging leaves values where any detector has one.
    expect(b01?.zenith.values.some((v) => !Number.isNaN(v))).toBe(true);
  });

  it('lists all 13 bands + TCI at native resolution, and finds MSK_CLASSI_B00 at 60 m', () => {
    expect(clear.bands.map((b) => `${b.name}@${b.resolution}`)).toEqual([
      'B02@10', 'B03@10', 'B04@10', 'B08@10', 'TCI@10',
      'B05@20', 'B06@20', 'B07@20', 'B8A@20', 'B11@20', 'B12@20',
      'B01@60', 'B09@60', 'B10@60',
    ]); // prettier-ignore
    for (const p of [clear, cloudy]) {
      const classi = p.masks.find((m) => m.kind === 'MSK_CLASSI');
      expect(classi).toMatchObject({ format: 'jp2', resolution: 60 });
      expect(classi?.path).toMatch(/^GRANULE\/L1C_T31TCJ_[^/]+\/QI_DATA\/MSK_CLASSI_B00\.jp2$/);
    }
  });

  it('gives a ByteSource over a band file with the file bytes', async () => {
    const entry = clear.masks.find((m) => m.kind === 'MSK_CLASSI');
    const src = await clear.open(entry?.path ?? '');
    const bytes = await readFile(join(T31TCJ_CLEAR, entry?.path ?? ''));
    expect(src.size).toBe(bytes.length);
    expect(Buffer.from(await src.read(100, 64)).equals(bytes.subarray(100, 164))).toBe(true);
    await src.close();
  });
});
