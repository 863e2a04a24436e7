/**
 * Proof of teaching on the real labelled cases (issue 16, point 6):
 *
 *   node --import tsx scripts/teach-proof.ts [--data DIR] [--resolutions 10,20] [--seeds N]
 *
 * For each case (../shared/data/labelled-*), resolution and starting model: sample labelled
 * points (seeded) from the LEFT half of the 10 m reference, write them as a label GeoPackage,
 * teach, and score the RIGHT half (every labelled pixel there, never seen by the fit) before and
 * after. Two starting models:
 *   - shipped: the default card's fused decision. It was fitted on both cases, this one included,
 *     so it has seen this scene: the hard case for teaching to add anything.
 *   - left-out: the same fit on the other case only (what a user's new scene is to the default).
 * Seed 1 is also scored through the whole four-class pipeline (runModel with the taught card):
 * clear / cloud / shadow F1 and overall accuracy. Every seed is scored on the cloud decision
 * alone (fuseClouds, the same code): cloud F1 and cloud-vs-not accuracy, with 300 labels and with
 * 10. The CNN probability is cached under .data/teach-cache.
 */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeLabelsGpkg, seededRandom, type Label } from '../electron/core/labels/index.js';
import { findLabelledCases, fitFusion, type CaseData } from '../electron/core/masks/fusion/labelled.js';
import { fuseClouds, type FusionModel } from '../electron/core/masks/fusion/model.js';
import { readRasterBand } from '../electron/core/masks/raster-io.js';
import { loadModelCard } from '../electron/core/models/catalog.js';
import { runModel } from '../electron/core/pipeline/run-model.js';
import { destroySharedDecoder } from '../electron/core/raster/jp2/index.js';
import type { Resolution } from '../electron/core/scene/types.js';
import { suggestPlaces } from '../electron/core/suggest/index.js';
import { loadTeachInputs, teach, writeTaughtCard, type TeachInputs } from '../electron/core/teach/index.js';
import { FIT_SETTINGS } from '../native-models/fit-fusion.js';

const ROOT = resolve(import.meta.dirname, '..');
const BASE = 'dl-l8s2-uv-6b';

interface Reference {
  values: Uint8Array;
  width: number;
  height: number;
  transform: number[];
}

interface Case {
  name: string;
  safe: string;
  ref: Reference;
  inputs: Map<Resolution, TeachInputs>;
}

/** Majority class (1..4) of each scale x scale block of the reference, as fit-fusion labels it. */
function majority(ref: Reference, w: number, h: number, scale: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const counts = new Uint32Array(5);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      counts.fill(0);
      for (let dy = 0; dy < scale; dy++)
        for (let dx = 0; dx < scale; dx++)
          counts[ref.values[(y * scale + dy) * ref.width + x * scale + dx]!]!++;
      let best = 1;
      for (let v = 2; v < 5; v++) if (counts[v]! > counts[best]!) best = v;
      out[y * w + x] = counts[best]! > 0 && counts[0]! * 2 <= scale * scale ? best : 0;
    }
  return out;
}

/** The default's fit (same settings as fit-fusion) on one case's inputs only. */
function leftOutPrior(other: Case, res: Resolution): FusionModel {
  const t = other.inputs.get(res)!;
  const scale = res / 10;
  const data: CaseData = {
    case: other.name,
    resolution: res,
    grid: t.grid,
    inputs: t.inputs,
    labels: majority(other.ref, t.grid.width, t.grid.height, scale),
    reference: other.ref.values,
    referenceWidth: other.ref.width,
    scale,
  };
  return fitFusion([data], FIT_SETTINGS);
}

