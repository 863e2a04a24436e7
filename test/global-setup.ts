import { existsSync } from 'node:fs';
import { build } from 'vite';
import { join } from 'node:path';
import { makeScene } from './fixtures/make-scene.js';
import { DATA_DIR, hasTool, SHARED_DATA } from './helpers/env.js';
import { ensureBuiltModel } from './helpers/models.js';

/**
 * Runs once before the test files (which run in parallel): checks the shared data is there and
 * builds the derived inputs several files share — the small generated products and the ONNX
 * models — so no two test processes build the same folder at once.
 */
export default async function setup(): Promise<void> {
  if (!existsSync(SHARED_DATA)) {
    throw new Error(`The real test data is missing: expected ${SHARED_DATA} (the project's ../shared/data).`);
  }
  if (hasTool('opj_compress')) {
    for (const level of ['L1C', 'L2A'] as const) {
      await makeScene({ size: 'small', level, outDir: join(DATA_DIR, 'scenes'), log: () => {} });
    }
  }
  for (const id of ['dl-l8s2-uv-6b', 'dl-l8s2-uv-4b']) await ensureBuiltModel(id);
  // The browser tests load the built renderer, as the app does.
  await build({ configFile: join(import.meta.dirname, '..', 'vite.config.ts'), logLevel: 'warn' });
}
