/**
 * The int8 copy of the default model, calibrated on the real labelled cases
 * (`npm run models -- quantize`). Calibration tiles are the exact network inputs the pipeline
 * builds for each case (block-averaged reflectance at 10 m and 20 m, reflect-padded 512 px tiles
 * with their margins): runModel runs the float model through a session that records what it is
 * fed. Fitting ranges is fitting, so the quality figures use one case's ranges on the other.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { sha256Bytes, writeFileAtomic } from '../electron/core/models/files.js';
import { quantizeModel } from '../electron/core/models/quantize/index.js';
import type {
  CalibrationMethod,
  CalibrationTile,
  QuantizeResult,
} from '../electron/core/models/quantize/index.js';
import { createSession } from '../electron/core/models/session.js';
import type { ModelSession } from '../electron/core/models/session.js';
import { DEFAULT_MODEL, installedModel, runModel } from '../electron/core/pipeline/run-model.js';
import type { Resolution } from '../electron/core/scene/types.js';

export interface LabelledCase {
  name: string;
  safe: string;
  reference: string;
}

/** Every `labelled-*` case under `dataDir` with a SAFE and its reference_10m.tif, by name. */
export function labelledCases(dataDir: string): LabelledCase[] {
  if (!existsSync(dataDir)) return [];
  return readdirSync(dataDir)
    .filter((d) => d.startsWith('labelled-'))
    .sort()
    .flatMap((d) => {
      const dir = join(dataDir, d);
      const safe = readdirSync(dir).find((f) => f.endsWith('.SAFE'));
      const reference = join(dir, 'reference_10m.tif');
      return safe && existsSync(reference)
        ? [{ name: d.slice('labelled-'.length), safe: join(dir, safe), reference }]
        : [];
    });
}

/** A session over the same model that keeps a copy of every input it runs (the engine reuses buffers). */
function recordingSession(model: ModelSession, into: CalibrationTile[]): ModelSession {
  const session = new Proxy(model.session, {
    get(target, prop, receiver): unknown {
      if (prop !== 'run') return Reflect.get(target, prop, receiver) as unknown;
      return async (feeds: ort.InferenceSession.FeedsType): Promise<ort.InferenceSession.ReturnType> => {
        for (const t of Object.values(feeds)) {
          if (t.data instanceof Float32Array && t.dims.length === 4) {
            const [n = 0, c = 0, h = 0, w = 0] = t.dims;
            into.push({ data: t.data.slice(), dims: [n, c, h, w] });
          }
        }
        return target.run(feeds);
      };
    },
  });
  return { ...model, session };
}

/** The default model's network inputs for one labelled case at each working resolution. */
export async function calibrationTiles(
  c: LabelledCase,
  resolutions: readonly Resolution[] = [10, 20],
  modelId = DEFAULT_MODEL,
): Promise<CalibrationTile[]> {
  const { onnx } = await installedModel(modelId);
  const model = await createSession(onnx, { providers: ['cpu'], log: () => {} });
  const tiles: CalibrationTile[] = [];
  const tmp = await mkdtemp(join(tmpdir(), 's2-calibrate-'));
  try {
    for (const resolution of resolutions) {
      await runModel({
        product: c.safe,
        modelId,
        resolution,
        cloudOnly: true,
        coarsening: 'average',
        classesOut: join(tmp, `${c.name}_${resolution}.tif`),
        session: recordingSession(model, tiles),
      });
    }
  } finally {
    await model.session.release();
    await rm(tmp, { recursive: true, force: true });
  }
  return tiles;
}

export interface Int8Build {
  file: string;
  sha256: string;
  bytes: number;
  result: QuantizeResult;
}

export interface Int8Options {
  method?: CalibrationMethod;
  weightBits?: 7 | 8;
  weightType?: 'int8' | 'uint8';
  rewriteConvTranspose?: boolean;
  rangeMargin?: number;
}

/**
 * Quantises the default model's shipped ONNX with ranges from `cases` and writes it atomically
 * to `out`; the metadata names the cases, so a file says what it was calibrated on.
 */
export async function buildInt8(
  cases: readonly LabelledCase[],
  out: string,
  options: Int8Options = {},
  modelId = DEFAULT_MODEL,
): Promise<Int8Build> {
  const { onnx } = await installedModel(modelId);
  const fp32 = await readFile(onnx);
  const tiles: CalibrationTile[] = [];
  for (const c of cases) tiles.push(...(await calibrationTiles(c, [10, 20], modelId)));
  const result = await quantizeModel(fp32, tiles, {
    ...options,
    metadata: {
      card_id: `${modelId}-int8`,
      float_sha256: sha256Bytes(fp32),
      calibration: `${cases.map((c) => c.name).join(', ')}: ${tiles.length} tiles at 10 m and 20 m (exact block averages)`,
    },
  });
  await writeFileAtomic(out, result.bytes);
  return { file: out, sha256: sha256Bytes(result.bytes), bytes: result.bytes.length, result };
}
