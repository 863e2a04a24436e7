/**
 * s2cloudless end to end on the labelled L1C product (baseline 05.10, RADIO_ADD_OFFSET -1000): `s2cloud predict --model s2cloudless` with a model
 * written here (the real one cannot be fetched), installed into a models folder of the test's
 * own. Each tree of the model is one split on one feature with a leaf of 2^k / 2048 on its right,
 * so the probability's logit spells out, bit by bit, which band was above its threshold: the
 * feature order and the reflectance offsets can be read back from the output, pixel by pixel.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fromFile } from 'geotiff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S2_BANDS } from '../../../../electron/core/models/card.js';
import { destroySharedDecoder } from '../../../../electron/core/raster/jp2/index.js';
import { openProduct } from '../../../../electron/core/scene/index.js';
import { readReflectance } from '../../../../electron/core/scene/reflectance.js';
import { runCli } from '../../../helpers/cli.js';
import { hasTool, ROOT, SHARED_DATA } from '../../../helpers/env.js';
import { decisionType, modelText, type TestModel } from '../../../helpers/lightgbm-model.js';

const SAFE = join(
  SHARED_DATA,
  'labelled-landsat7/S2B_MSIL1C_20240305T104819_N0510_R051_T31TCJ_20240305T125347.SAFE',
);
const TEN = ['B01', 'B02', 'B04', 'B05', 'B08', 'B8A', 'B09', 'B10', 'B11', 'B12'] as const;

/** One tree per feature: right of threshold[k] adds 2^k / 2048 to the raw score. */
function bitModel(thresholds: number[]): TestModel {
  return {
    numFeatures: thresholds.length,
    trees: thresholds.map((t, k) => ({
      splitFeature: [k],
      threshold: [t],
      decisionType: [decisionType(k % 2 === 0, 0)],
      leftChild: [-1],
      rightChild: [-2],
      leafValue: [0, 2 ** k / 2048],
    })),
  };
}

/** The bits back from a probability: round(logit(p) * 2048). */
const bitsOf = (p: number): number => Math.round(Math.log(p / (1 - p)) * 2048);

async function readTif(file: string): Promise<{ width: number; height: number; data: ArrayLike<number> }> {
  const tiff = await fromFile(file);
  const image = await tiff.getImage();
  const [data] = (await image.readRasters()) as unknown as ArrayLike<number>[];
  return { width: image.getWidth(), height: image.getHeight(), data: data! };
}

interface Bands {
  refl: Map<string, Float32Array>;
  medians: Map<string, number>;
  valid: Uint8Array;
}

/** Reflectance of all thirteen bands on a grid, which pixels have them all, and per-band medians. */
async function readBands(resolution: 20 | 60): Promise<Bands> {
  const product = await openProduct(SAFE);
  let refl: Map<string, Float32Array>;
  try {
    const stack = await readReflectance(product, { bands: [...S2_BANDS], resolution });
    refl = new Map(stack.bands.map((b, i) => [b, stack.data[i]!]));
  } finally {
    await product.close();
  }
  const n = refl.get('B01')!.length;
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) valid[i] = S2_BANDS.every((b) => !Number.isNaN(refl.get(b)![i]!)) ? 1 : 0;
  const medians = new Map(
    S2_BANDS.map((b) => {
      const v = refl
        .get(b)!
        .filter((_, i) => valid[i] === 1)
        .sort();
      return [b, v[v.length >> 1]!];
    }),
  );
  return { refl, medians, valid };
}

/** Pixels whose decoded bits disagree with (band > threshold), plus counts; classes must be 0/1/2. */
function check(
  bands: Bands,
  order: readonly string[],
  thresholds: number[],
  prob: ArrayLike<number>,
  classes: ArrayLike<number>,
): { wrong: number; checked: number; set: number } {
  let checked = 0;
  let wrong = 0;
  let set = 0;
  for (let i = 0; i < bands.valid.length; i++) {
    const c = classes[i]!;
    if (c !== 0 && c !== 1 && c !== 2) wrong++;
    if (!bands.valid[i]) {
      if (c !== 0 || !Number.isNaN(prob[i]!)) wrong++;
      continue;
    }
    if (c === 0) wrong++;
    const bits = bitsOf(prob[i]!);
    order.forEach((b, k) => {
      const above = bands.refl.get(b)![i]! > thresholds[k]! ? 1 : 0;
      if (((bits >> k) & 1) !== above) wrong++;
      set += above;
    });
    checked++;
  }
  return { wrong, checked, set };
}

