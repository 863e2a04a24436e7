/**
 * npm run models -- build [--weights DIR]            convert every card's Keras weights to ONNX
 * npm run models -- install <file|url> [--card ID] [--sha256 HEX]
 *                                                     install an ONNX (or a Keras HDF5, converted)
 * npm run models -- import <card.json> <model.onnx> [--replace]
 *                                                     add a model a user brings (our card format or a
 *                                                     ukis-csmask model JSON), checked against its graph
 * npm run models -- install s2cloudless <file>        install a LightGBM model file (s2cloudless's pixel_s2_cloud_detector_lightGBM_v0.1.txt)
 * npm run models -- find s2cloudless                  list the s2cloudless model files an installed Python package has
 * npm run models -- list                              cards and whether their ONNX file is in place
 * npm run models -- fit-fusion [--data DIR] [--card ID] [--write]
 *                                                     fit the fused cloud decision on the labelled cases
 * npm run models -- quantize [--data DIR] [--out FILE] [--weight-type int8|uint8] [--weight-bits 7|8] [--margin X]
 *                                                     int8 (QDQ) copy of the default model, calibrated on the
 *                                                     labelled cases (docs/int8.md); default out build/dl-l8s2-uv-6b-int8.onnx
 *
 * Built and installed files go to native-models/build/ (git-ignored), each with a .sha256 file.
 * The DL-L8S2-UV models also ship, committed beside their cards (<id>/<id>.onnx): the app runs
 * those, so `build` is only needed to check the converter or to convert other weights.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ModelCard } from '../electron/core/models/card.js';
import { loadCards } from '../electron/core/models/card-load.js';
import { downloadVerified } from '../electron/core/models/download.js';
import { sha256File } from '../electron/core/models/files.js';
import { buildModel, findWeights, installFromFile } from '../electron/core/models/install.js';
import { importModel } from '../electron/core/models/import-model.js';
import { isLightgbmText } from '../electron/core/models/lightgbm/parse.js';
import { findS2cloudlessModels } from '../electron/core/models/s2cloudless/find.js';
import { modelFilePath } from '../electron/core/models/paths.js';
import { S2Error } from '../electron/core/errors.js';
import { fitFusionCommand } from './fit-fusion.js';
import { buildInt8, labelledCases } from './quantize-int8.js';

const MODELS = import.meta.dirname;
const BUILD = join(MODELS, 'build');
/** The project's read-only shared folder, beside the repository. */
const SHARED_MODELS = resolve(MODELS, '../../shared/models');

const cardFile = (card: ModelCard): string => join(MODELS, card.id, 'model.json');

async function build(cards: ModelCard[], weightsDir: string | undefined): Promise<number> {
  let missing = 0;
  for (const card of cards.filter((c) => c.file.origin === 'built')) {
    const name = card.file.weights?.name ?? '';
    const weights = await findWeights(name, weightsDir ? [resolve(weightsDir)] : [SHARED_MODELS]);
    if (!weights) {
      // Weights the user supplies (no pinned sha256, e.g. KappaMask) are optional: not an error.
      const optional = card.file.weights?.sha256 === null;
      console.log(
        `${card.id}: weights ${name} not found (${optional ? 'optional, supplied by the user: ' : ''}give --weights DIR); skipped`,
      );
      if (!optional) missing++;
      continue;
    }
    const t0 = performance.now();
    const r = await buildModel(card, weights, BUILD, cardFile(card));
    console.log(`${card.id}: ${r.file} sha256 ${r.sha256} (${Math.round(performance.now() - t0)} ms)`);
  }
  return missing > 0 && weightsDir ? 1 : 0;
}

async function pickCard(cards: ModelCard[], id: string | undefined, source: string): Promise<ModelCard> {
  if (id) {
    const card = cards.find((c) => c.id === id);
    if (!card)
      throw new S2Error(
        'INVALID_ARGUMENT',
        `No card "${id}" in ${MODELS} (have ${cards.map((c) => c.id).join(', ')}).`,
      );
    return card;
  }
  // Without --card, recognise the file by its hash or name; a LightGBM text file is for the lightgbm card.
  const lightgbm = cards.filter((c) => c.runtime === 'lightgbm');
  if (lightgbm.length === 1 && (await isLightgbmText(source))) return lightgbm[0]!;
  const sha = existsSync(source) ? await sha256File(source) : '';
  const name = basename(source);
  const card = cards.find(
    (c) =>
      c.file.sha256 === sha ||
      c.file.weights?.sha256 === sha ||
      c.file.name === name ||
      c.file.weights?.name === name,
  );
  if (!card) throw new S2Error('INVALID_ARGUMENT', `${source}: no card matches this file; pass --card ID.`);
  return card;
}

