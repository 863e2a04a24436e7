import { describe, expect, it } from 'vitest';
import { dilateDisk, majority3x3 } from '../../../../electron/core/masks/fmask/buffers.js';
import { computeCdi } from '../../../../electron/core/masks/fmask/cdi.js';
import { Histogram, isCloud, landCloudProb } from '../../../../electron/core/masks/fmask/probability.js';
import {
  cirrusTest,
  snowTest,
  spectralCloudTest,
  waterTest,
  type PixelSpectrum,
} from '../../../../electron/core/masks/fmask/tests.js';

// TOA spectra (B02 B03 B04 B08 B11 B12, normalised B10), typical values for each cover.
const S = (
  blue: number,
  green: number,
  red: number,
  nir: number,
  swir1: number,
  swir2: number,
  cirrus = 0,
): PixelSpectrum => ({
  blue,
  green,
  red,
  nir,
  swir1,
  swir2,
  cirrus,
});
const vegetation = S(0.07, 0.08, 0.05, 0.35, 0.2, 0.1);
const water = S(0.095, 0.075, 0.055, 0.022, 0.012, 0.008);
const snow = S(0.85, 0.83, 0.8, 0.72, 0.06, 0.04);
const thickCloud = S(0.52, 0.5, 0.49, 0.51, 0.34, 0.22);
const thinCirrus = S(0.12, 0.11, 0.09, 0.3, 0.19, 0.1, 0.025); // over vegetation
const urban = S(0.16, 0.16, 0.17, 0.24, 0.27, 0.22);

describe('Fmask pass-1 spectral tests', () => {
  it('vegetation is neither cloud, water nor snow', () => {
    expect(spectralCloudTest(vegetation)).toBe(false);
    expect(waterTest(vegetation)).toBe(false);
    expect(snowTest(vegetation)).toBe(false);
  });
  it('water passes the water test only', () => {
    expect(waterTest(water)).toBe(true);
    expect(spectralCloudTest(water)).toBe(false);
    expect(snowTest(water)).toBe(false);
  });
  it('snow passes the snow test, fails the basic (NDSI) test', () => {
    expect(snowTest(snow)).toBe(true);
    expect(spectralCloudTest(snow)).toBe(false);
  });
  it('thick cloud passes every cloud test', () => {
    expect(spectralCloudTest(thickCloud)).toBe(true);
    expect(waterTest(thickCloud)).toBe(false);
  });
  it('thin cirrus is caught by the B10 test, not the visible tests', () => {
    expect(spectralCloudTest(thinCirrus)).toBe(false);
    expect(cirrusTest(thinCirrus)).toBe(true);
    expect(cirrusTest(vegetation)).toBe(false);
  });
  it('bright urban fails HOT (and the B8/B11 ratio)', () => {
    expect(spectralCloudTest(urban)).toBe(false);
  });
});

describe('cloud displacement index', () => {
  it('is strongly negative where B8 is displaced against B7/B8A, near 0 or positive on smooth surfaces', () => {
    const w = 16;
    const h = 16;
    const b7 = new Float32Array(w * h).fill(0.3);
    const b8a = new Float32Array(w * h).fill(0.3);
    const b8 = new Float32Array(w * h);
    const flat8 = new Float32Array(w * h);
    for (let i = 0; i < w * h; i++) {
      const x = i % w;
      // A parallax-shifted cloud edge: B8 alternates bright/dark; B7 slightly noisy.
      b8[i] = x % 2 ? 0.5 : 0.2;
      flat8[i] = 0.3;
      b7[i] = 0.3 + 0.001 * ((i * 7) % 3);
    }
    const cloudy = computeCdi(b7, b8, b8a, w, h, 0, h);
    const flat = computeCdi(b7, flat8, b8a, w, h, 0, h);
    expect(cloudy[8 * w + 8]).toBeLessThan(-0.5);
    expect(flat[8 * w + 8]).toBeGreaterThan(0.5);
  });
});

describe('probabilities and buffers', () => {
  it('percentiles from the histogram', () => {
    const hist = new Histogram(0, 1, 1000);
    for (let i = 0; i < 1000; i++) hist.add(i / 1000);
    expect(hist.percentile(82.5)).toBeCloseTo(0.825, 2);
  });
  it('land probability grows with brightness and cirrus; decision follows eq. 18', () => {
    const t = { hotLow: 0, hotHigh: 0.1 };
    expect(landCloudProb(0.8, 0.2, 0, t)).toBeCloseTo(0.8);
    expect(landCloudProb(0.8, 0.0, 0.02, t)).toBeCloseTo(0.5);
    expect(isCloud(true, false, 0, 0.6, 0.5)).toBe(true);
    expect(isCloud(false, false, 0, 0.6, 0.5)).toBe(false);
    expect(isCloud(false, false, 0, 1.2, 0.5)).toBe(true);
    expect(isCloud(true, true, 0.6, 0, 0.5)).toBe(true);
  });
  it('3x3 majority removes isolated pixels; disc dilation has radius r', () => {
    const w = 9;
    const m = new Uint8Array(81);
    m[40] = 1;
    expect(majority3x3(m, w, w).reduce((a, b) => a + b, 0)).toBe(0);
    const d = dilateDisk(m, w, w, 3);
    expect(d.reduce((a, b) => a + b, 0)).toBe(29); // lattice points with x^2 + y^2 <= 9
    expect(d[40 + 3]).toBe(1);
    expect(d[40 + 3 * w + 3]).toBe(0);
  });
});
