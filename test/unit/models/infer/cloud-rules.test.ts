import { describe, expect, it } from 'vitest';
import { cirrusRows, type Cirrus } from '../../../../electron/core/models/infer/cloud-rules.js';
import { resample, sourceWindowFor } from '../../../../electron/core/raster/resample.js';
import type { Resolution } from '../../../../electron/core/scene/types.js';

describe('cirrusRows', () => {
  it('gives the numbers of resampling the whole strip, pixel for pixel, in any order', () => {
    let seed = 11;
    const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (const resolution of [10, 20] as Resolution[]) {
      const k = 60 / resolution;
      // A strip inside a 183-pixel 60 m grid, away from its corner, and one at its edges.
      for (const strip of [
        { x: 7 * k + 1, y: 40 * k + 3, width: 50 * k - 5, height: 9 * k + 1 },
        { x: 0, y: 0, width: 183 * k, height: 4 * k },
      ]) {
        const window = sourceWindowFor(strip, resolution, 60, { width: 183, height: 183 }, 'bilinear');
        const data = Float32Array.from({ length: window.width * window.height }, () =>
          rnd() < 0.02 ? NaN : rnd() * 0.05,
        );
        const cirrus: Cirrus = { data, window };
        const whole = resample({ data, window, resolution: 60 }, strip, resolution, 'bilinear');
        const at = cirrusRows(cirrus, strip, resolution);
        const order = Array.from(whole, (_, i) => i).sort(() => rnd() - 0.5);
        for (const i of order) {
          if (!Object.is(at(i), whole[i])) {
            expect.fail(`${resolution} m, pixel ${i}: ${at(i)} against ${whole[i]}`);
          }
        }
      }
    }
  });
});
