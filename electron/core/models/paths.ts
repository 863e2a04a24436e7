import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { outsideAsar } from '../asar-path.js';

/**
 * The `native-models` folder (cards, and `build/` for ONNX files): $S2_MODELS_DIR, else the first
 * `native-models` found walking up from this file (works from the sources and from dist/).
 */
export function modelsDir(): string {
  const fromEnv = process.env.S2_MODELS_DIR;
  if (fromEnv) return resolve(fromEnv);
  let dir = import.meta.dirname;
  for (;;) {
    const candidate = join(dir, 'native-models');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return resolve('native-models');
    dir = parent;
  }
}

/**
 * Where built and installed ONNX files live (git-ignored). In a packaged app the cards are in
 * app.asar and the ONNX files are extraResources: `<resources>/native-models/build`.
 */
export function builtModelsDir(root: string = modelsDir()): string {
  return outsideAsar(join(root, 'build'));
}
