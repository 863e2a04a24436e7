import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S2Error } from '../errors.js';
import type { ModelCard } from './card.js';
import { validateCard } from './card-validate.js';
import { writeFileAtomic } from './files.js';
import { importUkisCard } from './import-ukis.js';
import { installFromFile, type InstallResult } from './install.js';

/**
 * Adds a model a user brings: a card (ours, or a ukis-csmask model JSON, converted) and its ONNX
 * file. The card is validated, the graph is checked against it (input and output names, band
 * count, output channels) before anything is written, then the ONNX goes to `<root>/build/` and
 * the card to `<root>/<id>/model.json`. An existing model of that id is kept unless `replace`.
 */
export async function importModel(
  cardPath: string,
  onnxPath: string,
  root: string,
  opts: { replace?: boolean } = {},
): Promise<InstallResult & { cardFile: string }> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(cardPath, 'utf8'));
  } catch (err) {
    throw new S2Error(
      'BAD_MODEL_CARD',
      `${cardPath}: cannot read the card as JSON (${(err as Error).message}).`,
      {
        file: cardPath,
        cause: err,
      },
    );
  }
  const isUkis = typeof json === 'object' && json !== null && 'data' in json && !('schema' in json);
  const card: ModelCard = isUkis ? importUkisCard(json, cardPath) : validateCard(json, cardPath);
  const cardFile = join(root, card.id, 'model.json');
  if (existsSync(cardFile) && !opts.replace) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `A model "${card.id}" is already installed (${cardFile}); choose another id or replace it.`,
      { file: cardFile },
    );
  }
  // installFromFile checks the graph against the card before copying anything.
  const result = await installFromFile(card, onnxPath, join(root, 'build'), cardPath);
  await mkdir(join(root, card.id), { recursive: true });
  await writeFileAtomic(cardFile, `${JSON.stringify(card, null, 2)}\n`);
  return { ...result, cardFile };
}
