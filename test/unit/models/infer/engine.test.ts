import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelCard } from '../../../../electron/core/models/card.js';
import { predictProduct, type PredictOptions } from '../../../../electron/core/models/infer/engine.js';
import { ClassCogSink, KeepRasters, ProbabilityCogSink } from '../../../../electron/core/pipeline/sinks.js';
import { onnxRunner, type TileRunner } from '../../../../electron/core/models/infer/runner.js';
import { createSession, type ModelSession } from '../../../../electron/core/models/session.js';
import { destroySharedDecoder } from '../../../../electron/core/raster/jp2/index.js';
import { openProduct } from '../../../../electron/core/scene/index.js';
import { readClassRaster } from '../../../../electron/core/scene/reflectance.js';
import type { Product } from '../../../../electron/core/scene/types.js';
import { makeScene } from '../../../fixtures/make-scene.js';
import { DATA_DIR, hasTool } from '../../../helpers/env.js';
import { ensureBuiltModel } from '../../../helpers/models.js';

const tools = hasTool('opj_compress') && hasTool('gdalinfo');

/**
 * A real, exactly known network for checking the stitching: a 5 x 5 box mean of the first band
 * (receptive half-width 2) squashed to (0, 1). Tiled with margins >= 2 it must equal one run.
 */
const boxRunner: TileRunner = {
  channels: 1,
  async run(input, [n, c, h, w]) {
    const out = new Float32Array(n * h * w);
    for (let t = 0; t < n; t++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let s = 0;
          let k = 0;
          for (let dy = -2; dy <= 2; dy++)
            for (let dx = -2; dx <= 2; dx++) {
              const yy = y + dy;
              const xx = x + dx;
              if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
              s += input[((t * c + 0) * h + yy) * w + xx]!;
              k++;
            }
          out[(t * h + y) * w + x] = 1 / (1 + Math.exp(-20 * (s / k - 0.15)));
        }
    return out;
  },
};

