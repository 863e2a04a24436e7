import type { SchemaMask } from '../../../electron/core/masks/schema.js';
import type { Grid } from '../../../electron/core/raster/grid.js';

/** A 10 m UTM grid of the given size. */
export function grid(width: number, height: number): Grid {
  return { epsg: 32631, width, height, transform: [300000, 10, 0, 4900020, 0, -10] };
}

export function mask(source: string, width: number, height: number, values: readonly number[]): SchemaMask {
  return {
    source,
    file: `/data/${source}.tif`,
    grid: grid(width, height),
    data: Uint8Array.from(values),
    unmapped: {},
  };
}
