/**
 * The model catalogue for the GUI's model manager: every card under the models folder with
 * whether its ONNX file is in place, and importing a model file (onto an existing card, or with
 * a card the user brings) through the same code as `npm run models -- install | import`.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { S2Error } from '../errors.js';
import { CLASS_NAMES, type MaskClassValue } from '../masks/schema.js';
import type { ModelCard, ModelRuntime, ProcessingLevel } from './card.js';
import { loadCard, loadCards } from './card-load.js';
import { validateCard } from './card-validate.js';
import { sha256File } from './files.js';
import { importModel } from './import-model.js';
import { importUkisCard } from './import-ukis.js';
import { installFromFile } from './install.js';
import { isLightgbmText } from './lightgbm/parse.js';
import { findS2cloudlessModels } from './s2cloudless/find.js';
import { builtModelsDir, modelFilePath, modelsDir, shippedModelPath } from './paths.js';

/** The model the app runs when none is chosen (the CLI's `predict --model` default too). */
export const DEFAULT_MODEL_ID = 'dl-l8s2-uv-6b';

/**
 * ready: the ONNX file is in place (and matches the card's sha256 where both are known);
 * not-built: a model converted here from weights, not converted yet; not-installed: a model the
 * user supplies or downloads, not installed yet; sha256-mismatch: a file is there but it is not
 * the one the card pins (rebuild or reinstall it).
 */
export type ModelState = 'ready' | 'not-built' | 'not-installed' | 'sha256-mismatch';

export interface ModelClass {
  value: MaskClassValue;
  name: string;
}

export interface ModelEntry {
  id: string;
  name: string;
  version: string;
  /** One line: bands, working resolution, levels and classes. */
  description: string;
  /** Input bands in channel order (Sentinel-2 bands, or the L2A layers AOT/WVP). */
  bands: string[];
  levels: ProcessingLevel[];
  /** Working resolution (m). */
  resolution: number;
  /** Classes the model can output (no data left out). */
  classes: ModelClass[];
  licence: string;
  source: { url: string; citation?: string };
  /** built: converted here from weights; download: fetched; user: a file the user brings. */
  origin: ModelCard['file']['origin'];
  /** What runs the model file: onnx, or lightgbm (s2cloudless's text model). */
  runtime: ModelRuntime;
  /**
   * Model files found on this machine that the card can install, e.g. the ones a user's
   * s2cloudless Python package ships (only looked for while the model is not installed).
   */
  candidates?: string[];
  /** Plain-language caveats from the card. */
  notes: string[];
  installed: boolean;
  state: ModelState;
  /** What the state means for the user, with how to fix it. */
  stateMessage: string;
  /** Where the ONNX file is, when installed. */
  onnxPath?: string;
  sizeBytes?: number;
  /** sha256 of the installed file (its .sha256 file, or computed when verifying). */
  sha256?: string;
  isDefault: boolean;
  cardPath: string;
}

export interface CatalogOptions {
  /** Models folder (cards in `<root>/<id>/model.json`, ONNX in `<root>/build/`); default modelsDir(). */
  root?: string;
  /**
   * Hash every installed ONNX file instead of trusting its `.sha256` file (KappaMask's are
   * ~120 MB: a fraction of a second each).
   */
  verify?: boolean;
  /**
   * Finds model files on this machine for a card that is not installed (default: s2cloudless's
   * Python package for the s2cloudless card; tests replace it).
   */
  findCandidates?: (card: ModelCard) => Promise<string[]>;
}

/** s2cloudless's model files from the user's Python package; nothing for other cards. */
async function defaultCandidates(card: ModelCard): Promise<string[]> {
  if (card.id !== 's2cloudless') return [];
  return (await findS2cloudlessModels()).map((c) => c.path);
}

/** Every model card under the models folder, sorted by id, with its install state. */
export async function listModels(opts: CatalogOptions = {}): Promise<ModelEntry[]> {
  const root = resolve(opts.root ?? modelsDir());
  let cards: ModelCard[];
  try {
    cards = await loadCards(root);
  } catch (err) {
    if (err instanceof S2Error) throw err;
    throw new S2Error('NOT_FOUND', `${root}: cannot read the models folder.`, { file: root, cause: err });
  }
  const entries = await Promise.all(cards.map((c) => entryFor(c, root, opts.verify ?? false)));
  const find = opts.findCandidates ?? defaultCandidates;
  for (const [i, e] of entries.entries()) {
    if (e.installed || e.runtime !== 'lightgbm') continue;
    const found = await find(cards[i]!).catch(() => [] as string[]);
    if (found.length > 0) {
      e.candidates = found;
      e.stateMessage = `Not installed; found ${found[0]}: install it from there (or choose another model file).`;
    }
  }
  return entries;
}

