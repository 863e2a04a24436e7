import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ModelCard } from '../../../electron/core/models/card.js';
import { predictProduct } from '../../../electron/core/models/infer/engine.js';
import type { TileRunner } from '../../../electron/core/models/infer/runner.js';
import { KeepRasters } from '../../../electron/core/pipeline/sinks.js';
import { StripReader, type Strip, type StripStep } from '../../../electron/core/pipeline/strips.js';
import { destroySharedDecoder, Jp2Decoder } from '../../../electron/core/raster/jp2/index.js';
import { BandReader } from '../../../electron/core/scene/band-reader.js';
import { openProduct } from '../../../electron/core/scene/index.js';
import { productGrid, readReflectance } from '../../../electron/core/scene/reflectance.js';
import type { Product } from '../../../electron/core/scene/types.js';
import { makeScene } from '../../fixtures/make-scene.js';
import { DATA_DIR, hasTool } from '../../helpers/env.js';

const tools = hasTool('opj_compress');

/** Cloud where B02 is bright: a network known exactly, so the steps' effects can be checked. */
const brightRunner: TileRunner = {
  channels: 1,
  async run(input, [n, c, h, w]) {
    const out = new Float32Array(n * h * w);
    for (let t = 0; t < n; t++)
      for (let i = 0; i < h * w; i++) out[t * h * w + i] = input[t * c * h * w + i]! > 0.25 ? 0.9 : 0.1;
    return out;
  },
};

const card = {
  id: 'bright',
  name: 'bright B02',
  version: '1',
  input: { bands: ['B02', 'B11'], levels: ['L1C'], resolution: 20, scaling: { kind: 'reflectance' } },
  tiling: { size: 128, multiple: 8, margin: 8, padding: 'reflect' },
  output: { kind: 'sigmoid', channels: 1, classes: [2], threshold: 0.5, otherwise: 1 },
} as unknown as ModelCard;