/** `count` labelled reference pixels of the left half, as points at their centres. */
function samplePoints(ref: Reference, count: number, seed: number): Label[] {
  const half = Math.floor(ref.width / 2);
  const pool: number[] = [];
  for (let i = 0; i < ref.values.length; i++) if (ref.values[i] !== 0 && i % ref.width < half) pool.push(i);
  const rand = seededRandom(seed);
  for (let i = 0; i < count; i++) {
    const k = i + Math.floor(rand() * (pool.length - i));
    [pool[i], pool[k]] = [pool[k]!, pool[i]!];
  }
  const [ox, pw, , oy, , ph] = ref.transform as [number, number, number, number, number, number];
  return pool.slice(0, count).map((i) => ({
    geometry: {
      type: 'Point',
      coordinates: [ox + ((i % ref.width) + 0.5) * pw, oy + (Math.floor(i / ref.width) + 0.5) * ph],
    },
    cls: ref.values[i] as 1 | 2 | 4,
    author: 'teach-proof',
  }));
}

interface BinaryScore {
  f1: number;
  accuracy: number;
}

/** Cloud F1 and cloud-vs-not accuracy of a working-grid cloud map on the right half. */
function scoreRight(ref: Reference, cloud: (i: number) => boolean, gw: number, scale: number): BinaryScore {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const half = Math.floor(ref.width / 2);
  for (let y = 0; y < ref.height; y++)
    for (let x = half; x < ref.width; x++) {
      const r = ref.values[y * ref.width + x]!;
      if (r === 0) continue;
      const p = cloud(Math.floor(y / scale) * gw + Math.floor(x / scale));
      if (p && r === 2) tp++;
      else if (p) fp++;
      else if (r === 2) fn++;
      else tn++;
    }
  return {
    f1: (2 * tp) / Math.max(1, 2 * tp + fp + fn),
    accuracy: (tp + tn) / Math.max(1, tp + fp + fn + tn),
  };
}

function fusedCloudMap(t: TeachInputs, model: FusionModel): Uint8Array {
  const classes = Uint8Array.from(t.inputs.probability, (p) => (Number.isNaN(p) ? 0 : p > 0.5 ? 2 : 1));
  fuseClouds(classes, t.inputs, model);
  return classes;
}

interface FourClass {
  oa: number;
  clear: number;
  cloud: number;
  shadow: number;
}

/** Clear / cloud (incl. semi-transparent) / shadow F1 and accuracy of a class raster, right half. */
function scoreFourClass(ref: Reference, classes: Uint8Array, gw: number, scale: number): FourClass {
  const m = Array.from({ length: 5 }, () => new Array<number>(5).fill(0)); // [truth][pred]
  const half = Math.floor(ref.width / 2);
  for (let y = 0; y < ref.height; y++)
    for (let x = half; x < ref.width; x++) {
      const r = ref.values[y * ref.width + x]!;
      if (r === 0) continue;
      let p = classes[Math.floor(y / scale) * gw + Math.floor(x / scale)]!;
      if (p === 3) p = 2;
      m[r]![p]!++;
    }
  const f1 = (c: number): number => {
    const tp = m[c]![c]!;
    const fp = [0, 1, 2, 3, 4].reduce((a, r) => a + (r === c ? 0 : m[r]![c]!), 0);
    const fn = [0, 1, 2, 3, 4].reduce((a, p) => a + (p === c ? 0 : m[c]![p]!), 0);
    return (2 * tp) / Math.max(1, 2 * tp + fp + fn);
  };
  const total = m.flat().reduce((a, b) => a + b, 0);
  return {
    oa: (m[1]![1]! + m[2]![2]! + m[4]![4]!) / Math.max(1, total),
    clear: f1(1),
    cloud: f1(2),
    shadow: f1(4),
  };
}

/**
 * Half-width of the 95 % interval of the right half's cloud F1 by a block bootstrap (32 x 32
 * reference pixels: neighbouring pixels are not independent evidence).
 */
