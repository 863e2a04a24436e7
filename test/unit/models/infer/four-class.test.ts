import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelCard } from '../../../../electron/core/models/card.js';
import { paintShadows, predictFourClasses } from '../../../../electron/core/models/infer/four-class.js';
import { onnxRunner } from '../../../../electron/core/models/infer/runner.js';
import { createSession, type ModelSession } from '../../../../electron/core/models/session.js';
import { destroySharedDecoder } from '../../../../electron/core/raster/jp2/index.js';
import { openProduct } from '../../../../electron/core/scene/index.js';
import type { Product } from '../../../../electron/core/scene/types.js';
import { makeScene } from '../../../fixtures/make-scene.js';
import { DATA_DIR, hasTool } from '../../../helpers/env.js';
import { ensureBuiltModel } from '../../../helpers/models.js';

describe.skipIf(!hasTool('opj_compress'))(
  'four classes: CNN cloud, semi-transparent rule, geometric shadows',
  () => {
    let product: Product;
    let card: ModelCard;
    let model: ModelSession;
    beforeAll(async () => {
      const { safePath } = await makeScene({
        size: 'small',
        outDir: join(DATA_DIR, 'scenes'),
        log: () => {},
      });
      product = await openProduct(safePath);
      const built = await ensureBuiltModel('dl-l8s2-uv-6b');
      card = built.card;
      model = await createSession(built.file, { providers: ['cpu'], log: () => {} });
    });
    afterAll(async () => {
      await model?.session.release();
      await product?.close();
      await destroySharedDecoder();
    });

    it('adds semi-transparent cloud and shadows cast away from the sun, never over clouds', async () => {
      const stages: string[] = [];
      const r = await predictFourClasses(product, {
        card,
        runner: onnxRunner(model, card),
        onStage: (s) => stages.push(s),
      });
      // The semi-transparent rule runs on each strip during the CNN stage.
      expect(stages).toEqual(['cnn', 'shadows', 'write']);
      const n = r.classes!.length;
      const valid = n - r.classCounts[0]!;
      const share = (c: number): number => r.classCounts[c]! / valid;
      expect(share(3)).toBeGreaterThan(0.005);
      expect(share(4)).toBeGreaterThan(0.02);
      expect(share(4)).toBeLessThan(0.3);
      expect(r.shadow!.matched).toBeGreaterThan(0);
      // The sun is in the south-south-east (azimuth ~158 deg): each shadow pixel should have cloud
      // somewhere towards the sun, i.e. below (south) and to the right (east) of it on the grid.
      const { width: W, height: H } = r.grid;
      let towardsSun = 0;
      let shadows = 0;
      for (let y = 0; y < H; y += 3)
        for (let x = 0; x < W; x += 3) {
          if (r.classes![y * W + x] !== 4) continue;
          shadows++;
          for (let d = 1; d < 200; d++) {
            const yy = y + Math.round(d * 0.93);
            const xx = x + Math.round(d * 0.37);
            if (yy >= H || xx >= W) break;
            const c = r.classes![yy * W + xx];
            if (c === 2 || c === 3) {
              towardsSun++;
              break;
            }
          }
        }
      expect(towardsSun / shadows).toBeGreaterThan(0.8);
    });

    it('gives the same classes with the cloud rules in a worker as in place', async () => {
      const run = (rulesThread: 'main' | 'worker') =>
        predictFourClasses(product, { card, runner: onnxRunner(model, card), resolution: 20, rulesThread });
      const inPlace = await run('main');
      const offThread = await run('worker');
      expect(offThread.classCounts).toEqual(inPlace.classCounts);
      expect(Buffer.from(offThread.classes).equals(Buffer.from(inPlace.classes))).toBe(true);
      // Both rules changed something, and their own time is reported either way.
      expect(inPlace.classCounts[3]).toBeGreaterThan(0);
      for (const r of [inPlace, offThread]) {
        expect(r.timings.steps.fusion).toBeGreaterThan(0);
        expect(r.timings.steps.semi).toBeGreaterThan(0);
      }
    });

    it('stops the rules worker and rejects when the run is cancelled', async () => {
      const ac = new AbortController();
      const p = predictFourClasses(product, {
        card,
        runner: onnxRunner(model, card),
        resolution: 20,
        rulesThread: 'worker',
        signal: ac.signal,
        onProgress: (pr) => {
          if (pr.tilesDone > 0) ac.abort();
        },
      });
      await expect(p).rejects.toThrow(/cancel/i);
    });

    it('keeps the model classes alone when asked', async () => {
      const r = await predictFourClasses(product, {
        card,
        runner: onnxRunner(model, card),
        resolution: 60,
        semiTransparent: false,
        shadows: false,
      });
      expect(r.classCounts[3]).toBe(0);
      expect(r.classCounts[4]).toBe(0);
      expect(r.shadow).toBeNull();
    });
  },
);

describe('paintShadows', () => {
  it('marks exactly the clear pixels whose coarse pixel is shadow, for any window offset', () => {
    let seed = 5;
    const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (const k of [1, 2, 3]) {
      for (const win of [
        { x: 0, y: 0, width: 20, height: 14 },
        { x: 5, y: 3, width: 17, height: 11 },
        { x: 1, y: 2, width: 8, height: 1 },
      ]) {
        const sWin = {
          x: Math.floor(win.x / k),
          y: Math.floor(win.y / k),
          width: Math.ceil((win.x + win.width) / k) - Math.floor(win.x / k),
          height: Math.ceil((win.y + win.height) / k) - Math.floor(win.y / k),
        };
        const shadow = Uint8Array.from({ length: sWin.width * sWin.height }, () => (rnd() < 0.3 ? 1 : 0));
        const classes = Uint8Array.from({ length: win.width * win.height }, () => Math.floor(rnd() * 5));
        // The reference: every class pixel looks up its coarse pixel.
        const want = classes.map((c, i) => {
          const sx = Math.floor((win.x + (i % win.width)) / k) - sWin.x;
          const sy = Math.floor((win.y + Math.floor(i / win.width)) / k) - sWin.y;
          return c === 1 && shadow[sy * sWin.width + sx] ? 4 : c;
        });
        paintShadows(classes, win, shadow, sWin, k);
        expect([...classes], `k ${k} window ${JSON.stringify(win)}`).toEqual([...want]);
      }
    }
  });
});
