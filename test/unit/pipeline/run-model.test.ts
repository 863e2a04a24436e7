import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S2Error } from '../../../electron/core/errors.js';
import { classesFileName, runModel, type RunProgress } from '../../../electron/core/pipeline/run-model.js';
import { destroySharedDecoder } from '../../../electron/core/raster/jp2/index.js';
import { hasTool } from '../../helpers/env.js';
import { ensureBuiltModel } from '../../helpers/models.js';
import { smallScenes } from '../batch/fixtures.js';

describe.skipIf(!hasTool('opj_compress'))('runModel', () => {
  let l1c: string;
  const tmp = mkdtempSync(join(tmpdir(), 's2-run-model-'));
  beforeAll(async () => {
    ({ l1c } = await smallScenes());
    await ensureBuiltModel('dl-l8s2-uv-6b');
  });
  afterAll(async () => {
    rmSync(tmp, { recursive: true, force: true });
    await destroySharedDecoder();
  });

  it('writes the class COG under the default name, the probabilities and a quicklook, with progress to 1', async () => {
    const progress: RunProgress[] = [];
    const r = await runModel({
      product: l1c,
      resolution: 60,
      outDir: join(tmp, 'a'),
      probabilities: true,
      quicklookOut: join(tmp, 'a', 'ql.png'),
      keepClasses: true,
      onProgress: (p) => progress.push(p),
    });
    expect(r.classesOut).toBe(join(tmp, 'a', classesFileName(r.productName, 'dl-l8s2-uv-6b', 60)));
    expect(r.probabilitiesOut).toBe(r.classesOut.replace(/\.tif$/, '_probabilities.tif'));
    for (const f of [r.classesOut, r.probabilitiesOut!, r.quicklookOut!]) expect(existsSync(f)).toBe(true);
    expect(readFileSync(r.quicklookOut!).subarray(1, 4).toString()).toBe('PNG');
    expect(r.grid.width).toBe(183);
    expect(r.classes).toHaveLength(183 * 183);
    expect(r.provider).toBe('cpu');
    expect(r.level).toBe('L1C');
    const s = r.shares;
    expect(s.clear + s.cloud + s.semiTransparent + s.shadow).toBeCloseTo(1, 6);
    expect(s.cloud).toBeGreaterThan(0);
    // Progress: never back, through the four-class stages, ending at 1.
    const fractions = progress.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(progress.map((p) => p.stage)).toEqual(expect.arrayContaining(['open', 'cnn', 'shadows', 'write']));
    expect(progress.at(-1)).toMatchObject({ stage: 'done', fraction: 1, etaSeconds: 0 });
    // Nothing but the outputs in the folder (no temporary files left).
    expect(readdirSync(join(tmp, 'a')).sort()).toHaveLength(3);
  });

  it('cloud-only keeps the model classes alone (no semi-transparent or shadow class)', async () => {
    const r = await runModel({
      product: l1c,
      resolution: 60,
      cloudOnly: true,
      classesOut: join(tmp, 'c.tif'),
    });
    expect(r.classCounts[3]).toBe(0);
    expect(r.classCounts[4]).toBe(0);
    expect(r.timings.shadowSeconds).toBeUndefined();
  });

  it('refuses a model that is not there and leaves no file when cancelled', async () => {
    await expect(runModel({ product: l1c, modelId: 'no-such-model' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/No model "no-such-model"/),
    });
    const ac = new AbortController();
    const out = join(tmp, 'cancelled', 'x.tif');
    const p = runModel({
      product: l1c,
      resolution: 60,
      classesOut: out,
      signal: ac.signal,
      onProgress: (pr) => {
        if (pr.stage === 'cnn') ac.abort();
      },
    });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S2Error);
    expect((err as S2Error).code).toBe('CANCELLED');
    expect(existsSync(join(tmp, 'cancelled')) ? readdirSync(join(tmp, 'cancelled')) : []).toEqual([]);
  });
});
