import { copyFile, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { S2Error } from '../errors.js';
import type { ModelCard } from './card.js';
import { checkCardAgainstGraph } from './card-check.js';
import { convertKerasFile } from './convert.js';
import { sha256Bytes, sha256File, writeFileAtomic } from './files.js';
import { createSession } from './session.js';
import { readLightgbmModel } from './lightgbm/parse.js';
import { checkPixelModel } from './s2cloudless/check.js';

export interface InstallResult {
  card: ModelCard;
  file: string;
  sha256: string;
}

const isKeras = (path: string): boolean => ['.h5', '.hdf5', '.keras'].includes(extname(path).toLowerCase());

/** Writes `<file>.sha256` in sha256sum's format next to a built model. */
async function writeChecksum(file: string, sha256: string): Promise<void> {
  await writeFileAtomic(`${file}.sha256`, `${sha256}  ${basename(file)}\n`);
}

/** Loads the model on CPU and checks it against its card; the session is released afterwards. */
async function verifyAgainstCard(card: ModelCard, file: string, cardFile: string): Promise<void> {
  const { session } = await createSession(file, { providers: ['cpu'], threads: 1, log: () => {} });
  try {
    checkCardAgainstGraph(card, session, file, cardFile);
  } finally {
    await session.release();
  }
}

/**
 * Reads the Keras config a card ships for weights-only files (`file.kerasConfig`, relative to the
 * folder of `cardFile`); its name and sha256 go into the ONNX metadata.
 */
async function loadKerasConfig(
  card: ModelCard,
  cardFile: string,
  weightsFile: string,
): Promise<{ config: unknown; metadata: Record<string, string> }> {
  const rel = card.file.kerasConfig;
  if (rel === undefined) {
    throw new S2Error(
      'BAD_MODEL',
      `${weightsFile}: the file has no model_config (a weights-only file, as save_weights writes) and ${cardFile} has no field "file.kerasConfig" naming the model's Keras config.`,
      { file: weightsFile },
    );
  }
  const path = resolve(dirname(cardFile), rel);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new S2Error(
      'NOT_FOUND',
      `${path}: cannot read the Keras config named in ${cardFile} (field "file.kerasConfig").`,
      {
        file: path,
        cause: err,
      },
    );
  }
  try {
    return {
      config: JSON.parse(bytes.toString('utf8')) as unknown,
      metadata: { keras_config: rel, keras_config_sha256: sha256Bytes(bytes) },
    };
  } catch (err) {
    throw new S2Error(
      'BAD_MODEL_CARD',
      `${path}: the Keras config is not valid JSON (${(err as Error).message}).`,
      {
        file: path,
        cause: err,
      },
    );
  }
}

/** Finds `name` in the first of `dirs` that has it (one level of sub-folders searched too). */
export async function findWeights(name: string, dirs: readonly string[]): Promise<string | undefined> {
  for (const dir of dirs) {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    if (entries.some((e) => e.isFile() && e.name === name)) return join(dir, name);
    for (const sub of entries.filter((e) => e.isDirectory())) {
      const inner = await readdir(join(dir, sub.name)).catch(() => [] as string[]);
      if (inner.includes(name)) return join(dir, sub.name, name);
    }
  }
  return undefined;
}

/**
 * Converts a card's Keras weights into `<buildDir>/<card.file.name>`, checking the weights' and
 * the result's sha256 against the card (the conversion is deterministic, so a different hash
 * means the converter or the weights changed). A weights-only file (no model_config) is
 * converted with the card's `file.kerasConfig`, read relative to the folder of `cardFile`.
 */
export async function buildModel(
  card: ModelCard,
  weightsFile: string,
  buildDir: string,
  cardFile = `${card.id}/model.json`,
): Promise<InstallResult> {
  const weights = card.file.weights;
  if (card.file.origin !== 'built' || !weights) {
    throw new S2Error('INVALID_ARGUMENT', `${cardFile}: model "${card.id}" is not built from weights.`);
  }
  const out = join(buildDir, card.file.name);
  const result = await convertKerasFile(weightsFile, out, {
    graphName: card.id,
    metadata: { card_id: card.id },
    fallbackConfig: () => loadKerasConfig(card, cardFile, weightsFile),
  });
  if (weights.sha256 !== null && result.sourceSha256 !== weights.sha256) {
    await rm(out, { force: true });
    throw new S2Error(
      'BAD_MODEL',
      `${weightsFile}: sha256 ${result.sourceSha256} differs from ${weights.sha256} in ${cardFile} (field "file.weights.sha256").`,
      { file: weightsFile },
    );
  }
  if (card.file.sha256 !== null && result.sha256 !== card.file.sha256) {
    await rm(out, { force: true });
    throw new S2Error(
      'BAD_MODEL',
      `${out}: the converted model's sha256 ${result.sha256} differs from ${card.file.sha256} in ${cardFile} (field "file.sha256"); the converter changed, update the card after checking the model.`,
      { file: out },
    );
  }
  await verifyAgainstCard(card, out, cardFile);
  await writeChecksum(out, result.sha256);
  return { card, file: out, sha256: result.sha256 };
}

/**
 * Installs a model from a local file: an ONNX or LightGBM file is checked (sha256 when the card
 * pins one, the model against the card) and copied; a Keras HDF5 file is converted. Never leaves
 * a partial file.
 */
export async function installFromFile(
  card: ModelCard,
  source: string,
  buildDir: string,
  cardFile = `${card.id}/model.json`,
): Promise<InstallResult> {
  if (card.runtime !== 'lightgbm' && isKeras(source)) return buildModel(card, source, buildDir, cardFile);
  const sha256 = await sha256File(source);
  if (card.file.sha256 !== null && sha256 !== card.file.sha256) {
    throw new S2Error(
      'BAD_MODEL',
      `${source}: sha256 ${sha256} differs from ${card.file.sha256} in ${cardFile} (field "file.sha256").`,
      { file: source },
    );
  }
  // A LightGBM text model (s2cloudless) is parsed in full and checked against the card (a binary
  // classifier over the card's bands, or all thirteen); an ONNX graph against the card's I/O.
  if (card.runtime === 'lightgbm') checkPixelModel(card, await readLightgbmModel(source));
  else await verifyAgainstCard(card, source, cardFile);
  await mkdir(buildDir, { recursive: true });
  const out = join(buildDir, card.file.name);
  const tmp = `${out}.${process.pid}.partial`;
  try {
    await copyFile(source, tmp);
    await rename(tmp, out);
  } finally {
    await rm(tmp, { force: true });
  }
  await writeChecksum(out, sha256);
  return { card, file: out, sha256 };
}