/** One model's entry (NOT_FOUND naming the known ids when there is no such card). */
export async function getModel(id: string, opts: CatalogOptions = {}): Promise<ModelEntry> {
  const models = await listModels(opts);
  const entry = models.find((m) => m.id === id);
  if (!entry) {
    throw new S2Error(
      'NOT_FOUND',
      `No model "${id}" in ${resolve(opts.root ?? modelsDir())} (have ${models.map((m) => m.id).join(', ') || 'none'}).`,
    );
  }
  return entry;
}

export interface ImportModelOptions {
  /**
   * A card for a new model: ours, or a ukis-csmask model JSON (converted). Absent: the file is
   * installed onto an existing card, `id`'s, or the card whose pinned sha256 or file name matches.
   */
  cardPath?: string;
  /** The card to install onto; with `cardPath`, the id the card must have. */
  id?: string;
  /** Replace a model of the same id brought earlier with a card (default: refuse). */
  replace?: boolean;
  /** Models folder (default modelsDir()). */
  root?: string;
}

const MODEL_EXT = new Set(['.onnx', '.h5', '.hdf5', '.keras', '.txt']);

/**
 * Imports a model file: the ONNX graph (or Keras weights, converted) is checked against the card
 * (sha256 when the card pins one, input and output shapes always) before anything is written;
 * the file goes to `<root>/build/` with its .sha256, a new card to `<root>/<id>/model.json`.
 */
export async function importModelFile(onnxPath: string, opts: ImportModelOptions = {}): Promise<ModelEntry> {
  const root = resolve(opts.root ?? modelsDir());
  const source = resolve(onnxPath);
  await checkModelFile(source);
  if (opts.cardPath !== undefined) {
    const cardPath = resolve(opts.cardPath);
    if (opts.id !== undefined) {
      const card = await readUserCard(cardPath);
      if (card.id !== opts.id) {
        throw new S2Error(
          'INVALID_ARGUMENT',
          `${cardPath}: the card is for model "${card.id}", not "${opts.id}".`,
          { file: cardPath },
        );
      }
    }
    const r = await importModel(cardPath, source, root, { replace: opts.replace ?? false });
    return entryFor(r.card, root, false);
  }
  const cards = await loadCards(root);
  const card = await pickCard(cards, opts.id, source, root);
  const cardFile = join(root, card.id, 'model.json');
  const r = await installFromFile(card, source, builtModelsDir(root), cardFile);
  return entryFor(r.card, root, false);
}

async function checkModelFile(path: string): Promise<void> {
  const s = await stat(path).catch(() => null);
  if (!s) throw new S2Error('NOT_FOUND', `${path}: no such model file.`, { file: path });
  if (!s.isFile())
    throw new S2Error('INVALID_ARGUMENT', `${path}: not a file (choose an .onnx model file).`, {
      file: path,
    });
  if (!MODEL_EXT.has(extname(path).toLowerCase())) {
    throw new S2Error(
      'BAD_MODEL',
      `${path}: not a model file (expected .onnx, Keras weights .h5/.hdf5/.keras, or a LightGBM text model .txt).`,
      { file: path },
    );
  }
  if (s.size === 0) throw new S2Error('BAD_MODEL', `${path}: the file is empty.`, { file: path });
  if (extname(path).toLowerCase() === '.txt' && !(await isLightgbmText(path))) {
    throw new S2Error(
      'BAD_MODEL',
      `${path}: not a model file (a .txt model must be a LightGBM text model, whose first line is "tree").`,
      { file: path },
    );
  }
}

/** Reads a card as importModel does (ours, or a ukis-csmask model JSON). */
async function readUserCard(cardPath: string): Promise<ModelCard> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(cardPath, 'utf8'));
  } catch (err) {
    throw new S2Error(
      'BAD_MODEL_CARD',
      `${cardPath}: cannot read the card as JSON (${(err as Error).message}).`,
      { file: cardPath, cause: err },
    );
  }
  const isUkis = typeof json === 'object' && json !== null && 'data' in json && !('schema' in json);
  return isUkis ? importUkisCard(json, cardPath) : validateCard(json, cardPath);
}