describe.skipIf(!tools)('whole-product tiled inference', () => {
  let product: Product;
  let card: ModelCard;
  let model: ModelSession;
  const tmp = mkdtempSync(join(tmpdir(), 's2-infer-'));

  beforeAll(async () => {
    const { safePath } = await makeScene({ size: 'small', outDir: join(DATA_DIR, 'scenes'), log: () => {} });
    product = await openProduct(safePath);
    const built = await ensureBuiltModel('dl-l8s2-uv-6b');
    card = built.card;
    model = await createSession(built.file, { providers: ['cpu'], log: () => {} });
  });
  afterAll(async () => {
    await model?.session.release();
    await product?.close();
    await destroySharedDecoder();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('stitches tiles into exactly what one untiled run gives (known 5 x 5 network)', async () => {
    const window = { x: 30, y: 50, width: 300, height: 220 };
    const common = { card, runner: boxRunner, resolution: 20 as const, window };
    const whole = await predictKept(product, { ...common, tileSize: 512, margin: 8 });
    const tiled = await predictKept(product, { ...common, tileSize: 64, margin: 8 });
    expect(whole.tiles).toBe(1);
    expect(tiled.tiles).toBeGreaterThan(20);
    expect(Buffer.from(tiled.classes!).equals(Buffer.from(whole.classes!))).toBe(true);
    const a = whole.probabilities![0]!;
    const b = tiled.probabilities![0]!;
    for (let i = 0; i < a.length; i++) {
      if (Number.isNaN(a[i]!)) expect(b[i]).toBeNaN();
      else expect(b[i]).toBe(a[i]);
    }
  });

  it('stitches the same when several tiles are in flight and finish out of order', async () => {
    const window = { x: 30, y: 50, width: 300, height: 220 };
    let running = 0;
    let most = 0;
    let seed = 7;
    const shuffled: TileRunner = {
      channels: 1,
      concurrency: 3,
      async run(input, shape) {
        most = Math.max(most, ++running);
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        await new Promise((r) => setTimeout(r, seed % 7));
        const out = await boxRunner.run(input, shape);
        running--;
        return out;
      },
    };
    const common = { card, resolution: 20 as const, window, tileSize: 64, margin: 8 };
    const one = await predictKept(product, { ...common, runner: boxRunner });
    const three = await predictKept(product, { ...common, runner: shuffled });
    expect(most).toBe(3);
    expect(Buffer.from(three.classes!).equals(Buffer.from(one.classes!))).toBe(true);
    expect(three.probabilities![0]).toEqual(one.probabilities![0]);
  });

  it('DL-L8S2-UV tiled and untiled agree away from the border (no seams)', async () => {
    const window = { x: 0, y: 0, width: 400, height: 400 };
    const runner = onnxRunner(model, card);
    const base = { card, runner, resolution: 20 as const, window };
    const whole = await predictKept(product, { ...base, tileSize: 512, margin: 56 });
    const tiled = await predictKept(product, { ...base, tileSize: 160, margin: 56 });
    const withCardMargin = await predictKept(product, { ...base, tileSize: 160 });
    const a = whole.probabilities![0]!;
    let maxDiff = 0;
    let agree = 0;
    let n = 0;
    for (let y = 16; y < 384; y++)
      for (let x = 16; x < 384; x++) {
        const i = y * 400 + x;
        if (Number.isNaN(a[i]!)) continue;
        maxDiff = Math.max(maxDiff, Math.abs(a[i]! - tiled.probabilities![0]![i]!));
        agree += whole.classes![i] === withCardMargin.classes![i] ? 1 : 0;
        n++;
      }
    // A margin wider than the receptive field: the mosaic is the untiled run (float noise only).
    expect(maxDiff).toBeLessThan(1e-4);
    // The card's 16 px margin (upstream's buffer) is narrower than the receptive field: a few
    // pixels near tile edges may flip, nothing like a seam.
    expect(agree / n).toBeGreaterThan(0.995);
  });

  it('finds the clouds of the real mask the scene was drawn from, and writes a COG', async () => {
    const out = join(tmp, 'classes.tif');
    const probs = join(tmp, 'probs.tif');
    const progress: number[] = [];
    const id = { modelId: card.id, modelVersion: card.version, productId: product.metadata.productName };
    const res = await predictKept(product, {
      card,
      runner: onnxRunner(model, card),
      steps: [new ClassCogSink(out, id), new ProbabilityCogSink(probs, id)],
      onProgress: (p) => progress.push(p.tilesDone),
    });
    expect(res.resolution).toBe(20);
    expect(progress.at(-1)).toBe(res.tiles);
    // The COG sinks' time is the run's write time.
    expect(res.timings.writeSeconds).toBeGreaterThan(0);
    expect(res.timings.writeSeconds).toBe(res.timings.steps.write);
    const mask = await readClassRaster(
      product,
      product.masks.find((m) => m.kind === 'MSK_CLASSI')!,
      {
        resolution: 20,
      },
    );
    const opaque = mask.components[0]!;
    let hit = 0;
    let opaqueN = 0;
    let falseAlarm = 0;
    let clearN = 0;
    for (let i = 0; i < opaque.length; i++) {
      const c = res.classes![i]!;
      if (c === 0) continue;
      if (opaque[i]) {
        opaqueN++;
        hit += c === 2 ? 1 : 0;
      } else if (!mask.components[1]![i]) {
        clearN++;
        falseAlarm += c === 2 ? 1 : 0;
      }
    }
    expect(hit / opaqueN).toBeGreaterThan(0.8);
    expect(falseAlarm / clearN).toBeLessThan(0.2);
    expect(res.classCounts[0]).toBeGreaterThan(0); // the no-data wedge

    const info = JSON.parse(execFileSync('gdalinfo', ['-json', out], { encoding: 'utf8' })) as {
      size: number[];
      coordinateSystem: { wkt: string };
      metadata: Record<string, Record<string, string>>;
      bands: Array<{ colorTable?: { count: number } }>;
    };
    expect(info.size).toEqual([549, 549]);
    expect(info.coordinateSystem.wkt).toContain('32631');
    expect(info.metadata['']!.MODEL_ID).toBe('dl-l8s2-uv-6b');
    expect(info.metadata.IMAGE_STRUCTURE!.LAYOUT).toBe('COG');
    expect(info.bands[0]!.colorTable).toBeDefined();
    const v = execFileSync('gdallocationinfo', ['-valonly', out, '100', '200'], { encoding: 'utf8' }).trim();
    expect(Number(v)).toBe(res.classes![200 * 549 + 100]);
    expect(existsSync(probs)).toBe(true);
  });

  it('leaves nothing behind when cancelled', async () => {
    const out = join(tmp, 'cancelled.tif');
    const ac = new AbortController();
    await expect(
      predictProduct(product, {
        card,
        runner: boxRunner,
        tileSize: 64,
        margin: 8,
        steps: [new ClassCogSink(out, { modelId: card.id, modelVersion: card.version, productId: 'p' })],
        signal: ac.signal,
        onProgress: (p) => {
          if (p.tilesDone >= 3) ac.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(readdirSync(tmp).filter((f) => f.startsWith('cancelled'))).toEqual([]);
  });

  it('refuses a product the model cannot read, saying why', async () => {
    const { safePath } = await makeScene({
      size: 'small',
      level: 'L2A',
      outDir: join(DATA_DIR, 'scenes'),
      log: () => {},
    });
    const l2a = await openProduct(safePath);
    try {
      await expect(predictProduct(l2a, { card, runner: boxRunner })).rejects.toThrow(
        /accepts L1C products; .* is L2A/,
      );
      // A model reading the L2A aerosol and water-vapour layers (as KappaMask's L2A model does) runs.
      const l2aCard = {
        ...card,
        input: {
          ...card.input,
          levels: ['L2A'] as ModelCard['input']['levels'],
          bands: ['AOT', 'B02', 'WVP'] as ModelCard['input']['bands'],
        },
      };
      const r = await predictKept(l2a, { card: l2aCard, runner: boxRunner, resolution: 60 });
      expect(r.classCounts[1]! + r.classCounts[2]!).toBeGreaterThan(0);
      const anyLevel = {
        ...card,
        input: {
          ...card.input,
          levels: ['L1C', 'L2A'] as ModelCard['input']['levels'],
          bands: [...card.input.bands, 'B10' as const],
        },
      };
      await expect(predictProduct(l2a, { card: anyLevel, runner: boxRunner })).rejects.toThrow(
        /needs band B10.*L2A products have no B10/,
      );
    } finally {
      await l2a.close();
    }
  });
});

describe.skipIf(!tools)('memory guard', () => {
  it('refuses to start when the estimate exceeds the limit, and says what to change', async () => {
    const { safePath } = await makeScene({ size: 'small', outDir: join(DATA_DIR, 'scenes'), log: () => {} });
    const product = await openProduct(safePath);
    const { card } = await ensureBuiltModel('dl-l8s2-uv-6b');
    try {
      await expect(
        predictProduct(product, { card, runner: boxRunner, resolution: 10, maxMemoryBytes: 256 * 2 ** 20 }),
      ).rejects.toThrow(/needs about \d+\.\d GB, above the 0\.3 GB allowed: use smaller tiles/);
    } finally {
      await product.close();
    }
  });
});

/** A run whose classes and probabilities are kept in memory (a KeepRasters step after the others). */
async function predictKept(
  p: Product,
  opts: PredictOptions,
): Promise<
  Awaited<ReturnType<typeof predictProduct>> & { classes: Uint8Array; probabilities: Float32Array[] }
> {
  const keep = new KeepRasters(true);
  const r = await predictProduct(p, { ...opts, steps: [...(opts.steps ?? []), keep] });
  return { ...r, classes: keep.classes, probabilities: keep.probabilities! };
}
