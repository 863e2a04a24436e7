import { describe, expect, it } from 'vitest';
import {
  parseTileUrl,
  tileUrlPath,
  TileUrlError,
  type TileLayerRef,
} from '../../../electron/api/tile-url.js';

/** Splits a built URL path into what the route receives: the path and its query. */
function split(url: string): [string, URLSearchParams] {
  const i = url.indexOf('?');
  return i < 0 ? [url, new URLSearchParams()] : [url.slice(0, i), new URLSearchParams(url.slice(i + 1))];
}

const LAYERS: TileLayerRef[] = [
  {
    kind: 'image',
    sceneId: 'scene 1/ü',
    style: { bands: ['B08', 'B11', 'B04'], min: [0.01, 0.02, 0.03], max: [0.4, 0.35, 0.3], gamma: 1.25 },
  },
  {
    kind: 'mask',
    layerId: 'mask#2',
    style: { visibleClasses: [1, 4], colours: { 1: [0, 128, 255], 2: [255, 255, 255], 4: [12, 34, 56] } },
  },
  { kind: 'mask', layerId: 'all-classes', style: {} },
  { kind: 'mask', layerId: 'none-visible', style: { visibleClasses: [] } },
  { kind: 'diff', a: 'mask-a', b: 'mask/b' },
];

describe('tile URLs: one module builds and parses them', () => {
  it.each(LAYERS.map((l) => [l.kind, l] as const))('%s: parse(build(x)) === x', (_kind, layer) => {
    const tile = { z: 12, x: 2071, y: 1500 };
    const [path, query] = split(tileUrlPath(layer, tile));
    expect(parseTileUrl(path, query)).toEqual({ ...layer, ...tile });
  });

  it('leaves {z}/{x}/{y} as a template for the map', () => {
    expect(tileUrlPath(LAYERS[4]!)).toBe('diff/mask-a/mask%2Fb/{z}/{x}/{y}.png');
  });

  it('fills a style the query leaves out with the defaults', () => {
    const r = parseTileUrl('image/s/3/1/2.png', new URLSearchParams('min=0.1,,x'));
    expect(r).toEqual({
      kind: 'image',
      sceneId: 's',
      style: { bands: ['B04', 'B03', 'B02'], min: [0.1, 0, 0], max: [0.3, 0.3, 0.3], gamma: 1 },
      z: 3,
      x: 1,
      y: 2,
    });
  });

  it('ignores the token and bad colours in the query', () => {
    const r = parseTileUrl('/mask/m/0/0/0.png', new URLSearchParams('colours=1:zzzzzz,2:00ff00&token=abc'));
    expect(r).toEqual({
      kind: 'mask',
      layerId: 'm',
      style: { colours: { 2: [0, 255, 0] } },
      z: 0,
      x: 0,
      y: 0,
    });
  });

  it.each([
    'image/s/1/2/3.jpg',
    'image/s/1/x/3.png',
    'image/s/-1/2/3.png',
    'mask/1/2/3.png',
    'diff/a/1/2/3.png',
    'mask/a/b/1/2/3.png',
    'other/a/1/2/3.png',
    'image/%E0%A4%A/1/2/3.png',
  ])('refuses %s in words', (path) => {
    expect(() => parseTileUrl(path, new URLSearchParams())).toThrow(TileUrlError);
    expect(() => parseTileUrl(path, new URLSearchParams())).toThrow(/tile/i);
  });
});
