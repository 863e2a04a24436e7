/**
 * The real labelled cases (`<data>/labelled-*`: an L1C SAFE and `reference_10m.tif`, classes
 * 1 clear, 2 cloud, 4 shadow) turned into training samples for the fused cloud decision, and the
 * leave-one-case-out evaluation that decides whether the fusion is worth having.
 *
 * Only the six real bands of those cases (B02 B03 B04 B08 B11 B12) and the CNN output enter the
 * features; the other bands there are synthesised.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { S2Error } from '../../errors.js';
import type { ModelCard } from '../../models/card.js';
import { KeepRasters } from '../../pipeline/sinks.js';
import { predictProduct } from '../../models/infer/engine.js';
import type { TileRunner } from '../../models/infer/runner.js';
import type { Grid } from '../../raster/grid.js';
import { openProduct } from '../../scene/index.js';
import { readReflectance } from '../../scene/reflectance.js';
import type { Resolution } from '../../scene/types.js';
import { readRasterBand } from '../raster-io.js';
import { computeFeatures, FUSION_BANDS, type FusionFeature, type FusionInputs } from './features.js';
import { fitLogistic, concatSamples, type Samples } from './fit.js';
import { fuseClouds, type FusionModel } from './model.js';

export interface LabelledCase {
  name: string;
  safe: string;
  reference: string;
}

/** Every `labelled-*` folder of `dataDir` holding one .SAFE and a reference_10m.tif. */
export function findLabelledCases(dataDir: string): LabelledCase[] {
  if (!existsSync(dataDir)) return [];
  const cases: LabelledCase[] = [];
  for (const name of readdirSync(dataDir).sort()) {
    if (!name.startsWith('labelled-')) continue;
    const dir = join(dataDir, name);
    const safe = readdirSync(dir).find((f) => f.endsWith('.SAFE'));
    const reference = join(dir, 'reference_10m.tif');
    if (safe && existsSync(reference))
      cases.push({ name: name.slice('labelled-'.length), safe: join(dir, safe), reference });
  }
  return cases;
}

/** One case at one working resolution: the inputs of the fusion, the CNN's probability, the labels. */
export interface CaseData {
  case: string;
  resolution: Resolution;
  grid: Grid;
  inputs: FusionInputs;
  /** Reference on the working grid (majority of the 10 m labels in each pixel; 0 none). */
  labels: Uint8Array;
  /** Reference at 10 m and the scale factor working / reference pixel. */
  reference: Uint8Array;
  referenceWidth: number;
  scale: number;
}

/** Runs the CNN (block-averaged inputs) and reads the fusion's bands and the reference. */
export async function loadCaseData(
  c: LabelledCase,
  resolution: Resolution,
  card: ModelCard,
  runner: TileRunner,
): Promise<CaseData> {
  const product = await openProduct(c.safe);
  try {
    const keep = new KeepRasters(true);
    const cnn = await predictProduct(product, {
      card,
      runner,
      resolution,
      coarsening: 'average',
      steps: [keep],
    });
    const { grid } = cnn;
    const bands = await readReflectance(product, { bands: FUSION_BANDS, resolution, coarsening: 'average' });
    const [blue, green, red, nir, swir2] = bands.data as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const ref = await readRasterBand(c.reference);
    const scale = resolution / ref.grid.transform[1];
    const [ox, , , oy] = ref.grid.transform;
    if (
      ref.grid.epsg !== grid.epsg ||
      !Number.isInteger(scale) ||
      ox !== grid.transform[0] ||
      oy !== grid.transform[3] ||
      ref.grid.width < grid.width * scale ||
      ref.grid.height < grid.height * scale
    ) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${c.reference}: the reference must lie on the product's 10 m grid (EPSG ${grid.epsg}, origin ${grid.transform[0]}, ${grid.transform[3]}).`,
        { file: c.reference },
      );
    }
    const reference = Uint8Array.from(ref.values as ArrayLike<number>);
    return {
      case: c.name,
      resolution,
      grid,
      inputs: {
        width: grid.width,
        height: grid.height,
        probability: keep.probabilities![0]!,
        blue,
        green,
        red,
        nir,
        swir2,
      },
      labels: majority(reference, ref.grid.width, grid.width, grid.height, scale),
      reference,
      referenceWidth: ref.grid.width,
      scale,
    };
  } finally {
    await product.close();
  }
}

