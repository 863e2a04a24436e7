/**
 * Where two class layers agree and disagree on cloud, A against B (B is the reference), in the
 * binary view of the accuracy tables: cloud = cloud + semi-transparent; shadow as `style.shadow`
 * (default clear). Colours: DIFFERENCE_LEGEND (cloud in both light grey, omission orange,
 * commission magenta, clear in both and no data transparent).
 */
import { S2Error } from '../errors.js';
import { binaryClass, type ShadowMode } from '../metrics/binary.js';
import { boxIntersection, type LonLatBox } from './bounds.js';
import { ClassLayer, sampleLevels, type MaskLayer } from './mask-layer.js';
import { TILE_SIZE } from './mercator.js';
import { DIFFERENCE_LEGEND, type Rgb } from './palette.js';
import { styleKey } from './style.js';
import type { TileLayer } from './tile-layer.js';
import type { DifferenceStyle } from './types.js';
import { mapTile } from './warp.js';

const N = TILE_SIZE * TILE_SIZE;

export class DifferenceLayer implements TileLayer<DifferenceStyle> {
  private readonly a: ClassLayer;
  private readonly b: ClassLayer;
  /** Pixels are drawn only where both masks have data: inside both boxes. */
  readonly bounds: LonLatBox | null;

  constructor(
    a: MaskLayer,
    b: MaskLayer,
    /** Control-point spacing of the reprojection, in output pixels. */
    private readonly step: number,
  ) {
    if (!(a instanceof ClassLayer) || !(b instanceof ClassLayer)) {
      throw new S2Error('INVALID_ARGUMENT', 'A difference needs two class layers, not probability layers.', {
        details: { layerA: a.id, layerB: b.id },
      });
    }
    this.a = a;
    this.b = b;
    this.bounds = boxIntersection(a.bounds, b.bounds);
  }

  /** Starts with 'diff|': removing either layer drops every difference tile. */
  key(style: DifferenceStyle): string {
    return `diff|${this.a.id}|${this.b.id}|${styleKey(style)}`;
  }

  render(z: number, x: number, y: number, style: DifferenceStyle): Promise<Uint8Array | null> {
    const ma = mapTile(z, x, y, this.a.grid, this.step);
    const mb = mapTile(z, x, y, this.b.grid, this.step);
    if (!ma || !mb) return Promise.resolve(null);
    const ca = sampleLevels(this.a.classes, ma);
    const cb = sampleLevels(this.b.classes, mb);
    const cat = differenceCategories(ca, cb, style.shadow ?? 'clear');
    const colours = differenceColours(style);
    const rgba = new Uint8Array(N * 4);
    let any = false;
    for (let i = 0; i < N; i++) {
      const col = colours[cat[i] as number];
      if (!col) continue;
      rgba[i * 4] = col[0];
      rgba[i * 4 + 1] = col[1];
      rgba[i * 4 + 2] = col[2];
      rgba[i * 4 + 3] = 255;
      any = true;
    }
    return Promise.resolve(any ? rgba : null);
  }
}

/** Difference categories, as indices: 0 no data, 1 agreement clear, 2 agreement cloud, 3 omission, 4 commission. */
export function differenceCategories(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  shadow: ShadowMode,
): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const ca = a[i] as number;
    const cb = b[i] as number;
    if (ca <= 0 || cb <= 0) continue;
    const pa = binaryClass(ca, shadow);
    const pb = binaryClass(cb, shadow);
    if (pa === null || pb === null) continue;
    out[i] = pa ? (pb ? 2 : 4) : pb ? 3 : 1;
  }
  return out;
}

function differenceColours(style: DifferenceStyle): Array<Rgb | null> {
  const legend = (c: string): Rgb | null => DIFFERENCE_LEGEND.find((l) => l.category === c)?.colour ?? null;
  const own = style.colours ?? {};
  return [
    null,
    own['agreement-clear'] ?? legend('agreement-clear'),
    own['agreement-cloud'] ?? legend('agreement-cloud'),
    own.omission ?? legend('omission'),
    own.commission ?? legend('commission'),
  ];
}
