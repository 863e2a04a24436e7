import { S2Error } from '../errors.js';
import { MASK_CLASS } from './card.js';
import type { ModelCard, S2Band } from './card.js';
import { validateCard } from './card-validate.js';

/** ukis-csmask band names (STAC eo common names) -> Sentinel-2 bands. */
const COMMON_NAMES: Readonly<Record<string, S2Band>> = {
  coastal: 'B01',
  blue: 'B02',
  green: 'B03',
  red: 'B04',
  rededge1: 'B05',
  rededge2: 'B06',
  rededge3: 'B07',
  nir: 'B08',
  nir08: 'B8A',
  nir09: 'B09',
  cirrus: 'B10',
  swir16: 'B11',
  swir22: 'B12',
};

function get(json: unknown, path: string[]): unknown {
  let v = json;
  for (const key of path)
    v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/**
 * Turns one of DLR ukis-csmask's model JSON files (the metadata beside each ONNX model) into our
 * card. The ONNX files are not redistributed with it, so the card records that the user supplies
 * the file (`origin: "user"`, no pinned sha256); install checks the graph against the card.
 */
export function importUkisCard(json: unknown, file: string): ModelCard {
  const fail = (field: string, what: string): S2Error =>
    new S2Error('BAD_MODEL_CARD', `${file}: field "${field}" ${what} (ukis-csmask model JSON expected).`, {
      file,
    });
  const channels = get(json, ['data', 'in_channels']);
  const classes = get(json, ['data', 'classes']);
  const names = get(json, ['data', 'dataset_statistics', 'band_names']);
  const [mean, std] = (get(json, ['data', 'dataset_statistics', 'img']) as unknown[] | undefined) ?? [];
  const size = get(json, ['data', 'target_size']);
  const version = get(json, ['model', 'version']);
  if (typeof channels !== 'number') throw fail('data.in_channels', 'is missing');
  if (classes !== 3)
    throw fail(
      'data.classes',
      `is ${JSON.stringify(classes)}; the known models have 3 (clear, cloud, shadow)`,
    );
  if (!Array.isArray(names) || names.length !== channels)
    throw fail('data.dataset_statistics.band_names', `must list ${channels} bands`);
  const bands = names.map((n) => {
    const band = COMMON_NAMES[String(n)];
    if (!band) throw fail('data.dataset_statistics.band_names', `has unknown band "${String(n)}"`);
    return band;
  });
  if (typeof version !== 'string') throw fail('model.version', 'is missing');
  const level = /L2A$/i.test(version) ? 'L2A' : /L1C$/i.test(version) ? 'L1C' : undefined;
  if (!level) throw fail('model.version', `("${version}") does not end in L1C or L2A`);
  const tile = Array.isArray(size) && typeof size[0] === 'number' ? size[0] : 256;
  const id = `ukis-csmask-${channels}b-${level.toLowerCase()}`;
  const card = {
    schema: 1,
    id,
    name: `ukis-csmask ${channels}-band ${level} (${String(get(json, ['model', 'decoder_name']))} + ${String(get(json, ['model', 'encoder_name']))})`,
    version,
    source: { url: 'https://github.com/dlr-eoc/ukis-csmask' },
    licence: 'Apache-2.0',
    input: {
      bands,
      levels: [level],
      resolution: 10,
      scaling: { kind: 'reflectance', mean, std },
      layout: 'NCHW',
    },
    tiling: { size: tile, multiple: 32, margin: 16, padding: 'reflect' },
    // Channel order of the upstream models: 0 clear, 1 cloud, 2 cloud shadow.
    output: {
      kind: 'softmax',
      channels: 3,
      classes: [MASK_CLASS.clear, MASK_CLASS.cloud, MASK_CLASS.cloudShadow],
    },
    file: { name: `${id}.onnx`, sha256: null, origin: 'user' },
    notes: [
      `Imported from ukis-csmask's ${file.split(/[\\/]/).pop() ?? file}. The ONNX model is not shipped: install the file with \`npm run models -- install <file.onnx> --card ${id}\`.`,
      'Working resolution not stated in the upstream JSON: 10 m assumed.',
      'Inputs are standardised per band with the upstream mean/std after conversion to reflectance.',
      'Tile side must be a multiple of 32 (EfficientNet encoder, five downsamplings).',
    ],
  };
  return validateCard(card, file);
}
