/**
 * A taught model is a new card, `<default>-taught-<name>`, in the models folder beside the one it
 * started from: the same network (its ONNX file linked or copied beside the new card, so
 * `predict --model`, batches and the Run panel find it like any shipped model) and the refitted
 * fused decision, with what it was fitted on in `fusion.provenance`. Nothing is overwritten: the
 * folder is created exclusively, so an existing name (or a second teach racing for it) is refused.
 */
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { S2Error } from '../errors.js';
import type { FusionModel } from '../masks/fusion/model.js';
import { loadCard } from '../models/card-load.js';
import type { ModelCard } from '../models/card.js';
import { modelFilePath, modelsDir } from '../models/paths.js';

/** A name a person types: letters, digits, '-', '_', '.' (it becomes part of a folder name). */
const NAME = /^[a-z0-9][a-z0-9._-]{0,47}$/;

/** The id of a model taught from `baseId` under `name` (lower case). */
export function taughtModelId(baseId: string, name: string): string {
  const n = name.trim().toLowerCase();
  if (!NAME.test(n))
    throw new S2Error(
      'INVALID_ARGUMENT',
      `"${name}" cannot name a taught model: use 1-48 letters, digits, '-', '_' or '.', starting with a letter or digit.`,
    );
  return `${baseId}-taught-${n}`;
}

/** Links the network file beside the new card (a copy where links are not possible). */
async function placeFile(from: string, to: string): Promise<void> {
  const tmp = `${to}.${process.pid}.partial`;
  await rm(tmp, { force: true });
  try {
    await link(from, tmp);
  } catch {
    await copyFile(from, tmp);
  }
  await rename(tmp, to);
}

export interface WriteTaughtCardOptions {
  base: ModelCard;
  id: string;
  fusion: FusionModel;
  /** One line for the card's notes (what was taught, on what, with what result). */
  note: string;
  /** Models folder (default modelsDir()). */
  root?: string;
}

/** Writes the taught card and its network file; returns the card file. */
export async function writeTaughtCard(o: WriteTaughtCardOptions): Promise<string> {
  const root = o.root ?? modelsDir();
  const dir = join(root, o.id);
  const baseFile = join(root, o.base.id, 'model.json');
  const onnx = modelFilePath(o.base, root);
  if (!existsSync(onnx))
    throw new S2Error(
      'NOT_FOUND',
      `Model "${o.base.id}" is not installed (${onnx} is missing); install it first.`,
      {
        file: onnx,
      },
    );
  await mkdir(root, { recursive: true });
  try {
    await mkdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new S2Error(
        'INVALID_ARGUMENT',
        `A model "${o.id}" already exists (${dir}); nothing was overwritten. Choose another name (--name).`,
        { file: dir },
      );
    throw err;
  }
  try {
    // The base card's JSON as written (fields this version does not model are kept).
    const json = JSON.parse(await readFile(baseFile, 'utf8')) as Record<string, unknown>;
    json.id = o.id;
    json.name = `${o.base.name}, taught (${o.id.slice(o.base.id.length + '-taught-'.length)})`;
    json.fusion = o.fusion;
    json.notes = [o.note, ...o.base.notes];
    await placeFile(onnx, join(dir, o.base.file.name));
    if (existsSync(`${onnx}.sha256`))
      await placeFile(`${onnx}.sha256`, join(dir, `${o.base.file.name}.sha256`));
    const cardFile = join(dir, 'model.json');
    await writeFileAtomic(cardFile, `${JSON.stringify(json, null, 2)}\n`);
    await loadCard(cardFile); // it must validate like any card
    return cardFile;
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
