import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTeachCommand, TEACH_USAGE } from '../../electron/cli/teach.js';
import { seededRandom, writeLabelsGpkg, type Label } from '../../electron/core/labels/index.js';
import { fitLogisticToward } from '../../electron/core/masks/fusion/fit.js';
import { readRasterBand } from '../../electron/core/masks/raster-io.js';
import { loadCard } from '../../electron/core/models/card-load.js';
import { installedModel, runModel } from '../../electron/core/pipeline/run-model.js';
import { teach } from '../../electron/core/teach/index.js';
import { DATA_DIR, ROOT, SHARED_DATA } from '../helpers/env.js';

describe('fitLogisticToward', () => {
  const prior = { mean: [0, 0], std: [1, 1], weights: [1, -0.5], bias: 0.2 };
  const rand = seededRandom(3);
  const n = 400;
  const x = Float64Array.from({ length: 2 * n }, () => rand() * 4 - 2);
  // Truth: weights (2, 1), bias -1.
  const y = Uint8Array.from({ length: n }, (_, i) =>
    rand() < 1 / (1 + Math.exp(-(2 * x[2 * i]! + x[2 * i + 1]! - 1))) ? 1 : 0,
  );

  it('returns the prior without samples or with an infinite prior', () => {
    const none = fitLogisticToward({ x: new Float64Array(0), y: new Uint8Array(0), k: 2 }, prior, 10);
    expect([...none.weights, none.bias]).toEqual([1, -0.5, 0.2]);
    const inf = fitLogisticToward({ x, y, k: 2 }, prior, Infinity);
    expect([...inf.weights, inf.bias]).toEqual([1, -0.5, 0.2]);
  });

  it('moves from the prior toward the data as the prior weakens, and stays finite on one class', () => {
    const dist = (w: number[], b: number, t: number[]): number =>
      Math.hypot(w[0]! - t[0]!, w[1]! - t[1]!, b - t[2]!);
    const strong = fitLogisticToward({ x, y, k: 2 }, prior, 1e5);
    const weak = fitLogisticToward({ x, y, k: 2 }, prior, 1e-3);
    expect(dist(strong.weights, strong.bias, [1, -0.5, 0.2])).toBeLessThan(0.01);
    expect(dist(weak.weights, weak.bias, [2, 1, -1])).toBeLessThan(0.5);
    // Ten samples all cloud: separable, yet the prior keeps every coefficient finite and near.
    const ten = fitLogisticToward({ x: x.slice(0, 20), y: new Uint8Array(10).fill(1), k: 2 }, prior, 10);
    expect(dist(ten.weights, ten.bias, [1, -0.5, 0.2])).toBeLessThan(1);
  });
});

const CASE = join(SHARED_DATA, 'labelled-landsat5');
const BASE = 'dl-l8s2-uv-6b';

/** `count` labelled reference pixels of the left half as points at their centres. */
async function leftHalfPoints(count: number, seed: number): Promise<{ labels: Label[]; epsg: number }> {
  const band = await readRasterBand(join(CASE, 'reference_10m.tif'));
  const { width } = band.grid;
  const pool: number[] = [];
  band.values.forEach((v, i) => {
    if (v !== 0 && i % width < width / 2) pool.push(i);
  });
  const rand = seededRandom(seed);
  const [ox, pw, , oy, , ph] = band.grid.transform;
  const labels = Array.from({ length: count }, (): Label => {
    const i = pool[Math.floor(rand() * pool.length)]!;
    return {
      geometry: {
        type: 'Point',
        coordinates: [ox + ((i % width) + 0.5) * pw, oy + (Math.floor(i / width) + 0.5) * ph],
      },
      cls: band.values[i] as 1 | 2 | 4,
    };
  });
  return { labels, epsg: band.grid.epsg };
}