async function install(
  cards: ModelCard[],
  source: string,
  id: string | undefined,
  sha256: string | undefined,
): Promise<void> {
  let file = source;
  if (/^https?:\/\//.test(source)) {
    if (!id) throw new S2Error('INVALID_ARGUMENT', `${source}: say which model it is with --card ID.`);
    const card = await pickCard(cards, id, source);
    const keras = /\.(h5|hdf5|keras)$/i.test(new URL(source).pathname);
    const expected = sha256 ?? (keras ? card.file.weights?.sha256 : card.file.sha256);
    if (!expected)
      throw new S2Error('INVALID_ARGUMENT', `${source}: no sha256 to check it against; pass --sha256 HEX.`);
    file = join(BUILD, '.downloads', keras ? (card.file.weights?.name ?? 'weights.hdf5') : card.file.name);
    console.log(`downloading ${source}`);
    await downloadVerified(source, file, expected);
  } else if (sha256 && (await sha256File(file)) !== sha256) {
    throw new S2Error('BAD_MODEL', `${file}: sha256 differs from --sha256 ${sha256}.`, { file });
  }
  const card = await pickCard(cards, id, file);
  const r = await installFromFile(card, resolve(file), BUILD, cardFile(card));
  console.log(`${card.id}: installed ${r.file} sha256 ${r.sha256}`);
}

async function list(cards: ModelCard[]): Promise<void> {
  for (const card of cards) {
    // The file the app runs: shipped beside the card, else built or installed into build/.
    const file = modelFilePath(card, MODELS);
    const state = !existsSync(file)
      ? card.file.origin === 'built'
        ? 'not built (npm run models -- build)'
        : card.runtime === 'lightgbm'
          ? `not installed (npm run models -- install ${card.id} <file>; find ${card.id} lists Python copies)`
          : 'not installed (npm run models -- install <file> --card ' + card.id + ')'
      : card.file.sha256 === null || (await sha256File(file)) === card.file.sha256
        ? `ready (${relative(MODELS, file)})`
        : 'sha256 differs from the card';
    console.log(`${card.id.padEnd(20)} ${state}`);
  }
}

async function quantize(dataDir: string, out: string, values: Record<string, unknown>): Promise<number> {
  const cases = labelledCases(dataDir);
  if (cases.length === 0) {
    console.error(
      `quantize: no labelled cases (labelled-*/ with a SAFE and reference_10m.tif) in ${dataDir}`,
    );
    return 1;
  }
  const weightType = values['weight-type'] === 'uint8' ? 'uint8' : 'int8';
  const weightBits = values['weight-bits'] === '8' ? 8 : 7;
  const rangeMargin = typeof values.margin === 'string' ? Number(values.margin) : 1;
  const t0 = performance.now();
  const r = await buildInt8(cases, out, { weightType, weightBits, rangeMargin });
  await writeFile(`${out}.sha256`, `${r.sha256}  ${basename(out)}\n`);
  console.log(
    `int8: ${out} (${r.bytes} bytes, sha256 ${r.sha256}), calibrated on ${cases.map((c) => c.name).join(', ')}, ` +
      `${r.result.ranges.size} activation ranges (${Math.round(performance.now() - t0)} ms)`,
  );
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      weights: { type: 'string' },
      card: { type: 'string' },
      sha256: { type: 'string' },
      replace: { type: 'boolean', default: false },
      data: { type: 'string' },
      write: { type: 'boolean', default: false },
      out: { type: 'string' },
      'weight-type': { type: 'string' },
      'weight-bits': { type: 'string' },
      margin: { type: 'string' },
    },
  });
  const [command, source] = positionals;
  const cards = await loadCards(MODELS);
  if (command === 'build') return build(cards, values.weights);
  if (command === 'list') return list(cards).then(() => 0);
  if (command === 'fit-fusion')
    return fitFusionCommand(
      MODELS,
      resolve(values.data ?? join(MODELS, '../../shared/data')),
      values.card ?? 'dl-l8s2-uv-6b',
      values.write,
    );
  if (command === 'quantize')
    return quantize(
      resolve(values.data ?? join(MODELS, '../../shared/data')),
      resolve(values.out ?? join(BUILD, 'dl-l8s2-uv-6b-int8.onnx')),
      values,
    );
  if (command === 'import' && source && positionals[2]) {
    const r = await importModel(resolve(source), resolve(positionals[2]), MODELS, {
      replace: values.replace,
    });
    console.log(`${r.card.id}: card ${r.cardFile}, model ${r.file} sha256 ${r.sha256}`);
    return 0;
  }
  // `install ID FILE` names the card first (s2cloudless's files carry no name we can match).
  const cardFirst =
    command === 'install' && positionals[2] !== undefined && cards.some((c) => c.id === source);
  if (cardFirst) return install(cards, positionals[2]!, source, values.sha256).then(() => 0);
  if (command === 'install' && source)
    return install(cards, source, values.card, values.sha256).then(() => 0);
  if (command === 'find' && source === 's2cloudless') {
    const found = await findS2cloudlessModels();
    if (found.length === 0) {
      console.log(
        's2cloudless: no model file found (no s2cloudless Python package on python3 or in the usual site-packages).',
      );
      return 1;
    }
    for (const f of found)
      console.log(`${f.path}  (${f.via === 'python' ? 'python3 package' : 'site-packages'})`);
    console.log(`install one with: npm run models -- install s2cloudless ${found[0]!.path}`);
    return 0;
  }
  console.error(
    'usage: npm run models -- build [--weights DIR] | install <file|url> [--card ID] [--sha256 HEX]' +
      ' | install <id> <file> | find s2cloudless' +
      ' | import <card.json> <model.onnx> [--replace] | list | fit-fusion [--data DIR] [--card ID] [--write]' +
      ' | quantize [--data DIR] [--out FILE] [--weight-type int8|uint8] [--weight-bits 7|8] [--margin X]',
  );
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
