/**
 * Final layers and Fmask's output codes. Priority follows python-fmask's maskAndBuffer and
 * Fmask 4: no data > cloud > shadow > snow > water > land.
 */

export const FMASK_CODES = { land: 0, water: 1, shadow: 2, snow: 3, cloud: 4, noData: 255 } as const;

export const FMASK_CLASS_NAMES: Readonly<Record<number, string>> = {
  0: 'clear land',
  1: 'water',
  2: 'cloud shadow',
  3: 'snow',
  4: 'cloud',
  255: 'no data',
};

/** Colours for the COG's colour table (index = code); unspecified entries stay black. */
export function fmaskPalette(): Array<readonly [number, number, number]> {
  const p: Array<readonly [number, number, number]> = Array.from({ length: 256 }, () => [0, 0, 0] as const);
  p[0] = [76, 175, 80];
  p[1] = [30, 80, 200];
  p[2] = [90, 70, 50];
  p[3] = [85, 255, 255];
  p[4] = [240, 240, 240];
  return p;
}

export interface FinalLayers {
  valid: Uint8Array;
  cloud: Uint8Array;
  shadow: Uint8Array;
  snow: Uint8Array;
  water: Uint8Array;
}

export function composeCodes(l: FinalLayers): Uint8Array {
  const n = l.valid.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = !l.valid[i]
      ? FMASK_CODES.noData
      : l.cloud[i]
        ? FMASK_CODES.cloud
        : l.shadow[i]
          ? FMASK_CODES.shadow
          : l.snow[i]
            ? FMASK_CODES.snow
            : l.water[i]
              ? FMASK_CODES.water
              : FMASK_CODES.land;
  }
  return out;
}

/** Share of each code over the valid pixels (no data: share of all pixels). */
export function codeShares(codes: Uint8Array): Record<string, number> {
  const counts = new Map<number, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  const valid = codes.length - (counts.get(FMASK_CODES.noData) ?? 0);
  const out: Record<string, number> = {};
  for (const [code, name] of Object.entries(FMASK_CLASS_NAMES)) {
    const k = counts.get(Number(code)) ?? 0;
    out[name] = Number(code) === FMASK_CODES.noData ? k / Math.max(1, codes.length) : k / Math.max(1, valid);
  }
  return out;
}