function f1Noise(
  ref: Reference,
  cloud: (i: number) => boolean,
  gw: number,
  scale: number,
  seed: number,
): number {
  const B = 32;
  const half = Math.floor(ref.width / 2);
  const cells = new Map<number, [number, number, number]>();
  for (let y = 0; y < ref.height; y++)
    for (let x = half; x < ref.width; x++) {
      const r = ref.values[y * ref.width + x]!;
      if (r === 0) continue;
      const key = Math.floor(y / B) * 1000 + Math.floor(x / B);
      const c = cells.get(key) ?? [0, 0, 0];
      const p = cloud(Math.floor(y / scale) * gw + Math.floor(x / scale));
      if (p && r === 2) c[0]++;
      else if (p) c[1]++;
      else if (r === 2) c[2]++;
      cells.set(key, c);
    }
  const list = [...cells.values()];
  const rand = seededRandom(seed);
  const f1s: number[] = [];
  for (let k = 0; k < 500; k++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let j = 0; j < list.length; j++) {
      const c = list[Math.floor(rand() * list.length)]!;
      tp += c[0];
      fp += c[1];
      fn += c[2];
    }
    f1s.push((2 * tp) / Math.max(1, 2 * tp + fp + fn));
  }
  f1s.sort((a, b) => a - b);
  return (f1s[487]! - f1s[12]!) / 2;
}