describe('teach on a real labelled case', () => {
  let models = '';
  let work = '';
  const saved = process.env.S2_MODELS_DIR;
  const present = existsSync(CASE);
  const safe = present
    ? join(
        CASE,
        readdirSync(CASE).find((f) => f.endsWith('.SAFE'))!,
      )
    : '';
  const cacheDir = join(DATA_DIR, 'teach-cache');

  beforeAll(async () => {
    models = await mkdtemp(join(tmpdir(), 's2teach-models-'));
    work = await mkdtemp(join(tmpdir(), 's2teach-'));
    await cp(join(ROOT, 'native-models', BASE), join(models, BASE), { recursive: true });
    process.env.S2_MODELS_DIR = models;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.S2_MODELS_DIR;
    else process.env.S2_MODELS_DIR = saved;
    await rm(models, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('writes <default>-taught-<name> that validates, records its fit and runs with predict --model', async (ctx) => {
    if (!present) ctx.skip(`${CASE} is missing (../shared/data not present)`);
    const file = join(work, 'l5.gpkg');
    await writeLabelsGpkg(file, await leftHalfPoints(120, 7));
    const r = await teach({
      product: safe,
      labels: file,
      name: 'Mine',
      resolution: 10,
      root: models,
      cacheDir,
    });
    expect(r.id).toBe(`${BASE}-taught-mine`);
    expect(r.labels.used).toBeGreaterThan(100);
    expect(r.labels.heldOut).toBe(Math.round(r.labels.used / 4));
    expect(r.before.pixels).toBe(r.labels.pixelsHeldOut);
    expect(r.seconds.refit).toBeLessThan(5);
    const card = await loadCard(r.cardFile!);
    expect(card.id).toBe(r.id);
    expect(card.fusion!.provenance).toMatchObject({
      command: 'teach',
      taughtFrom: BASE,
      labels: 'l5.gpkg',
      accepted: r.accepted,
    });
    expect(card.fusion!.weights).toEqual(r.model.weights);
    expect(card.notes[0]).toMatch(/^Taught from dl-l8s2-uv-6b on \d+ labels/);
    // The network file sits beside the card, so the model is installed like a shipped one.
    const { onnx } = await installedModel(r.id);
    expect(onnx).toBe(join(models, r.id, 'dl-l8s2-uv-6b.onnx'));
    const run = await runModel({
      product: safe,
      modelId: r.id,
      resolution: 10,
      classesOut: join(work, 'taught.tif'),
    });
    expect(run.modelId).toBe(r.id);
    expect(run.classCounts[2]).toBeGreaterThan(0);
    // Nothing is overwritten: the same name is refused in words, and the card is unchanged.
    const before = await readFile(r.cardFile!, 'utf8');
    await expect(
      teach({ product: safe, labels: file, name: 'mine', resolution: 10, root: models, cacheDir }),
    ).rejects.toThrow(/A model "dl-l8s2-uv-6b-taught-mine" already exists .*nothing was overwritten/);
    expect(await readFile(r.cardFile!, 'utf8')).toBe(before);
  });

  it('ten labels of one class cannot wreck the decision', async (ctx) => {
    if (!present) ctx.skip(`${CASE} is missing (../shared/data not present)`);
    const { labels, epsg } = await leftHalfPoints(400, 11);
    const file = join(work, 'ten-clear.gpkg');
    // Ten "clear" labels placed on cloud: the worst a hurried user could give.
    await writeLabelsGpkg(file, {
      epsg,
      labels: labels
        .filter((l) => l.cls === 2)
        .slice(0, 10)
        .map((l) => ({ ...l, cls: 1 })),
    });
    const r = await teach({
      product: safe,
      labels: file,
      name: 'ten',
      resolution: 10,
      root: models,
      cacheDir,
      write: false,
    });
    const card = await loadCard(join(models, BASE, 'model.json'));
    const moved = r.refit.weights.map((w, i) => Math.abs(w - card.fusion!.weights[i]!));
    expect(Math.max(...moved, Math.abs(r.refit.bias - card.fusion!.bias))).toBeLessThan(1.5);
    // Held-out "clear" labels on cloud: a refit that calls fewer of them cloud is "better" on them,
    // and that is all the check can see; what is written is still a bounded step from the default.
    expect(r.labels.used).toBe(10);
  });

  it('s2cloud teach prints the before/after table and the new id, and refuses bad input in words', async (ctx) => {
    if (!present) ctx.skip(`${CASE} is missing (../shared/data not present)`);
    const file = join(work, 'cli.geojson');
    const { labels, epsg } = await leftHalfPoints(40, 5);
    const names = ['ignore', 'clear', 'cloud', 'semi-transparent', 'shadow'];
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${epsg}` } },
        features: labels.map((l) => ({
          type: 'Feature',
          properties: { class: names[l.cls] },
          geometry: l.geometry,
        })),
      }),
    );
    let out = '';
    let err = '';
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } };
    expect(await runTeachCommand([safe, '--labels', file, '--name', 'cli', '--resolution', '10'], io)).toBe(
      0,
    );
    expect(out).toMatch(/held-out labels\s+before\s+after/);
    expect(out).toMatch(/accuracy \(cloud vs not\)\s+0\.\d{3}\s+0\.\d{3}/);
    expect(out).toMatch(/model: dl-l8s2-uv-6b-taught-cli\n/);
    expect(await runTeachCommand([safe, '--name', 'x'], io)).toBe(2);
    expect(err).toMatch(/--labels FILE/);
    expect(await runTeachCommand([safe, '--labels', file, '--resolution', '15'], io)).toBe(2);
    await expect(runTeachCommand([safe, '--labels', file, '--name', 'bad/name'], io)).rejects.toThrow(
      /"bad\/name" cannot name a taught model/,
    );
    expect(TEACH_USAGE).toMatch(/^teach <product> --labels/);
  });
});
