import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { predict, predictRaw } from '../../../../electron/core/models/lightgbm/evaluate.js';
import { parseLightgbmModel, readLightgbmModel } from '../../../../electron/core/models/lightgbm/parse.js';
import { S2Error } from '../../../../electron/core/errors.js';
import { decisionType, modelText, randomTree, rng, type TestModel } from '../../../helpers/lightgbm-model.js';

const dir = mkdtempSync(join(tmpdir(), 'lgbm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** A small file's Buffer is a view into a shared pool: copy out exactly its bytes. */
const f64 = (b: Buffer): Float64Array =>
  new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
const REF = join(import.meta.dirname, '../../../helpers/lightgbm_ref.py');

/** Thresholds from a small set, so inputs can hit them exactly (the <= edge). */
const GRID = [-0.5, -1e-36, 0, 1e-36, 0.05, 0.1, 0.25, 0.3333333333333333, 0.5, 0.75, 1.2];

/** Several trees mixing every numerical decision type, plus a single-leaf tree. */
function mixedModel(numFeatures: number, trees: number, seed: number): TestModel {
  const random = rng(seed);
  const all: TestModel['trees'] = [];
  for (let k = 0; k < trees; k++) {
    all.push(
      randomTree(2 + Math.floor(random() * 30), numFeatures, random, {
        thresholds: () => GRID[Math.floor(random() * GRID.length)]!,
        decision: () => decisionType(random() < 0.5, Math.floor(random() * 3) as 0 | 1 | 2),
      }),
    );
    if (k === 3)
      all.push({
        splitFeature: [],
        threshold: [],
        decisionType: [],
        leftChild: [],
        rightChild: [],
        leafValue: [0.125],
      });
  }
  return { numFeatures, trees: all, objective: 'binary sigmoid:1.5' };
}

/** Inputs with NaN, zeros (both signs), tiny values, exact thresholds and ordinary values. */
function inputs(count: number, numFeatures: number, seed: number): Float32Array {
  const random = rng(seed);
  const x = new Float32Array(count * numFeatures); // pixel-major
  for (let i = 0; i < x.length; i++) {
    const r = random();
    x[i] =
      r < 0.1 ? NaN
      : r < 0.18 ? 0
      : r < 0.2 ? -0
      : r < 0.3 ? GRID[Math.floor(random() * GRID.length)]!
      : r < 0.32 ? (random() < 0.5 ? 1e-36 : -1e-36)
      : random() * 1.6 - 0.4; // prettier-ignore
  }
  return x;
}

function featureMajor(x: Float32Array, count: number, F: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let p = 0; p < count; p++) for (let f = 0; f < F; f++) out[f * count + p] = x[p * F + f]!;
  return out;
}

function reference(
  modelFile: string,
  x: Float32Array,
  count: number,
): { raw: Float64Array; prob: Float64Array } {
  const inFile = join(dir, `in-${count}.f32`);
  const outFile = join(dir, `out-${count}.f64`);
  writeFileSync(inFile, x);
  const r = spawnSync('python3', [REF, modelFile, inFile, String(count), outFile], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lightgbm_ref.py failed: ${r.stderr}`);
  const all = f64(readFileSync(outFile));
  return { raw: all.subarray(0, count), prob: all.subarray(count) };
}

describe('LightGBM text model evaluator', () => {
  it('agrees with the independent numpy evaluator on mixed trees, NaN, zeros and exact thresholds', async () => {
    const F = 10;
    const count = 20_000;
    const file = join(dir, 'mixed.txt');
    writeFileSync(file, modelText(mixedModel(F, 40, 7)));
    const model = await readLightgbmModel(file);
    expect(model.numTrees).toBe(41);
    expect(model.sigmoid).toBe(1.5);
    // Every decision type appears.
    const kinds = new Set<string>();
    for (let j = 0; j < model.missingType.length; j++)
      kinds.add(`${model.missingType[j]}/${model.defaultLeft[j]}`);
    expect([...kinds].sort()).toEqual(['0/0', '0/1', '1/0', '1/1', '2/0', '2/1']);

    const x = inputs(count, F, 11);
    const ref = reference(file, x, count);
    const block = { data: featureMajor(x, count, F), count, stride: count, features: F };
    const raw = predictRaw(model, block);
    const prob = predict(model, block);
    let maxRaw = 0;
    let maxProb = 0;
    for (let p = 0; p < count; p++) {
      maxRaw = Math.max(maxRaw, Math.abs(raw[p]! - ref.raw[p]!));
      maxProb = Math.max(maxProb, Math.abs(prob[p]! - ref.prob[p]!));
    }
    console.log(
      `LightGBM TS vs numpy over ${count} pixels: max |raw diff| ${maxRaw}, max |prob diff| ${maxProb}`,
    );
    expect(maxRaw).toBeLessThan(1e-9);
    expect(maxProb).toBeLessThan(1e-6);
  });

  it('reads a block at an offset and stride (one tile of an NCHW batch)', () => {
    const F = 3;
    const model = parseLightgbmModel(modelText(mixedModel(F, 5, 3)), 'm.txt');
    const x = featureMajor(inputs(50, F, 5), 50, F);
    const whole = predict(model, { data: x, count: 50, stride: 50, features: F });
    // The same 50 pixels embedded in a wider layout: offset 7, stride 64.
    const wide = new Float32Array(7 + 64 * F).fill(99);
    for (let f = 0; f < F; f++) wide.set(x.subarray(f * 50, f * 50 + 50), 7 + f * 64);
    expect(predict(model, { data: wide, count: 50, stride: 64, offset: 7, features: F })).toEqual(whole);
  });

  it('follows NumericalDecision on hand-made cases', () => {
    // One split per tree on feature 0 at threshold 0.5, leaves -1 (left) and +1 (right).
    const split = (dt: number): TestModel['trees'][number] => ({
      splitFeature: [0], threshold: [0.5], decisionType: [dt], leftChild: [-1], rightChild: [-2], leafValue: [-1, 1],
    }); // prettier-ignore
    const score = (dt: number, v: number): number => {
      const m = parseLightgbmModel(
        modelText({ numFeatures: 1, trees: [split(dt)], objective: 'regression' }),
        'x',
      );
      return predictRaw(m, { data: Float32Array.of(v), count: 1, stride: 1, features: 1 })[0]!;
    };
    // None: NaN -> 0 -> left; 0.5 <= 0.5 left; above right; default direction ignored.
    expect(score(decisionType(false, 0), NaN)).toBe(-1);
    expect(score(decisionType(false, 0), 0.5)).toBe(-1);
    expect(score(decisionType(true, 0), 0.75)).toBe(1);
    // Zero: 0 (and NaN, which becomes 0) goes the default way.
    expect(score(decisionType(false, 1), 0)).toBe(1);
    expect(score(decisionType(false, 1), NaN)).toBe(1);
    expect(score(decisionType(true, 1), 0)).toBe(-1);
    expect(score(decisionType(false, 1), 0.25)).toBe(-1);
    // NaN: NaN goes the default way, 0 is an ordinary value.
    expect(score(decisionType(false, 2), NaN)).toBe(1);
    expect(score(decisionType(true, 2), NaN)).toBe(-1);
    expect(score(decisionType(false, 2), 0)).toBe(-1);
    // Regression objective: no sigmoid.
    const m = parseLightgbmModel(
      modelText({ numFeatures: 1, trees: [split(0)], objective: 'regression' }),
      'x',
    );
    expect(m.sigmoid).toBeNull();
  });

  it('refuses categorical splits in words naming the file', () => {
    const t = mixedModel(4, 2, 1);
    t.trees[1]!.decisionType[0] = 1; // categorical bit
    expect(() => parseLightgbmModel(modelText(t), '/models/cat.txt')).toThrow(
      /\/models\/cat\.txt: .*Tree=1 .*categorical split/,
    );
    const u = mixedModel(4, 2, 1);
    u.trees[0]!.numCat = 1;
    let err: unknown;
    try {
      parseLightgbmModel(modelText(u), '/models/cat2.txt');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(S2Error);
    expect((err as S2Error).code).toBe('BAD_MODEL');
    expect((err as S2Error).message).toMatch(/cat2\.txt.*Tree=0.*categorical splits \(num_cat=1\)/);
  });

  it('says what is wrong with files that are not LightGBM models', () => {
    const ok = modelText(mixedModel(3, 2, 2));
    expect(() => parseLightgbmModel('{"not": "a model"}', 'a.json')).toThrow(
      /a\.json: .*first line must be "tree"/,
    );
    expect(() => parseLightgbmModel(ok.slice(0, ok.indexOf('end of trees')), 'b.txt')).toThrow(
      /b\.txt: .*end of trees/,
    );
    expect(() => parseLightgbmModel(ok.replace('num_class=1', 'num_class=3'), 'c.txt')).toThrow(
      /num_class is 3/,
    );
    expect(() => parseLightgbmModel(ok.replace(/split_feature=\d+/, 'split_feature=9'), 'd.txt')).toThrow(
      /split_feature 9 is outside 0\.\.2/,
    );
    expect(() => parseLightgbmModel(ok.replace(/leaf_value=\S+ /, 'leaf_value='), 'e.txt')).toThrow(
      /leaf_value has \d+ values, expected/,
    );
  });
});
