/**
 * `npm run models -- fit-fusion [--data DIR] [--card ID] [--write]`: fits the fused cloud decision
 * (electron/core/masks/fusion) on every real labelled case under DIR (default ../shared/data),
 * prints the leave-one-case-out table (CNN alone vs fused, at 10 m and 20 m), and with --write
 * stores the model fitted on all cases, with its provenance, in the card's `fusion` field.
 * Deterministic: the same data gives the same weights.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../electron/core/atomic-write.js';
import { S2Error } from '../electron/core/errors.js';
import { FUSION_FEATURES } from '../electron/core/masks/fusion/features.js';
import {
  findLabelledCases,
  fitFusion,
  leaveOneOut,
  loadCaseData,
  type CaseData,
  type FitSettings,
} from '../electron/core/masks/fusion/labelled.js';
import { loadCard } from '../electron/core/models/card-load.js';
import { onnxRunner } from '../electron/core/models/infer/runner.js';
import { installedModel } from '../electron/core/pipeline/run-model.js';
import { createSession } from '../electron/core/models/session.js';
import type { Resolution } from '../electron/core/scene/types.js';

/**
 * The settings recorded in the card. l2 1e-2 on standardised features keeps the weights small;
 * gate 0.4 within a 13 x 13 window: see electron/core/masks/fusion/model.ts (the clear-scene check).
 */
export const FIT_SETTINGS: FitSettings = {
  features: FUSION_FEATURES,
  l2: 1e-2,
  threshold: 0.5,
  gate: 0.4,
  gateRadius: 6,
};
const RESOLUTIONS: readonly Resolution[] = [10, 20];

const f3 = (x: number): string => x.toFixed(3);

export async function fitFusionCommand(
  modelsDir: string,
  dataDir: string,
  cardId: string,
  write: boolean,
): Promise<number> {
  const cases = findLabelledCases(dataDir);
  if (cases.length < 2) {
    throw new S2Error(
      'NOT_FOUND',
      `fit-fusion needs at least two labelled cases (labelled-*/) in ${dataDir}; found ${cases.length}.`,
    );
  }
  const { card, onnx } = await installedModel(cardId);
  const model = await createSession(onnx, { providers: ['cpu'], log: () => {} });
  const runner = onnxRunner(model, card);
  const data: CaseData[] = [];
  for (const c of cases) for (const r of RESOLUTIONS) data.push(await loadCaseData(c, r, card, runner));
  await model.session.release();

  console.log(
    `fit-fusion: ${cases.map((c) => c.name).join(', ')} at ${RESOLUTIONS.join(' and ')} m; features ${FIT_SETTINGS.features.join(' ')}`,
  );
  console.log('held out    res   CNN F1  (P / R)              fused F1  (P / R)');
  const loo = leaveOneOut(data, FIT_SETTINGS);
  for (const r of loo) {
    console.log(
      `${r.held.padEnd(10)} ${String(r.resolution).padStart(3)} m  ${f3(r.cnn.f1)}  (${f3(r.cnn.precision)} / ${f3(r.cnn.recall)})   ${f3(r.fused.f1)}  (${f3(r.fused.precision)} / ${f3(r.fused.recall)})`,
    );
  }
  const wins = loo.filter((r) => r.fused.f1 > r.cnn.f1).length;
  const fusion = fitFusion(data, FIT_SETTINGS);
  fusion.provenance = {
    command: 'npm run models -- fit-fusion',
    cases: cases.map((c) => `labelled-${c.name}`),
    resolutions: RESOLUTIONS,
    inputs:
      'CNN probability of this card on block-averaged inputs; bands B02 B03 B04 B08 B12 (real in every case)',
    labels: 'reference_10m.tif: cloud (2) vs clear (1) and shadow (4); majority per working pixel',
    l2: FIT_SETTINGS.l2,
    samples: data.reduce((a, d) => a + d.labels.filter((v) => v !== 0).length, 0),
    leaveOneOut: loo.map((r) => ({
      held: r.held,
      resolution: r.resolution,
      cnnF1: Number(f3(r.cnn.f1)),
      fusedF1: Number(f3(r.fused.f1)),
    })),
  };
  console.log(
    `weights (standardised): ${fusion.features.map((f, i) => `${f} ${fusion.weights[i]!.toFixed(3)}`).join(', ')}; bias ${fusion.bias.toFixed(3)}`,
  );
  console.log(`the fusion beats the CNN alone on ${wins} of ${loo.length} held-out case/resolution pairs`);
  if (wins < loo.length)
    console.log(
      'not every held-out pair improves: keep the CNN alone where it does not (see the card notes)',
    );
  if (write) {
    const file = join(modelsDir, cardId, 'model.json');
    const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    const round = (xs: number[]): number[] => xs.map((x) => Number(x.toPrecision(6)));
    json.fusion = {
      ...fusion,
      mean: round(fusion.mean),
      std: round(fusion.std),
      weights: round(fusion.weights),
      bias: Number(fusion.bias.toPrecision(6)),
    };
    await writeFileAtomic(file, JSON.stringify(json, null, 2) + '\n');
    await loadCard(file); // the card must still validate
    console.log(`wrote the fusion into ${file}`);
  }
  return 0;
}
