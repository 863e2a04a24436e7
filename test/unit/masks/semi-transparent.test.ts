import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SEMI_TRANSPARENT_RULE,
  splitSemiTransparent,
} from '../../../electron/core/masks/semi-transparent.js';
import { readPnm } from '../../fixtures/scene/pnm.js';
import { hasTool, SHARED_DATA } from '../../helpers/env.js';

/** One synthetic pixel: TOA reflectances, the CNN's probability and class. */
interface Px {
  name: string;
  cls: number;
  p: number;
  rgb: [number, number, number];
  b10: number;
  expect: number;
}

// Spectra in the generator's terms (test/fixtures/scene/bands.ts): thick water cloud is bright and
// flat with little B10; thin cirrus adds ~0.2 visible and a clear B10 signal; snow and desert are
// bright with ground-level B10; water is dark.
const PIXELS: Px[] = [
  { name: 'thick cumulus', cls: 2, p: 0.97, rgb: [0.55, 0.52, 0.5], b10: 0.004, expect: 2 },
  { name: 'cloud, mid probability', cls: 2, p: 0.65, rgb: [0.55, 0.52, 0.5], b10: 0.004, expect: 3 },
  {
    name: 'cloud, dark (thin over vegetation)',
    cls: 2,
    p: 0.9,
    rgb: [0.2, 0.18, 0.15],
    b10: 0.02,
    expect: 3,
  },
  { name: 'cloud, coloured (bright soil)', cls: 2, p: 0.9, rgb: [0.15, 0.3, 0.55], b10: 0.002, expect: 3 },
  { name: 'thin cirrus over vegetation', cls: 1, p: 0.2, rgb: [0.12, 0.1, 0.08], b10: 0.025, expect: 3 },
  { name: 'clear vegetation', cls: 1, p: 0.02, rgb: [0.08, 0.07, 0.05], b10: 0.002, expect: 1 },
  // B10 alone (terrain, early baselines) does not overrule a confident "clear".
  { name: 'confident clear, raised B10', cls: 1, p: 0.05, rgb: [0.08, 0.07, 0.05], b10: 0.03, expect: 1 },
  { name: 'bright desert', cls: 1, p: 0.3, rgb: [0.3, 0.38, 0.45], b10: 0.006, expect: 1 },
  { name: 'snow, B10 from altitude', cls: 1, p: 0.4, rgb: [0.86, 0.85, 0.83], b10: 0.03, expect: 1 },
  { name: 'water', cls: 1, p: 0.01, rgb: [0.125, 0.095, 0.075], b10: 0.001, expect: 1 },
  { name: 'no data', cls: 0, p: NaN, rgb: [NaN, NaN, NaN], b10: NaN, expect: 0 },
  { name: 'shadow under cirrus', cls: 4, p: 0.1, rgb: [0.05, 0.04, 0.03], b10: 0.03, expect: 4 },
];

function inputOf(px: Px[]): Parameters<typeof splitSemiTransparent>[0] {
  return {
    classes: Uint8Array.from(px.map((x) => x.cls)),
    probability: Float32Array.from(px.map((x) => x.p)),
    b10: Float32Array.from(px.map((x) => x.b10)),
    blue: Float32Array.from(px.map((x) => x.rgb[0])),
    green: Float32Array.from(px.map((x) => x.rgb[1])),
    red: Float32Array.from(px.map((x) => x.rgb[2])),
  };
}

