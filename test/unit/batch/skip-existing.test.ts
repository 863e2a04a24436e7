/**
 * "Skip existing" and resume trust only complete outputs (issue 12): a class COG cut short (as a
 * full disk or a kill left it before this fix) is made again, a complete one is skipped.
 */
import { rmSync, statSync, truncateSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchRun, JOURNAL_NAME, planBatch, type BatchOptions } from '../../../electron/core/batch/index.js';
import { checkTiff } from '../../../electron/core/outputs/index.js';
import { destroySharedDecoder } from '../../../electron/core/raster/jp2/index.js';
import { hasTool } from '../../helpers/env.js';
import { ensureBuiltModel } from '../../helpers/models.js';
import { batchFolder } from './fixtures.js';

describe.skipIf(!hasTool('opj_compress'))('skip existing checks the outputs are whole', () => {
  const tmp = mkdtempSync(join(tmpdir(), 's2-skip-'));
  let opts: BatchOptions;
  beforeAll(async () => {
    const folder = await batchFolder(['only'], false);
    opts = { folder, outDir: join(tmp, 'out'), resolution: 60, jobs: 1, outputs: { metrics: false } };
    await ensureBuiltModel('dl-l8s2-uv-6b');
  });
  afterAll(async () => {
    rmSync(tmp, { recursive: true, force: true });
    await destroySharedDecoder();
  });

  it('remakes a truncated class COG (with and without a journal), skips a whole one', async () => {
    const first = await new BatchRun(opts).start();
    const outputs = first.scenes[0]!.outputs!;
    expect(first.scenes[0]!.status).toBe('done');
    const cut = (): void => truncateSync(outputs.classes!, statSync(outputs.classes!).size - 500);

    cut();
    const resumed = await planBatch(opts);
    expect(resumed.scenes[0]!.status).toBe('pending');
    expect(resumed.scenes[0]!.reason).toMatch(
      /completed in an earlier run, but .*_60m\.tif .*past the end.*processed again/,
    );
    const second = await new BatchRun(opts).start();
    expect(second.scenes[0]!.status).toBe('done');
    expect((await checkTiff(outputs.classes!, { width: 183, height: 183 })).ok).toBe(true);

    rmSync(join(opts.outDir, JOURNAL_NAME));
    expect((await planBatch(opts)).scenes[0]!.status).toBe('skipped');
    cut();
    const noJournal = await planBatch(opts);
    expect(noJournal.scenes[0]!.status).toBe('pending');
    expect(noJournal.scenes[0]!.reason).toMatch(/past the end .*processed again/);
    rmSync(outputs.quicklook!);
    expect((await planBatch(opts)).scenes[0]!.status).toBe('pending');
  });
});
