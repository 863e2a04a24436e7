/** Map colours: the class colours and the difference legend are in electron/shared/palette.ts. */
import type { Rgb } from '../../shared/palette.js';

export * from '../../shared/palette.js';

/** Colour ramp for probabilities 0..1 (inferno-like: dark violet -> red -> orange -> pale yellow). */
const RAMP: ReadonlyArray<[number, Rgb]> = [
  [0, [0, 0, 4]],
  [0.25, [87, 16, 110]],
  [0.5, [188, 55, 84]],
  [0.75, [249, 142, 9]],
  [1, [252, 255, 164]],
];

/** 256-entry RGB table of the probability ramp (index = round(p * 255)). */
export const PROBABILITY_RAMP: Uint8Array = (() => {
  const t = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const p = i / 255;
    let k = 0;
    while (k < RAMP.length - 2 && p > RAMP[k + 1]![0]) k++;
    const [p0, c0] = RAMP[k]!;
    const [p1, c1] = RAMP[k + 1]!;
    const f = (p - p0) / (p1 - p0);
    for (let c = 0; c < 3; c++) t[i * 3 + c] = Math.round(c0[c]! + (c1[c]! - c0[c]!) * f);
  }
  return t;
})();