describe('splitSemiTransparent on synthetic spectra', () => {
  it('labels each spectrum as the rule says', () => {
    const { classes, changed } = splitSemiTransparent(inputOf(PIXELS), DEFAULT_SEMI_TRANSPARENT_RULE);
    const got = PIXELS.map((x, i) => `${x.name}: ${classes[i]}`);
    expect(got).toEqual(PIXELS.map((x) => `${x.name}: ${x.expect}`));
    expect(changed).toEqual({ toSemi: 4, fromClear: 1 });
  });

  it('without B10 (L2A) clear pixels stay clear; without probability only brightness/whiteness act', () => {
    const { b10: _b10, probability: _p, ...rest } = inputOf(PIXELS);
    const { classes, changed } = splitSemiTransparent(rest);
    expect(classes[4]).toBe(1); // cirrus over vegetation: nothing to see it with
    expect(classes[1]).toBe(2); // mid probability, but the probability is not given
    expect(classes[2]).toBe(3);
    expect(changed.fromClear).toBe(0);
  });

  it('is monotone: a lower probability or brightness, or a higher B10, never makes a pixel opaque', () => {
    const rule = DEFAULT_SEMI_TRANSPARENT_RULE;
    for (let k = 0; k <= 20; k++) {
      const p = k / 20;
      const lo = splitSemiTransparent({ ...inputOf([PIXELS[0]!]), probability: Float32Array.of(p) });
      expect(lo.classes[0]).toBe(p < rule.probabilityOpaque ? 3 : 2);
      const b10 = k * 0.004;
      const c = splitSemiTransparent({ ...inputOf([PIXELS[4]!]), b10: Float32Array.of(b10) }); // p = 0.2: a hint of cloud
      expect(c.classes[0]).toBe(Math.fround(b10) > rule.cirrusMin ? 3 : 1); // B10 is float32
    }
  });

  it('reads B10 through a function as through the array, and only where the other tests pass', () => {
    const input = inputOf(PIXELS);
    const b10 = input.b10 as Float32Array;
    const asked: number[] = [];
    const viaFunction = splitSemiTransparent({
      ...inputOf(PIXELS),
      b10: (i) => (asked.push(i), b10[i]!),
    });
    expect([...viaFunction.classes]).toEqual([...splitSemiTransparent(input).classes]);
    // Clear pixels with a hint of cloud (p >= 0.2) and B02 under blueMax: the cirrus veil and the
    // bright desert.
    expect(asked.map((i) => PIXELS[i]!.name)).toEqual(['thin cirrus over vegetation', 'bright desert']);
  });

  it('rejects arrays that are not on the classes grid', () => {
    expect(() => splitSemiTransparent({ ...inputOf(PIXELS), red: new Float32Array(2) })).toThrow(/red/);
  });
});

const CROP = join(SHARED_DATA, 'l1c-crop-T31TDH-2015');
const hasTools = hasTool('opj_decompress') && existsSync(CROP);

describe.skipIf(!hasTools)('real crop T31TDH 2015 (L1C, baseline 02.04)', () => {
  /** Band reflectance on the 10 m grid (60 m B10 replicated), DN / 10000, 0 = no data. */
  function band(dir: string, b: string, size: number): Float32Array {
    const pgm = join(dir, `${b}.pgm`);
    execFileSync('opj_decompress', [
      '-quiet',
      '-i',
      join(CROP, `T31TDH_20150726T105026_${b}.jp2`),
      '-o',
      pgm,
    ]);
    const p = readPnm(pgm);
    const out = new Float32Array(size * size);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const v = p.data[Math.floor((y * p.height) / size) * p.width + Math.floor((x * p.width) / size)]!;
        out[y * size + x] = v === 0 ? NaN : v / 10000;
      }
    return out;
  }

  it('flags the cirrus veil the B10 band shows (CNN probability absent: every pixel called clear)', () => {
    const dir = mkdtempSync(join(tmpdir(), 's2-semi-'));
    try {
      const size = 300;
      const [blue, green, red, b10] = ['B02', 'B03', 'B04', 'B10'].map((b) => band(dir, b, size)) as [
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      const classes = new Uint8Array(size * size).fill(1);
      const { changed } = splitSemiTransparent({ classes, blue, green, red, b10 });
      const shares = [1, 2, 3].map((c) => classes.filter((v) => v === c).length / classes.length);
      // B10 on this crop is 0.018-0.049 (a veil visible in the TCI): all above Sen2Cor's 0.012.
      expect(shares[2]).toBeGreaterThan(0.95);
      expect(changed.fromClear).toBe(changed.toSemi);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
