import { describe, expect, it } from 'vitest';
import { mergeGrids, parseAngleGrid } from '../../../electron/core/scene/angles.js';
import { parseFootprint } from '../../../electron/core/scene/metadata-product.js';
import { parseXml, at } from '../../../electron/core/scene/xml.js';

const grid = (values: string[]): ReturnType<typeof parseAngleGrid> =>
  parseAngleGrid(
    at(
      parseXml(
        `<Zenith><COL_STEP unit="m">5000</COL_STEP><ROW_STEP unit="m">5000</ROW_STEP><Values_List>${values
          .map((v) => `<VALUES>${v}</VALUES>`)
          .join('')}</Values_List></Zenith>`,
        'test.xml',
      ),
      'Zenith',
    ),
  );

describe('angle grids', () => {
  it('parses rows of VALUES with NaN', () => {
    expect(grid(['1 NaN', 'NaN 4'])).toEqual({
      colStep: 5000,
      rowStep: 5000,
      rows: 2,
      cols: 2,
      values: [1, NaN, NaN, 4],
    });
  });

  it('merges detectors: first non-NaN per node, NaN where no detector sees it', () => {
    const merged = mergeGrids([
      grid(['1 NaN', 'NaN NaN']),
      grid(['9 2', 'NaN NaN']),
      grid(['NaN NaN', '3 NaN']),
    ]);
    expect(merged.values).toEqual([1, 2, 3, NaN]);
  });

  it('gives an empty grid for <VALUES/>', () => {
    expect(grid([''])).toMatchObject({ rows: 0, cols: 0, values: [] });
  });
});

describe('footprint', () => {
  it("turns 'lat lon …' into a closed ring of [lon, lat]", () => {
    expect(parseFootprint('46 11 45 11 45 13')).toEqual([
      [11, 46],
      [11, 45],
      [13, 45],
      [11, 46],
    ]);
  });
});
