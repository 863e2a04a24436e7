/**
 * Quicklooks of the default mask over the real labelled cases and the clear crop, for the eye
 * (.data/quality/*.png, git-ignored: the labelled data may not enter the repository): `node --import tsx test/bench/quality-quicklooks.ts [outDir]`.
 * True colour with the classes tinted (cloud cyan, semi-transparent light blue, shadow purple),
 * the same colours as the application.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findLabelledCases } from '../../electron/core/masks/fusion/labelled.js';
import { runModel } from '../../electron/core/pipeline/run-model.js';
import { wrapClearCrop } from '../fixtures/clear-crop.js';
import { DATA_DIR, SHARED_DATA } from '../helpers/env.js';

const out = resolve(process.argv[2] ?? join(DATA_DIR, 'quality'));
const tmp = await mkdtemp(join(tmpdir(), 's2-ql-'));
const products = [
  ...findLabelledCases(SHARED_DATA).map((c) => ({ name: c.name, safe: c.safe })),
  { name: 'clear-T31TDH', safe: await wrapClearCrop(join(DATA_DIR, 'scenes')) },
];
try {
  for (const p of products)
    for (const res of [10, 20] as const) {
      const r = await runModel({
        product: p.safe,
        resolution: res,
        classesOut: join(tmp, `${p.name}_${res}.tif`),
        quicklookOut: join(out, `${p.name}_${res}m.png`),
        quicklookMaxSize: 504,
      });
      const pc = (x: number): string => `${(100 * x).toFixed(1)} %`;
      console.log(
        `${p.name} ${res} m: cloud ${pc(r.shares.cloud)}, semi-transparent ${pc(r.shares.semiTransparent)}, shadow ${pc(r.shares.shadow)} -> ${r.quicklookOut}`,
      );
    }
} finally {
  await rm(tmp, { recursive: true, force: true });
}
process.exit(0);
