import { describe, expect, it } from 'vitest';
import {
  LightgbmPool,
  parseLightgbmModel,
  predict,
} from '../../../../electron/core/models/lightgbm/index.js';
import { modelText, randomTree, rng } from '../../../helpers/lightgbm-model.js';

describe('LightGBM worker pool', () => {
  const random = rng(5);
  const F = 10;
  const model = parseLightgbmModel(
    modelText({ numFeatures: F, trees: Array.from({ length: 20 }, () => randomTree(15, F, random)) }),
    'pool.txt',
  );
  const count = 10_000;
  const data = Float32Array.from({ length: F * count + 3 }, () => random());

  it('gives the same scores on worker threads as on the calling thread, chunked, at an offset', async () => {
    const block = { data, count, stride: count, offset: 3, features: F };
    const expected = predict(model, block);
    const pool = new LightgbmPool(model, { workers: 2, chunk: 1500 });
    try {
      expect(pool.workers).toBe(2);
      const [a, b] = await Promise.all([pool.score(block), pool.score(block)]);
      expect(a).toEqual(expected);
      expect(b).toEqual(expected);
    } finally {
      await pool.destroy();
    }
    const inline = new LightgbmPool(model, { workers: 0 });
    expect(await inline.score(block)).toEqual(expected);
  });
});
