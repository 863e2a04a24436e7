import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S2Error } from '../errors.js';
import type { ModelCard } from './card.js';
import { validateCard } from './card-validate.js';

/** Reads and validates one card file. */
export async function loadCard(file: string): Promise<ModelCard> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new S2Error('NOT_FOUND', `${file}: cannot read the model card.`, { file, cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new S2Error(
      'BAD_MODEL_CARD',
      `${file}: the model card is not valid JSON (${(err as Error).message}).`,
      {
        file,
        cause: err,
      },
    );
  }
  const card = validateCard(json, file);
  const folder = file.split(/[\\/]/).at(-2);
  if (folder !== undefined && file.endsWith('model.json') && folder !== card.id) {
    throw new S2Error(
      'BAD_MODEL_CARD',
      `${file}: field "id" ("${card.id}") must equal its folder name ("${folder}").`,
      {
        file,
      },
    );
  }
  return card;
}

/** Every `<dir>/<id>/model.json`, sorted by id. */
export async function loadCards(dir: string): Promise<ModelCard[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const cards: ModelCard[] = [];
  for (const e of entries
    .filter((x) => x.isDirectory() && x.name !== 'build')
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const file = join(dir, e.name, 'model.json');
    const exists = await readFile(file).then(
      () => true,
      () => false,
    );
    if (exists) cards.push(await loadCard(file));
  }
  return cards;
}