describe.skipIf(!hasTool('gdalinfo') || !hasTool('gdallocationinfo'))(
  's2cloudless end to end (labelled L1C product)',
  () => {
    const tmp = mkdtempSync(join(tmpdir(), 's2cloudless-'));
    const models = join(tmp, 'models');
    const saved = process.env.S2_MODELS_DIR;
    let at20: Bands;
    let at60: Bands;

    beforeAll(async () => {
      mkdirSync(join(models, 'build'), { recursive: true });
      cpSync(join(ROOT, 'native-models/s2cloudless'), join(models, 's2cloudless'), { recursive: true });
      process.env.S2_MODELS_DIR = models;
      at20 = await readBands(20);
      at60 = await readBands(60);
    });
    afterAll(async () => {
      if (saved === undefined) delete process.env.S2_MODELS_DIR;
      else process.env.S2_MODELS_DIR = saved;
      rmSync(tmp, { recursive: true, force: true });
      await destroySharedDecoder();
    });

    it('says how to install the model before it is installed', async () => {
      const r = await runCli(['predict', SAFE, '--model', 's2cloudless', '--out', join(tmp, 'none.tif')]);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/"s2cloudless" is not installed .*npm run models -- install s2cloudless <file>/);
    });

    it('feeds the ten bands in s2cloudless order at 20 m, as reflectance, and writes valid COGs on the grid', async () => {
      const thresholds = TEN.map((b) => at20.medians.get(b)!);
      writeFileSync(join(models, 'build', 's2cloudless.txt'), modelText(bitModel(thresholds)));
      const out = join(tmp, 'ten.tif');
      const r = await runCli([
        'predict',
        SAFE,
        '--model',
        's2cloudless',
        '--resolution',
        '20',
        '--out',
        out,
        '--probabilities',
      ]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/s2cloudless at 20 m, 252 x 252 px/);
      const j = JSON.parse(execFileSync('gdalinfo', ['-json', out], { encoding: 'utf8' })) as {
        size: number[];
        geoTransform: number[];
        bands: { type: string }[];
        metadata: Record<string, Record<string, string>>;
      };
      expect(j.size).toEqual([252, 252]);
      expect(j.geoTransform).toEqual([300000, 20, 0, 4900020, 0, -20]);
      expect(j.bands[0]!.type).toBe('Byte');
      expect(j.metadata['']).toMatchObject({
        S2CLOUDLESS_AVERAGE_OVER: '11',
        S2CLOUDLESS_DILATION_SIZE: '6',
      });
      const prob = await readTif(join(tmp, 'ten_probabilities.tif'));
      const classes = await readTif(out);
      const c = check(at20, TEN, thresholds, prob.data, classes.data);
      expect(c.checked).toBeGreaterThan(50_000);
      expect(c.set).toBeGreaterThan(c.checked); // the thresholds cut through every band
      expect(c.wrong).toBe(0);
    }, 300_000);

    it('takes all thirteen bands in ESA order for a 13-feature model at 60 m, with RADIO_ADD_OFFSET (B01 against GDAL)', async () => {
      const thresholds = S2_BANDS.map((b) => at60.medians.get(b)!);
      writeFileSync(join(models, 'build', 's2cloudless.txt'), modelText(bitModel(thresholds)));
      const out = join(tmp, 'thirteen.tif');
      const r = await runCli(['predict', SAFE, '--model', 's2cloudless', '--out', out, '--probabilities']);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/s2cloudless at 60 m, 84 x 84 px/);
      const prob = await readTif(join(tmp, 'thirteen_probabilities.tif'));
      const classes = await readTif(out);
      const c = check(at60, S2_BANDS, thresholds, prob.data, classes.data);
      expect(c.checked).toBeGreaterThan(5000);
      expect(c.wrong).toBe(0);
      // B01 is native 60 m: its reflectance is (DN - 1000) / 10000 with the DN GDAL reads.
      const jp2 = execFileSync('sh', ['-c', `ls "${SAFE}"/GRANULE/*/IMG_DATA/*_B01.jp2`], {
        encoding: 'utf8',
      }).trim();
      let n = 0;
      for (let i = 0; i < at60.valid.length && n < 12; i += 611) {
        if (!at60.valid[i]) continue;
        const args = ['-valonly', jp2, String(i % 84), String(Math.floor(i / 84))];
        const dn = Number(execFileSync('gdallocationinfo', args, { encoding: 'utf8' }));
        const refl = Math.fround((dn - 1000) / 10000);
        expect(refl).toBe(at60.refl.get('B01')![i]);
        expect(bitsOf(prob.data[i]!) & 1).toBe(refl > thresholds[0]! ? 1 : 0);
        n++;
      }
      expect(n).toBeGreaterThan(5);
    }, 300_000);

    it('runs in a batch (no ONNX session), classes and probabilities per product', async () => {
      writeFileSync(
        join(models, 'build', 's2cloudless.txt'),
        modelText(bitModel(TEN.map((b) => at60.medians.get(b)!))),
      );
      const out = join(tmp, 'batch');
      const r = await runCli([
        'batch',
        dirname(SAFE),
        '--out',
        out,
        '--model',
        's2cloudless',
        '--probabilities',
        '--no-metrics',
      ]);
      expect(r.code, `${r.out}\n${r.err}`).toBe(0);
      const tifs = readdirSync(out, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.tif'));
      expect(tifs.some((f) => /s2cloudless_60m\.tif$/.test(f))).toBe(true);
      expect(tifs.some((f) => /s2cloudless_60m_probabilities\.tif$/.test(f))).toBe(true);
    }, 300_000);
  },
);
