/** Number formats of the metrics panel (the report itself is the core's UiMetricsReport). */
export const pct = (v: number | null | undefined): string =>
  v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}`;
export const dec = (v: number | null | undefined): string =>
  v === null || v === undefined ? '—' : v.toFixed(3);