describe.skipIf(!tools)('strip pipeline', () => {
  let product: Product;

  beforeAll(async () => {
    const { safePath } = await makeScene({ size: 'small', outDir: join(DATA_DIR, 'scenes'), log: () => {} });
    product = await openProduct(safePath);
  });

  afterAll(async () => {
    await product?.close();
    await destroySharedDecoder();
  });

  it('decodes each file once per strip for every resolution its readers need, bit-identical to readReflectance', async () => {
    const win = { x: 40, y: 30, width: 300, height: 200 }; // at 20 m
    const needs = [
      { band: 'B02', resolution: 20 },
      { band: 'B11', resolution: 20 },
      { band: 'B11', resolution: 10 },
      { band: 'B02', resolution: 60 },
    ] as const;
    const reader = new StripReader(product, 20, win, needs);
    try {
      const rows = { lo: 10, hi: 90, core0: 20, core1: 80 };
      const strip = await reader.read(rows);
      // B02 (10 m file) and B11 (20 m file): one decode each, whatever the resolutions asked.
      expect(reader.stats.decodes.size).toBe(2);
      expect([...reader.stats.decodes.values()]).toEqual([1, 1]);
      for (const n of needs) {
        const got = strip.get(n.band, n.resolution);
        const ref = await readReflectance(product, {
          bands: [n.band],
          resolution: n.resolution,
          window: got.window,
        });
        expect(Buffer.from(got.data.buffer).equals(Buffer.from(ref.data[0]!.buffer))).toBe(true);
      }
      // At the working resolution, the rows read; elsewhere, the rows covering the core.
      expect(strip.get('B02', 20).window).toEqual({ x: 40, y: 40, width: 300, height: 81 });
      expect(strip.get('B11', 10).window).toEqual({ x: 80, y: 100, width: 600, height: 120 });
      expect(strip.get('B02', 60).window).toEqual({ x: 13, y: 16, width: 101, height: 21 });
      expect(() => strip.get('B04', 20)).toThrow(/B04 at 20 m was not declared/);
      // Decoded ahead, converted later: the same bands, converted once, the file decoded once more.
      const decoded = await reader.decode(rows);
      expect([...reader.stats.decodes.values()]).toEqual([2, 2]);
      const later = decoded.convert();
      expect(decoded.convert()).toBe(later);
      for (const n of needs) {
        const a = later.get(n.band, n.resolution);
        expect(a.window).toEqual(strip.get(n.band, n.resolution).window);
        expect(
          Buffer.from(a.data.buffer).equals(Buffer.from(strip.get(n.band, n.resolution).data.buffer)),
        ).toBe(true);
      }
    } finally {
      await reader.close();
    }
  });

  it('a reader handed a larger decoded window gives what it reads itself', async () => {
    const reader = new BandReader(product, 'B11', 10);
    const window = { x: 101, y: 51, width: 77, height: 33 };
    const own = await reader.read(window, {});
    const big = { x: 40, y: 10, width: 80, height: 60 }; // 20 m pixels around sourceWindow(window)
    const decoder = new Jp2Decoder({ workers: 1 });
    try {
      const src = await product.open(reader.entry.path);
      const dn = (await decoder.decode(src, { window: big })).data;
      await src.close();
      const handed = reader.fromDn(dn, big, window);
      expect(Buffer.from(handed.buffer).equals(Buffer.from(own.buffer))).toBe(true);
    } finally {
      await decoder.destroy();
    }
  });

  /** The bright network over a window of a few strips at 20 m, with these steps. */
  const runSmall = (steps: StripStep[]): ReturnType<typeof predictProduct> => {
    const grid = productGrid(product, 20);
    const win = { x: 0, y: 0, width: Math.min(grid.width, 300), height: Math.min(grid.height, 260) };
    return predictProduct(product, { card, runner: brightRunner, window: win, steps });
  };

  it('a strip whose conversion fails gives that error on every call, and the run rejects with it', async () => {
    const spy = vi.spyOn(BandReader.prototype, 'fromDn').mockImplementation(() => {
      throw new Error('bad samples on purpose');
    });
    const reader = new StripReader(product, 20, { x: 0, y: 0, width: 100, height: 100 }, [
      { band: 'B02', resolution: 20 },
    ]);
    try {
      const decoded = await reader.decode({ lo: 0, hi: 50, core0: 0, core1: 40 });
      expect(() => decoded.convert()).toThrow('bad samples on purpose');
      expect(() => decoded.convert()).toThrow('bad samples on purpose');
      // Two strips ahead: the next strip's early conversion fails first, quietly; taking it fails the run.
      const grid = productGrid(product, 20);
      const win = { x: 0, y: 0, width: Math.min(grid.width, 300), height: Math.min(grid.height, 260) };
      await expect(
        predictProduct(product, { card, runner: brightRunner, window: win, readAhead: 2 }),
      ).rejects.toThrow('bad samples on purpose');
    } finally {
      spy.mockRestore();
      await reader.close();
    }
  });

  it('gives the same classes however many strips are decoded ahead, each file decoded once per strip', async () => {
    const grid = productGrid(product, 20);
    const win = { x: 0, y: 0, width: Math.min(grid.width, 300), height: Math.min(grid.height, 260) };
    const runs = [];
    for (const readAhead of [1, 2, 4]) {
      const keep = new KeepRasters();
      const r = await predictProduct(product, {
        card,
        runner: brightRunner,
        window: win,
        steps: [keep],
        readAhead,
      });
      expect(Object.values(r.reads.decodes)).toEqual([r.reads.strips, r.reads.strips]);
      runs.push({ classes: keep.classes, strips: r.reads.strips });
    }
    expect(runs[0]!.strips).toBeGreaterThan(2);
    for (const run of runs.slice(1)) {
      expect(run.strips).toBe(runs[0]!.strips);
      expect(Buffer.from(run.classes).equals(Buffer.from(runs[0]!.classes))).toBe(true);
    }
    expect(runs[0]!.classes.includes(2)).toBe(true);
  });

  it('runs the steps in order on every strip, each seeing what the one before changed', async () => {
    const seen: string[] = [];
    const shadowEverywhere: StripStep = {
      stage: 'paint',
      needs: [{ band: 'B04', resolution: 20 }],
      strip(s: Strip) {
        // Bands a step declares are there, cut to the core rows at the working resolution.
        expect(s.core('B04').length).toBe(s.rows * s.width);
        for (let i = 0; i < s.classes.length; i++) if (s.classes[i] === 1) s.classes[i] = 4;
        seen.push(`paint ${s.y0}`);
      },
    };
    const check: StripStep = {
      strip(s: Strip) {
        expect(s.classes.includes(1)).toBe(false);
        seen.push(`check ${s.y0}`);
      },
    };
    const keep = new KeepRasters();
    const r = await runSmall([shadowEverywhere, check, keep]);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.filter((s) => s.startsWith('paint')).length).toBe(seen.length / 2);
    expect(seen[0]).toBe('paint 0');
    expect(seen[1]).toBe('check 0');
    expect(keep.classes.includes(1)).toBe(false);
    expect(keep.classes.includes(4)).toBe(true);
    // The counter runs after the steps: it counts what they left.
    expect(r.classCounts[1]).toBe(0);
    expect(r.classCounts[4]).toBe(keep.classes.filter((v) => v === 4).length);
    expect(r.timings.steps.paint).toBeGreaterThanOrEqual(0);
    // Three files (B02, B11, B04), each decoded once per strip.
    expect(Object.values(r.reads.decodes)).toEqual([r.reads.strips, r.reads.strips, r.reads.strips]);
  });

  it('overlaps a step that finishes later with the next strip, keeping strips in order, and frees its bands', async () => {
    const seen: string[] = [];
    let slowOpen = 0;
    // A step working elsewhere (as the cloud rules' worker does): it takes its band at once and
    // finishes a while later.
    const slow: StripStep = {
      needs: [{ band: 'B04', resolution: 20 }],
      ownSeconds: { slow: 1 },
      strip(s: Strip) {
        const copy = s.core('B04').slice();
        slowOpen++;
        seen.push(`slow start ${s.y0}`);
        return new Promise<void>((resolve) =>
          setTimeout(() => {
            for (let i = 0; i < s.classes.length; i++) if (!Number.isNaN(copy[i])) s.classes[i] = 3;
            slowOpen--;
            seen.push(`slow end ${s.y0}`);
            resolve();
          }, 30),
        );
      },
    };
    let lateRead: unknown = null;
    const after: StripStep = {
      strip(s: Strip) {
        expect(s.classes.includes(1)).toBe(false); // the slow step's change is in
        // The last step that reads bands has them: the strip's bands are gone.
        try {
          s.core('B04');
        } catch (err) {
          lateRead = err;
        }
        seen.push(`after ${s.y0}`);
      },
    };
    const keep = new KeepRasters();
    const r = await runSmall([slow, after, keep]);
    expect(slowOpen).toBe(0);
    expect(lateRead).toBeInstanceOf(Error);
    const strips = seen.filter((e) => e.startsWith('after')).length;
    expect(strips).toBeGreaterThan(1);
    // Per strip: start, end, after; and strip k's steps all end before strip k + 1's start.
    const order = seen.map((e) => e.replace(/ \d+$/, ''));
    for (let k = 0; k < strips; k++)
      expect(order.slice(3 * k, 3 * k + 3)).toEqual(['slow start', 'slow end', 'after']);
    expect(keep.classes.includes(3)).toBe(true);
    expect(r.timings.steps.slow).toBe(1); // its own figure, not the wall time
  });

  it('aborts every step when one fails, and says which', async () => {
    const aborted: string[] = [];
    const failing: StripStep = {
      strip() {
        throw new Error('step failed on purpose');
      },
      abort: () => void aborted.push('failing'),
    };
    const after: StripStep = { strip() {}, abort: () => void aborted.push('after') };
    await expect(
      predictProduct(product, {
        card,
        runner: brightRunner,
        window: { x: 0, y: 0, width: 64, height: 64 },
        steps: [failing, after],
      }),
    ).rejects.toThrow('step failed on purpose');
    expect(aborted.sort()).toEqual(['after', 'failing']);
  });
});