/** Majority class (1..4) of each scale x scale block; 0 where most of the block has no label. */
function majority(
  ref: Uint8Array,
  refWidth: number,
  width: number,
  height: number,
  scale: number,
): Uint8Array {
  const out = new Uint8Array(width * height);
  const counts = new Uint32Array(5);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      counts.fill(0);
      for (let dy = 0; dy < scale; dy++)
        for (let dx = 0; dx < scale; dx++) counts[ref[(y * scale + dy) * refWidth + x * scale + dx]!]!++;
      let best = 1;
      for (let v = 2; v < 5; v++) if (counts[v]! > counts[best]!) best = v;
      out[y * width + x] = counts[best]! > 0 && counts[0]! * 2 <= scale * scale ? best : 0;
    }
  return out;
}

/** Feature rows of every labelled pixel with complete features; label 1 = cloud. */
export function caseSamples(d: CaseData, features: readonly FusionFeature[]): Samples {
  const feats = computeFeatures(d.inputs, features);
  const k = features.length;
  const rows: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < d.labels.length; i++) {
    if (d.labels[i] === 0) continue;
    let ok = true;
    for (let f = 0; f < k; f++) if (!Number.isFinite(feats[f]![i]!)) ok = false;
    if (!ok) continue;
    for (let f = 0; f < k; f++) rows.push(feats[f]![i]!);
    ys.push(d.labels[i] === 2 ? 1 : 0);
  }
  return { x: Float64Array.from(rows), y: Uint8Array.from(ys), k };
}

export interface BinaryScore {
  f1: number;
  precision: number;
  recall: number;
}

/** Cloud F1 of a working-grid cloud decision against the 10 m reference (nearest upsampling). */
export function scoreCloud(d: CaseData, cloud: (i: number) => boolean): BinaryScore {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const W = d.referenceWidth;
  for (let y = 0; y < d.grid.height * d.scale; y++)
    for (let x = 0; x < d.grid.width * d.scale; x++) {
      const r = d.reference[y * W + x]!;
      if (r === 0) continue;
      const p = cloud(Math.floor(y / d.scale) * d.grid.width + Math.floor(x / d.scale));
      if (p && r === 2) tp++;
      else if (p) fp++;
      else if (r === 2) fn++;
    }
  return {
    f1: (2 * tp) / Math.max(1, 2 * tp + fp + fn),
    precision: tp / Math.max(1, tp + fp),
    recall: tp / Math.max(1, tp + fn),
  };
}

export interface FitSettings {
  features: readonly FusionFeature[];
  l2: number;
  threshold: number;
  gate: number;
  gateRadius: number;
}

/** Fits the fusion on some cases' data (all their resolutions pooled). */
export function fitFusion(data: readonly CaseData[], s: FitSettings): FusionModel {
  const fit = fitLogistic(concatSamples(data.map((d) => caseSamples(d, s.features))), s.l2);
  return {
    features: [...s.features],
    mean: fit.mean,
    std: fit.std,
    weights: fit.weights,
    bias: fit.bias,
    threshold: s.threshold,
    gate: s.gate,
    gateRadius: s.gateRadius,
  };
}

/** The CNN's own classes on a case: 2 above 0.5, 1 below, 0 without a probability. */
function cnnClasses(probability: Float32Array): Uint8Array {
  return Uint8Array.from(probability, (p) => (Number.isNaN(p) ? 0 : p > 0.5 ? 2 : 1));
}

/** The fused decision of every pixel of a case, by the same code the pipeline runs. */
export function fusedCloud(d: CaseData, model: FusionModel): (i: number) => boolean {
  const classes = cnnClasses(d.inputs.probability);
  fuseClouds(classes, d.inputs, model);
  return (i) => classes[i] === 2;
}

export interface LooRow {
  held: string;
  resolution: Resolution;
  cnn: BinaryScore;
  fused: BinaryScore;
}

/** Leave one case out: fit on the others, score on the held case at each resolution. */
export function leaveOneOut(data: readonly CaseData[], s: FitSettings): LooRow[] {
  const names = [...new Set(data.map((d) => d.case))];
  const rows: LooRow[] = [];
  for (const held of names) {
    const train = data.filter((d) => d.case !== held);
    if (train.length === 0) continue;
    const model = fitFusion(train, s);
    for (const d of data.filter((x) => x.case === held)) {
      rows.push({
        held,
        resolution: d.resolution,
        cnn: scoreCloud(d, (i) => d.inputs.probability[i]! > 0.5),
        fused: scoreCloud(d, fusedCloud(d, model)),
      });
    }
  }
  return rows;
}
