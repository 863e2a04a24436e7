/** Thresholding of probability rasters into the schema (shared by MSK_CLDPRB and s2cloudless). */
import type { MappedValues } from './map-values.js';
import { countsToRecord } from './map-values.js';

export interface ThresholdRule {
  /** Largest valid value (100 for percent); larger values and negatives are unmapped. */
  max: number;
  /** >= cloud -> 2 cloud. */
  cloud: number;
  /** >= semi (and < cloud) -> 3 semi-transparent cloud; null: no semi-transparent class. */
  semi: number | null;
}

/** Thresholds values: NaN / noData -> 0, out of [0, max] -> 0 and counted as unmapped. */
export function thresholdValues(
  values: ArrayLike<number>,
  rule: ThresholdRule,
  noData: number | null,
): MappedValues {
  const n = values.length;
  const data = new Uint8Array(n);
  const unknown = new Map<number, number>();
  const semi = rule.semi ?? Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (v !== v || v === noData) continue;
    if (v < 0 || v > rule.max) unknown.set(v, (unknown.get(v) ?? 0) + 1);
    else data[i] = v >= rule.cloud ? 2 : v >= semi ? 3 : 1;
  }
  return { data, unmapped: countsToRecord(unknown) };
}