const f3 = (x: number): string => x.toFixed(3);
const sgn = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: resolve(ROOT, '../shared/data') },
      resolutions: { type: 'string', default: '10,20' },
      seeds: { type: 'string', default: '10' },
      points: { type: 'string', default: '300' },
    },
  });
  const resolutions = values.resolutions.split(',').map(Number) as Resolution[];
  const seeds = Number(values.seeds);
  const points = Number(values.points);
  const found = findLabelledCases(values.data);
  if (found.length < 2)
    throw new Error(`${values.data}: needs the two labelled cases (labelled-*), found ${found.length}`);
  const models = await mkdtemp(join(tmpdir(), 's2teach-models-'));
  const work = await mkdtemp(join(tmpdir(), 's2teach-proof-'));
  await cp(join(ROOT, 'native-models', BASE), join(models, BASE), { recursive: true });
  process.env.S2_MODELS_DIR = models;
  const card = await loadModelCard(BASE, { root: models });
  const cacheDir = join(ROOT, '.data', 'teach-cache');
  try {
    const cases: Case[] = [];
    for (const c of found) {
      const band = await readRasterBand(c.reference);
      const ref = {
        values: Uint8Array.from(band.values as ArrayLike<number>),
        width: band.grid.width,
        height: band.grid.height,
        transform: [...band.grid.transform],
      };
      const inputs = new Map<Resolution, TeachInputs>();
      for (const res of resolutions) {
        const t = await loadTeachInputs({ product: c.safe, card, resolution: res, cacheDir });
        console.error(
          `${c.name} ${res} m: CNN ${t.cached ? 'cached' : `${t.seconds.cnn.toFixed(1)} s`}, bands ${t.seconds.bands.toFixed(1)} s`,
        );
        inputs.set(res, t);
      }
      cases.push({ name: c.name, safe: c.safe, ref, inputs });
    }

    const pipelineRows: string[] = [];
    const seedRows: string[] = [];
    const refitSeconds: number[] = [];
    let n = 0;
    for (const c of cases) {
      const other = cases.find((o) => o !== c)!;
      for (const res of resolutions) {
        const t = c.inputs.get(res)!;
        const scale = res / 10;
        const priors: [string, FusionModel][] = [
          ['shipped', card.fusion!],
          [`left-out (fit on ${other.name})`, leftOutPrior(other, res)],
        ];
        for (const [priorName, prior] of priors) {
          const beforeMap = fusedCloudMap(t, prior);
          const before = scoreRight(c.ref, (i) => beforeMap[i] === 2, t.grid.width, scale);
          const noise = f1Noise(c.ref, (i) => beforeMap[i] === 2, t.grid.width, scale, 1);
          for (const count of [points, 10]) {
            const deltas: number[] = [];
            const accDeltas: number[] = [];
            const candDeltas: number[] = [];
            let kept = 0;
            for (let seed = 1; seed <= seeds; seed++) {
              const file = join(work, `labels-${n++}.gpkg`);
              await writeLabelsGpkg(file, { epsg: t.grid.epsg, labels: samplePoints(c.ref, count, seed) });
              const r = await teach({
                product: c.safe,
                labels: file,
                name: `proof-${n}`,
                root: models,
                inputs: t,
                prior,
                seed,
                write: seed === 1 && count === points,
              });
              refitSeconds.push(r.seconds.refit);
              const afterMap = fusedCloudMap(t, r.model);
              const after = scoreRight(c.ref, (i) => afterMap[i] === 2, t.grid.width, scale);
              // What the refit would have done unguarded (always kept).
              const candMap = fusedCloudMap(t, r.refit);
              candDeltas.push(scoreRight(c.ref, (i) => candMap[i] === 2, t.grid.width, scale).f1 - before.f1);
              deltas.push(after.f1 - before.f1);
              accDeltas.push(after.accuracy - before.accuracy);
              if (r.accepted && r.lambda !== Infinity) kept++;
              if (seed === 1 && count === points) {
                // The whole pipeline with the taught card, against the same pipeline with the prior's.
                const priorCard =
                  priorName === 'shipped'
                    ? BASE
                    : (
                        await writeTaughtCard({
                          base: card,
                          id: `${BASE}-taught-loo-${c.name}-${res}`,
                          fusion: prior,
                          note: 'left-out prior (teach-proof)',
                          root: models,
                        }).then(() => ({ id: `${BASE}-taught-loo-${c.name}-${res}` }))
                      ).id;
                const run = async (modelId: string): Promise<FourClass> => {
                  const out = await runModel({
                    product: c.safe,
                    modelId,
                    resolution: res,
                    classesOut: join(work, `${modelId}-${res}.tif`),
                    keepClasses: true,
                  });
                  return scoreFourClass(c.ref, out.classes!, t.grid.width, scale);
                };
                const b = await run(priorCard);
                const a = await run(r.id);
                pipelineRows.push(
                  `| ${c.name} | ${res} m | ${priorName} | ${r.labels.heldOut} | ${f3(r.before.accuracy)} → ${f3(r.after.accuracy)} | ${r.verdict.startsWith('Refit kept') ? 'kept' : r.lambda === Infinity ? 'default (CV)' : 'rejected'} (λ ${r.lambda}) | ` +
                    `${f3(b.cloud)} → ${f3(a.cloud)} | ${f3(b.shadow)} → ${f3(a.shadow)} | ${f3(b.clear)} → ${f3(a.clear)} | ${f3(b.oa)} → ${f3(a.oa)} |`,
                );
              }
            }
            const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
            seedRows.push(
              `| ${c.name} | ${res} m | ${priorName} | ${count} | ${f3(before.f1)} ± ${f3(noise)} | ${sgn(mean(deltas))} | ${sgn(Math.min(...deltas))} | ${sgn(Math.max(...deltas))} | ${f3(before.accuracy)} | ${sgn(mean(accDeltas))} | ${sgn(Math.min(...accDeltas))} | ${kept}/${seeds} | ${sgn(mean(candDeltas))} / ${sgn(Math.min(...candDeltas))} |`,
            );
            console.error(seedRows.at(-1));
          }
        }
      }
    }
    // Active learning: are the suggested places where the mask is wrong, and do they teach more?
    const suggestRows: string[] = [];
    for (const c of cases)
      for (const res of resolutions) {
        const t = c.inputs.get(res)!;
        const scale = res / 10;
        const W = c.ref.width;
        const half = Math.floor(W / 2);
        const beforeMap = fusedCloudMap(t, card.fusion!);
        const refAt = (col: number, row: number): number =>
          (row * scale + Math.floor(scale / 2)) * W + col * scale + Math.floor(scale / 2);
        let n = 0;
        let wrong = 0;
        for (let i = 0; i < c.ref.values.length; i++) {
          const r = c.ref.values[i]!;
          if (r === 0) continue;
          n++;
          const p =
            beforeMap[Math.floor(Math.floor(i / W) / scale) * t.grid.width + Math.floor((i % W) / scale)] ===
            2;
          if (p !== (r === 2)) wrong++;
        }
        // The product's own mask is left out: MSK_CLASSI of these cases was rebuilt from the labels.
        const sug = await suggestPlaces({
          product: c.safe,
          modelId: BASE,
          resolution: res,
          count: 120,
          inputs: t,
          productMask: false,
          root: models,
        });
        const labelledSug = sug.suggestions.filter((x) => c.ref.values[refAt(x.col, x.row)] !== 0);
        const sugWrong = labelledSug.filter(
          (x) => (c.ref.values[refAt(x.col, x.row)] === 2 ? 1 : 0) !== x.mask,
        ).length;

        const sugLabels: Label[] = labelledSug
          .filter((x) => x.col * scale < half)
          .slice(0, 50)
          .map((x) => ({
            geometry: { type: 'Point', coordinates: [x.x, x.y] },
            cls: c.ref.values[refAt(x.col, x.row)] as 1 | 2 | 4,
          }));

        const before = scoreRight(c.ref, (i) => beforeMap[i] === 2, t.grid.width, scale);
        const teachOn = async (labels: Label[], seed: number): Promise<number> => {
          const file = join(work, `labels-${n++}-s.gpkg`);
          await writeLabelsGpkg(file, { epsg: t.grid.epsg, labels });
          const r = await teach({
            product: c.safe,
            labels: file,
            name: 'x',
            root: models,
            inputs: t,
            seed,
            write: false,
          });
          const m = fusedCloudMap(t, r.model);
          return scoreRight(c.ref, (i) => m[i] === 2, t.grid.width, scale).f1 - before.f1;
        };
        const dSug = await teachOn(sugLabels, 1);
        const dRand: number[] = [];
        for (let seed = 1; seed <= 5; seed++)
          dRand.push(await teachOn(samplePoints(c.ref, sugLabels.length, seed), seed));
        suggestRows.push(
          `| ${c.name} | ${res} m | ${((100 * wrong) / n).toFixed(1)} % | ${labelledSug.length} | ${((100 * sugWrong) / labelledSug.length).toFixed(1)} % | ${sugLabels.length} | ${sgn(dSug)} | ${sgn(dRand.reduce((a, b) => a + b, 0) / dRand.length)} (${sgn(Math.min(...dRand))} .. ${sgn(Math.max(...dRand))}) |`,
        );
        console.error(suggestRows.at(-1));
      }
    console.log('\n### Suggestions (shipped model, Fmask compared, product mask left out)\n');
    console.log(
      '| case | res | mask wrong, whole scene (labelled px) | suggested places on labels | mask wrong there | suggested labels in the left half | right-half ΔF1 taught on them | ΔF1 taught on as many random left-half labels (5 seeds: mean, range) |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    suggestRows.forEach((r) => console.log(r));
    console.log(
      `\n### Whole pipeline, seed 1: ${points} points from the left half, right half scored (every labelled pixel)\n`,
    );
    console.log(
      '| case | res | starting model | held-out labels | held-out acc. before → after | refit | cloud F1 | shadow F1 | clear F1 | OA |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    pipelineRows.forEach((r) => console.log(r));
    console.log(
      `\n### Cloud decision over ${seeds} seeds: right half, change after teaching (after − before)\n`,
    );
    console.log(
      '| case | res | starting model | labels | cloud F1 before (± 95 % block bootstrap) | ΔF1 mean | ΔF1 min | ΔF1 max | accuracy before | Δacc mean | Δacc min | refits kept | unguarded refit ΔF1 mean / min |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    seedRows.forEach((r) => console.log(r));
    refitSeconds.sort((a, b) => a - b);
    console.log(
      `\nRefit (labels read and placed, samples, cross-validation, fit, held-out scoring, bootstrap; CNN excluded): median ${(1000 * refitSeconds[Math.floor(refitSeconds.length / 2)]!).toFixed(0)} ms, max ${(1000 * refitSeconds.at(-1)!).toFixed(0)} ms over ${refitSeconds.length} refits.`,
    );
    console.log(
      `Taught cards written under ${models}: ${(await readdir(models)).filter((d) => d.includes('taught')).length}`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(models, { recursive: true, force: true });
    await destroySharedDecoder();
  }
}

await main();
