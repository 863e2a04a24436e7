/** Legacy MSK_CLOUDS_B00.gml: polygons rasterised even-odd at pixel centres. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classCounts, loadMask } from '../../../../electron/core/masks/adapters/index.js';
import type { Grid } from '../../../../electron/core/raster/grid.js';
import { tempDir } from './gdal-helpers.js';

// A 10 x 10 grid of 60 m pixels at the T31TCJ tile origin.
const GRID: Grid = { epsg: 32631, width: 10, height: 10, transform: [300000, 60, 0, 4900020, 0, -60] };
const X = (col: number): number => 300000 + col * 60;
const Y = (row: number): number => 4900020 - row * 60;
const ring = (c0: number, r0: number, c1: number, r1: number): string =>
  [X(c0), Y(r0), X(c1), Y(r0), X(c1), Y(r1), X(c0), Y(r1), X(c0), Y(r0)].join(' ');

const feature = (id: string, type: string, exterior: string, interior?: string): string => `
    <eop:MaskFeature gml:id="${id}">
      <eop:maskType codeSpace="urn:gs2:S2PDGS:maskType">${type}</eop:maskType>
      <eop:extentOf>
        <gml:Polygon gml:id="${id}.Polygon" srsName="urn:ogc:def:crs:EPSG::32631">
          <gml:exterior><gml:LinearRing><gml:posList srsDimension="2">${exterior}</gml:posList></gml:LinearRing></gml:exterior>
          ${interior ? `<gml:interior><gml:LinearRing><gml:posList srsDimension="2">${interior}</gml:posList></gml:LinearRing></gml:interior>` : ''}
        </gml:Polygon>
      </eop:extentOf>
      <eop:maskedBand xlink:href="#B01"/>
    </eop:MaskFeature>`;

const GML = `<?xml version="1.0" encoding="UTF-8"?>
<eop:Mask xmlns:eop="http://www.opengis.net/eop/2.0" xmlns:gml="http://www.opengis.net/gml/3.2"
  xmlns:xlink="http://www.w3.org/1999/xlink" gml:id="MSK_CLOUDS_B00">
  <gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs:EPSG::32631">
    <gml:lowerCorner>300000 4790220</gml:lowerCorner><gml:upperCorner>409800 4900020</gml:upperCorner>
  </gml:Envelope></gml:boundedBy>
  <eop:maskMembers>${feature('OPAQUE.0', 'OPAQUE', ring(2, 1, 6, 5), ring(3, 2, 5, 4))}${feature(
    'CIRRUS.0',
    'CIRRUS',
    ring(5, 4, 8, 7),
  )}${feature('OTHER.0', 'TECHNICAL_QUALITY', ring(0, 0, 1, 1))}
  </eop:maskMembers>
</eop:Mask>`;

describe('MSK_CLOUDS_B00.gml', () => {
  it('rasterises OPAQUE (with a hole) and CIRRUS at pixel centres; opaque wins', async () => {
    const file = join(tempDir(), 'S2A_OPER_MSK_CLOUDS_B00.gml');
    writeFileSync(file, GML);
    const mask = await loadMask(file, { grid: GRID });
    expect(mask.source).toBe('L1C MSK_CLOUDS (GML) [guessed from file name]');
    // Opaque: 4 x 4 minus a 2 x 2 hole = 12; cirrus 3 x 3 minus the pixel under opaque = 8.
    expect(classCounts(mask.data)).toEqual([0, 80, 12, 8, 0]);
    const at = (c: number, r: number): number => mask.data[r * 10 + c] ?? -1;
    expect([at(2, 1), at(3, 2), at(5, 4), at(6, 4), at(7, 6), at(8, 7)]).toEqual([2, 1, 2, 3, 3, 1]);
    expect(mask.unmapped).toEqual({ 'feature:TECHNICAL_QUALITY': 1 });
  });

  it('an empty mask (maskMembers nil) is all clear; no grid -> clear message', async () => {
    const file = join(tempDir(), 'MSK_CLOUDS_B00.gml');
    writeFileSync(
      file,
      `<eop:Mask xmlns:eop="http://www.opengis.net/eop/2.0" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><eop:maskMembers xsi:nil="true" nilReason="other:noCloud"/></eop:Mask>`,
    );
    const mask = await loadMask(file, { adapter: 'msk-clouds-gml', grid: GRID });
    expect(classCounts(mask.data)).toEqual([0, 100, 0, 0, 0]);
    await expect(loadMask(file)).rejects.toThrow(/needs the product \(or a grid\)/);
  });
});
