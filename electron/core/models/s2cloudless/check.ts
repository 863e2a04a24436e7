import { S2Error } from '../../errors.js';
import { S2_BANDS, type ModelCard } from '../card.js';
import type { LightgbmModel } from '../lightgbm/index.js';

/** The card's bands for a 10-feature model; all thirteen, in ESA order, for a 13-feature one. */
export function featureBands(card: ModelCard, model: LightgbmModel): ModelCard['input']['bands'] {
  if (model.numFeatures === card.input.bands.length) return [...card.input.bands];
  if (model.numFeatures === S2_BANDS.length) return [...S2_BANDS];
  throw new S2Error(
    'BAD_MODEL',
    `${model.file}: the model takes ${model.numFeatures} features; ${card.id} models take ${card.input.bands.length} (${card.input.bands.join(' ')}) or 13 (all bands).`,
    { file: model.file },
  );
}

/** A model the card can run: a binary classifier over 10 (or 13) features. Returns its bands. */
export function checkPixelModel(card: ModelCard, model: LightgbmModel): ModelCard['input']['bands'] {
  if (model.sigmoid === null) {
    throw new S2Error(
      'BAD_MODEL',
      `${model.file}: the model's objective is "${model.objective || 'missing'}", not a binary classifier (s2cloudless models are "binary sigmoid:1").`,
      { file: model.file },
    );
  }
  return featureBands(card, model);
}
