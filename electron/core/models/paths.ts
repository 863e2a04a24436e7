import { existsSync, readdirSync } from 'node:fs';
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
 * Where built and user-installed ONNX files live (git-ignored). In a packaged app the cards are in
 * app.asar and the ONNX files are extraResources: `<resources>/native-models/build`.
 */
export function builtModelsDir(root: string = modelsDir()): string {
  return outsideAsar(join(root, 'build'));
}

/**
 * Where a model that ships with the application keeps its ONNX file: beside its card,
 * `<root>/<id>/<file>` (committed). In a packaged app the cards are in app.asar and the ONNX
 * files are extraResources (onnxruntime opens them by path): `<resources>/native-models/<id>/`.
 */
export function shippedModelPath(id: string, fileName: string, root: string = modelsDir()): string {
  return outsideAsar(join(root, id, fileName));
}

/**
 * The ONNX file a card runs: the shipped one when the app carries it, else the built or installed
 * one in `builtModelsDir(root)` (which may not exist yet: callers check and say how to install).
 */
export function modelFilePath(
  card: { id: string; file: { name: string } },
  root: string = modelsDir(),
): string {
  const shipped = shippedModelPath(card.id, card.file.name, root);
  return existsSync(shipped) ? shipped : join(builtModelsDir(root), card.file.name);
}

/** The ids of the cards in the models folder (folders holding a model.json), sorted. */
export function modelIds(root: string = modelsDir()): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'model.json')))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
