import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCard } from '../../electron/core/models/card-load.js';
import type { ModelCard } from '../../electron/core/models/card.js';
import { buildModel, findWeights } from '../../electron/core/models/install.js';
import { builtModelsDir, modelsDir } from '../../electron/core/models/paths.js';
import { ROOT } from './env.js';

/** Where the shared pretrained weights live (read in place). */
export const SHARED_MODELS = resolve(ROOT, '../shared/models');

/**
 * The card of a model and its built ONNX file, converting the shared Keras weights into the
 * git-ignored build folder on first use (a few seconds), as `npm run models -- build` does.
 */
export async function ensureBuiltModel(id: string): Promise<{ card: ModelCard; file: string }> {
  const cardFile = join(modelsDir(), id, 'model.json');
  const card = await loadCard(cardFile);
  const file = join(builtModelsDir(), card.file.name);
  if (!existsSync(file)) {
    const weightsName = card.file.weights?.name;
    const weights = weightsName ? await findWeights(weightsName, [SHARED_MODELS]) : undefined;
    if (!weights) throw new Error(`${id}: weights ${weightsName} not found under ${SHARED_MODELS}.`);
    await buildModel(card, weights, builtModelsDir(), cardFile);
  }
  return { card, file };
}