/** The card `id` names, or the one whose pinned hash or file name is the file's. */
async function pickCard(
  cards: ModelCard[],
  id: string | undefined,
  source: string,
  root: string,
): Promise<ModelCard> {
  if (id !== undefined) {
    const card = cards.find((c) => c.id === id);
    if (!card) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        `No model card "${id}" in ${root} (have ${cards.map((c) => c.id).join(', ') || 'none'}).`,
      );
    }
    return card;
  }
  // A LightGBM text model (s2cloudless's files are named by version) is for the lightgbm card.
  const lightgbm = cards.filter((c) => c.runtime === 'lightgbm');
  if (lightgbm.length === 1 && (await isLightgbmText(source))) return lightgbm[0]!;
  const sha = await sha256File(source);
  const name = basename(source);
  const card = cards.find(
    (c) =>
      c.file.sha256 === sha ||
      c.file.weights?.sha256 === sha ||
      c.file.name === name ||
      c.file.weights?.name === name,
  );
  if (!card) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${source}: no model card matches this file (by sha256 or name); choose the model it is for, or bring its card.`,
      { file: source },
    );
  }
  return card;
}

function outputClasses(card: ModelCard): MaskClassValue[] {
  const o = card.output;
  const all = o.kind === 'sigmoid' ? [...o.classes, o.otherwise] : o.classes;
  return [...new Set(all)].filter((c) => c !== 0).sort((a, b) => a - b) as MaskClassValue[];
}

/** `sha256  name` (sha256sum's format) -> the hash; null when unreadable. */
async function readChecksum(file: string): Promise<string | null> {
  const text = await readFile(`${file}.sha256`, 'utf8').catch(() => null);
  const m = text === null ? null : /^([0-9a-f]{64})\b/i.exec(text.trim());
  return m ? m[1]!.toLowerCase() : null;
}

async function entryFor(card: ModelCard, root: string, verify: boolean): Promise<ModelEntry> {
  const cardPath = join(root, card.id, 'model.json');
  const file = modelFilePath(card, root);
  const shipped = file === shippedModelPath(card.id, card.file.name, root);
  const classes = outputClasses(card).map((value) => ({ value, name: CLASS_NAMES[value] }));
  const bands = [...card.input.bands];
  const entry: ModelEntry = {
    id: card.id,
    name: card.name,
    version: card.version,
    description:
      (card.runtime === 'lightgbm' ? 'LightGBM pixel classifier; ' : '') +
      `${bands.length} bands (${bands.join(' ')}) at ${card.input.resolution} m, ` +
      `${card.input.levels.join('/')}; classes: ${classes.map((c) => c.name).join(', ')}.`,
    bands,
    levels: [...card.input.levels],
    resolution: card.input.resolution,
    classes,
    licence: card.licence,
    source: { ...card.source },
    origin: card.file.origin,
    runtime: card.runtime ?? 'onnx',
    notes: [...card.notes],
    installed: false,
    state: card.file.origin === 'built' ? 'not-built' : 'not-installed',
    stateMessage:
      card.file.origin === 'built'
        ? 'Not built yet: npm run models -- build (needs the weights), or import the ONNX file.'
        : card.runtime === 'lightgbm'
          ? `Not installed: import its LightGBM model file (npm run models -- install ${card.id} <file>).`
          : 'Not installed: import the ONNX model file for this card.',
    isDefault: card.id === DEFAULT_MODEL_ID,
    cardPath,
  };
  const s = existsSync(file) ? await stat(file).catch(() => null) : null;
  if (!s?.isFile()) return entry;
  const recorded = await readChecksum(file);
  const actual = verify ? await sha256File(file) : null;
  const sha256 = actual ?? recorded;
  const pinned = card.file.sha256;
  const mismatch =
    (pinned !== null && sha256 !== null && sha256 !== pinned) ||
    (actual !== null && recorded !== null && actual !== recorded);
  return {
    ...entry,
    installed: !mismatch,
    state: mismatch ? 'sha256-mismatch' : 'ready',
    stateMessage: mismatch
      ? `${file}: sha256 differs from ${pinned !== null ? 'the card' : 'its .sha256 file'}; rebuild or reimport the model.`
      : shipped
        ? 'Ready (ships with the application).'
        : 'Ready.',
    onnxPath: file,
    sizeBytes: s.size,
    ...(sha256 !== null ? { sha256 } : {}),
  };
}

/** Reads one card by id from the models folder (validated). */
export async function loadModelCard(id: string, opts: Pick<CatalogOptions, 'root'> = {}): Promise<ModelCard> {
  return loadCard(join(resolve(opts.root ?? modelsDir()), id, 'model.json'));
}
