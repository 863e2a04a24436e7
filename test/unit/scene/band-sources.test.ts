import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BandSources,
  readReflectance,
  type ReflectanceStack,
} from '../../../electron/core/scene/reflectance.js';
import { openProduct } from '../../../electron/core/scene/index.js';
import type { ByteSource } from '../../../electron/core/raster/byte-source.js';
import { SHARED_DATA } from '../../helpers/env.js';

const LABELLED = join(
  SHARED_DATA,
  'labelled-landsat7',
  'S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE',
);

describe('BandSources: band files opened once for a run of reads', () => {
  it('opens each band once over several windows, reads the same values, and closes them all', async () => {
    const product = await openProduct(LABELLED);
    const opened: string[] = [];
    const closed: string[] = [];
    const open = product.open.bind(product);
    product.open = async (path: string): Promise<ByteSource> => {
      opened.push(path);
      const src = await open(path);
      const close = src.close.bind(src);
      return Object.assign(src, {
        close: async (): Promise<void> => {
          closed.push(path);
          await close();
        },
      });
    };
    try {
      const bands = ['B02', 'B11'] as const;
      const windows = [0, 84, 168].map((y) => ({ x: 0, y, width: 252, height: 84 }));
      const alone: ReflectanceStack[] = [];
      for (const window of windows)
        alone.push(await readReflectance(product, { bands: [...bands], resolution: 20, window }));
      expect(opened).toHaveLength(6);
      expect(closed).toHaveLength(6);
      opened.length = 0;
      closed.length = 0;

      const sources = new BandSources(product);
      const shared: ReflectanceStack[] = [];
      for (const window of windows)
        shared.push(await readReflectance(product, { bands: [...bands], resolution: 20, window, sources }));
      expect(opened.sort()).toEqual(
        product.bands
          .filter((b) => bands.includes(b.name as never))
          .map((b) => b.path)
          .sort(),
      );
      expect(closed).toEqual([]);
      shared.forEach((s, i) => s.data.forEach((d, k) => expect(d).toEqual(alone[i]!.data[k])));
      await sources.close();
      expect(closed.sort()).toEqual([...opened].sort());
    } finally {
      await product.close();
    }
  });

  it('tries a file again after it failed to open', async () => {
    const product = await openProduct(LABELLED);
    try {
      let fail = true;
      const open = product.open.bind(product);
      product.open = async (path: string): Promise<ByteSource> => {
        if (fail) {
          fail = false;
          throw new Error(`${path}: busy`);
        }
        return open(path);
      };
      const sources = new BandSources(product);
      const path = product.bands.find((b) => b.name === 'B02')!.path;
      await expect(sources.get(path)).rejects.toThrow(/busy/);
      await Promise.resolve();
      const src = await sources.get(path);
      expect(src.size).toBeGreaterThan(0);
      await sources.close();
    } finally {
      await product.close();
    }
  });
});
