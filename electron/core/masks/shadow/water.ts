/**
 * Water: dark in NIR and SWIR like a shadow, so it must be kept out of the shadow candidates.
 *
 * With a red band: Fmask's water test (Zhu & Woodcock 2012, eq. 5):
 *   (NDVI < 0.01 and NIR < 0.11) or (NDVI < 0.1 and NDVI > 0 and NIR < 0.05).
 * With a green band as well: NDWI > 0.2 and MNDWI > 0.2 (McFeeters 1996; Xu 2006), below.
 * Without red (NIR and SWIR only): NIR < 0.05 and SWIR < 0.03 and SWIR < NIR. Water absorbs SWIR
 * even more than NIR; land in shadow keeps most of its sunlit SWIR/NIR ratio (diffuse light dims
 * both bands alike) and seldom falls below 0.05 in NIR at the same time. A heuristic: pass a
 * water mask (Fmask's, or from the model) when one exists.
 */
/** NDWI = (G - N) / (G + N) > 0.2 is G > 1.5 N. */
const WATER_INDEX_FACTOR = 1.5;

/** `valid`: 0 where no data (never water); undefined: every pixel (a NaN NIR still is not water). */
export function waterMask(
  nir: Float32Array,
  swir: Float32Array,
  valid: Uint8Array | undefined,
  red?: Float32Array,
  green?: Float32Array,
): Uint8Array {
  const n = nir.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (valid && !valid[i]) continue;
    const b8 = nir[i] as number;
    if (Number.isNaN(b8)) continue;
    if (green && isWaterByIndex(green[i] as number, b8, swir[i] as number)) {
      out[i] = 1;
      continue;
    }
    if (red) {
      const b4 = red[i] as number;
      const ndvi = (b8 - b4) / (b8 + b4);
      if ((ndvi < 0.01 && b8 < 0.11) || (ndvi < 0.1 && ndvi > 0 && b8 < 0.05)) out[i] = 1;
    } else {
      const b11 = swir[i] as number;
      if (b8 < 0.05 && b11 < 0.03 && b11 < b8) out[i] = 1;
    }
  }
  return out;
}

/**
 * Green well above both NIR and SWIR (NDWI and MNDWI > 0.2): open water. Land in shadow is lit by
 * the blue-rich sky alone, which raises green against NIR and SWIR, so that NDWI > 0 and even
 * MNDWI > 0.5 occur on shadowed vegetation (seen on the labelled cases); 0.2 on both keeps them.
 */
function isWaterByIndex(g: number, b8: number, b11: number): boolean {
  return g > WATER_INDEX_FACTOR * b8 && g > WATER_INDEX_FACTOR * b11;
}
