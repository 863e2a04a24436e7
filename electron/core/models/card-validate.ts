import { S2Error } from '../errors.js';
import {
  CARD_SCHEMA_VERSION,
  L2A_AUX_LAYERS,
  MASK_CLASS,
  MODEL_RUNTIMES,
  PROCESSING_LEVELS,
  S2_BANDS,
} from './card.js';
import type {
  CardFile,
  CardInput,
  CardOutput,
  CardTiling,
  MaskClass,
  ModelCard,
  ModelRuntime,
  PixelPostprocess,
  SemiTransparentRule,
} from './card.js';
import { FUSION_FEATURES, type FusionFeature } from '../masks/fusion/features.js';
import type { FusionModel } from '../masks/fusion/model.js';

type Json = Record<string, unknown>;

const CLASS_VALUES: readonly number[] = Object.values(MASK_CLASS);

/** Collects every problem with a field path, so one error lists all that is wrong with a card. */
class Checker {
  readonly errors: string[] = [];

  fail(path: string, what: string): void {
    this.errors.push(`field "${path}" ${what}`);
  }

  obj(parent: Json, key: string, path: string): Json {
    const v = parent[key];
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Json;
    this.fail(path, v === undefined ? 'is missing' : 'must be an object');
    return {};
  }

  str(parent: Json, key: string, path: string, pattern?: RegExp): string {
    const v = parent[key];
    if (typeof v !== 'string' || v.length === 0)
      this.fail(path, v === undefined ? 'is missing' : 'must be a non-empty string');
    else if (pattern && !pattern.test(v)) this.fail(path, `"${v}" must match ${pattern}`);
    return typeof v === 'string' ? v : '';
  }

  optStr(parent: Json, key: string, path: string): string | undefined {
    return parent[key] === undefined ? undefined : this.str(parent, key, path);
  }

  num(parent: Json, key: string, path: string, test: (n: number) => boolean, rule: string): number {
    const v = parent[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || !test(v)) {
      this.fail(path, v === undefined ? 'is missing' : `must be ${rule} (got ${JSON.stringify(v)})`);
      return 0;
    }
    return v;
  }

  oneOf<T extends string>(parent: Json, key: string, path: string, allowed: readonly T[]): T {
    const v = parent[key];
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    this.fail(path, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
    return allowed[0] as T;
  }

  list<T>(parent: Json, key: string, path: string, item: (v: unknown, p: string) => T | undefined): T[] {
    const v = parent[key];
    if (!Array.isArray(v) || v.length === 0) {
      this.fail(path, v === undefined ? 'is missing' : 'must be a non-empty array');
      return [];
    }
    return v.flatMap((x, i) => {
      const r = item(x, `${path}[${i}]`);
      return r === undefined ? [] : [r];
    });
  }

  numbers(parent: Json, key: string, path: string): number[] | undefined {
    if (parent[key] === undefined) return undefined;
    return this.list(parent, key, path, (v, p) => {
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      this.fail(p, 'must be a finite number');
      return undefined;
    });
  }

  maskClass(v: unknown, p: string): MaskClass | undefined {
    if (typeof v === 'number' && CLASS_VALUES.includes(v)) return v as MaskClass;
    this.fail(
      p,
      `must be a class of the schema (0 no data, 1 clear, 2 cloud, 3 semi-transparent cloud, 4 cloud shadow), got ${JSON.stringify(v)}`,
    );
    return undefined;
  }
}

const positiveInt = (n: number): boolean => Number.isInteger(n) && n > 0;

function checkInput(c: Checker, json: Json): CardInput {
  const input = c.obj(json, 'input', 'input');
  const bands = c.list(input, 'bands', 'input.bands', (v, p) => {
    if (typeof v === 'string' && ([...S2_BANDS, ...L2A_AUX_LAYERS] as readonly string[]).includes(v))
      return v as CardInput['bands'][number];
    c.fail(p, `${JSON.stringify(v)} is not a Sentinel-2 band name (${S2_BANDS.join(' ')})`);
    return undefined;
  });
  if (new Set(bands).size !== bands.length) c.fail('input.bands', 'lists a band twice');
  const levels = c.list(input, 'levels', 'input.levels', (v, p) => {
    if (typeof v === 'string' && (PROCESSING_LEVELS as readonly string[]).includes(v))
      return v as CardInput['levels'][number];
    c.fail(p, `must be L1C or L2A (got ${JSON.stringify(v)})`);
    return undefined;
  });
  const aux = bands.filter((b) => (L2A_AUX_LAYERS as readonly string[]).includes(b));
  if (aux.length > 0 && levels.some((l) => l !== 'L2A'))
    c.fail(
      'input.bands',
      `lists ${aux.join(', ')}, which only L2A products have, so input.levels must be ["L2A"]`,
    );
  const scaling = c.obj(input, 'scaling', 'input.scaling');
  c.oneOf(scaling, 'kind', 'input.scaling.kind', ['reflectance'] as const);
  const mean = c.numbers(scaling, 'mean', 'input.scaling.mean');
  const std = c.numbers(scaling, 'std', 'input.scaling.std');
  if ((mean === undefined) !== (std === undefined))
    c.fail('input.scaling', 'needs both mean and std, or neither');
  for (const [key, arr] of [
    ['mean', mean],
    ['std', std],
  ] as const) {
    if (arr && arr.length !== bands.length)
      c.fail(`input.scaling.${key}`, `has ${arr.length} values for ${bands.length} bands`);
  }
  if (std?.some((s) => s <= 0)) c.fail('input.scaling.std', 'must be positive');
  const out: CardInput = {
    bands,
    levels,
    resolution: c.num(input, 'resolution', 'input.resolution', (n) => n > 0, 'a positive number of metres'),
    scaling: { kind: 'reflectance', ...(mean ? { mean } : {}), ...(std ? { std } : {}) },
    layout: c.oneOf(input, 'layout', 'input.layout', ['NCHW'] as const),
  };
  const name = c.optStr(input, 'name', 'input.name');
  if (name !== undefined) out.name = name;
  if (input.trainedResolution !== undefined) {
    out.trainedResolution = c.num(
      input,
      'trainedResolution',
      'input.trainedResolution',
      (n) => n > 0,
      'positive',
    );
  }
  return out;
}

function checkTiling(c: Checker, json: Json): CardTiling {
  const t = c.obj(json, 'tiling', 'tiling');
  const multiple = c.num(t, 'multiple', 'tiling.multiple', positiveInt, 'a positive integer');
  const size = c.num(t, 'size', 'tiling.size', positiveInt, 'a positive integer');
  const margin = c.num(t, 'margin', 'tiling.margin', (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0');
  if (multiple > 0 && size % multiple !== 0)
    c.fail('tiling.size', `(${size}) must be a multiple of tiling.multiple (${multiple})`);
  if (size > 0 && 2 * margin >= size)
    c.fail('tiling.margin', `(${margin}) leaves nothing of a ${size} px tile`);
  return {
    size,
    multiple,
    margin,
    padding: c.oneOf(t, 'padding', 'tiling.padding', ['reflect', 'zero'] as const),
  };
}

function checkOutput(c: Checker, json: Json): CardOutput {
  const o = c.obj(json, 'output', 'output');
  const kind = c.oneOf(o, 'kind', 'output.kind', ['sigmoid', 'softmax', 'logits'] as const);
  const channels = c.num(o, 'channels', 'output.channels', positiveInt, 'a positive integer');
  const classes = c.list(o, 'classes', 'output.classes', (v, p) => c.maskClass(v, p));
  const name = c.optStr(o, 'name', 'output.name');
  const named = name === undefined ? {} : { name };
  if (kind === 'sigmoid') {
    if (channels !== 1) c.fail('output.channels', 'must be 1 for a sigmoid output');
    if (classes.length !== 1) c.fail('output.classes', 'must hold the one class given above the threshold');
    const threshold = c.num(o, 'threshold', 'output.threshold', (n) => n > 0 && n < 1, 'between 0 and 1');
    const otherwise = c.maskClass(o.otherwise, 'output.otherwise') ?? MASK_CLASS.clear;
    return { ...named, kind, channels: 1, classes: [classes[0] ?? MASK_CLASS.cloud], threshold, otherwise };
  }
  if (classes.length !== channels)
    c.fail('output.classes', `has ${classes.length} entries for ${channels} channels`);
  return { ...named, kind, channels, classes };
}

function checkFile(c: Checker, json: Json, runtime: ModelRuntime): CardFile {
  const f = c.obj(json, 'file', 'file');
  const sha = /^[0-9a-f]{64}$/;
  const origin = c.oneOf(f, 'origin', 'file.origin', ['built', 'download', 'user'] as const);
  const out: CardFile = {
    // LightGBM models are text files (s2cloudless ships them as .txt).
    name: c.str(f, 'name', 'file.name', runtime === 'lightgbm' ? /^[\w.-]+\.txt$/ : /^[\w.-]+\.onnx$/),
    sha256: f.sha256 === null ? null : c.str(f, 'sha256', 'file.sha256', sha),
    origin,
  };
  const w = f.weights === undefined ? undefined : c.obj(f, 'weights', 'file.weights');
  // A model built from weights the user supplies (weights.sha256 null) cannot pin its ONNX file either.
  const userWeights = origin === 'built' && w?.sha256 === null;
  if (origin !== 'user' && out.sha256 === null && !userWeights)
    c.fail('file.sha256', `is required for origin "${origin}"`);
  const url = c.optStr(f, 'url', 'file.url');
  if (url !== undefined) out.url = url;
  if (origin === 'download' && url === undefined) c.fail('file.url', 'is required for origin "download"');
  if (w !== undefined) {
    out.weights = {
      name: c.str(w, 'name', 'file.weights.name'),
      sha256: w.sha256 === null ? null : c.str(w, 'sha256', 'file.weights.sha256', sha),
    };
    const wurl = c.optStr(w, 'url', 'file.weights.url');
    if (wurl !== undefined) out.weights.url = wurl;
  } else if (origin === 'built') c.fail('file.weights', 'is required for origin "built"');
  const kerasConfig = c.optStr(f, 'kerasConfig', 'file.kerasConfig');
  if (kerasConfig !== undefined) {
    // A file inside the card's folder: relative, forward slashes, no "..".
    if (!/^[\w.-]+(\/[\w.-]+)*\.json$/.test(kerasConfig) || kerasConfig.split('/').includes('..'))
      c.fail('file.kerasConfig', `("${kerasConfig}") must be a .json path inside the card's folder`);
    else if (origin !== 'built') c.fail('file.kerasConfig', 'is only used with origin "built"');
    else out.kerasConfig = kerasConfig;
  }
  return out;
}

/** A lightgbm card's post-processing radii: whole pixels >= 0 for each working resolution given. */
function checkPostprocess(c: Checker, json: Json): PixelPostprocess {
  const p = c.obj(json, 'postprocess', 'postprocess');
  const radii = (key: keyof PixelPostprocess): Record<string, number> => {
    const r = c.obj(p, key, `postprocess.${key}`);
    const out: Record<string, number> = {};
    for (const res of Object.keys(r)) {
      if (!['10', '20', '60'].includes(res))
        c.fail(`postprocess.${key}.${res}`, 'must be keyed 10, 20 or 60 (m)');
      else
        out[res] = c.num(
          r,
          res,
          `postprocess.${key}.${res}`,
          (n) => Number.isInteger(n) && n >= 0 && n <= 64,
          'a whole number of pixels in [0, 64]',
        );
    }
    return out;
  };
  return { averageOver: radii('averageOver'), dilationSize: radii('dilationSize') };
}

/** The optional `semiTransparent` thresholds: reflectances in [0, 1]. */
function checkSemiTransparent(c: Checker, json: Json): SemiTransparentRule | undefined {
  if (json.semiTransparent === undefined) return undefined;
  const s = c.obj(json, 'semiTransparent', 'semiTransparent');
  const unit = (key: keyof SemiTransparentRule, test: (n: number) => boolean, rule: string): number =>
    c.num(s, key, `semiTransparent.${key}`, test, rule);
  const inUnit = (n: number): boolean => n >= 0 && n <= 1;
  const rule: SemiTransparentRule = {
    probabilityOpaque: unit('probabilityOpaque', (n) => n > 0 && n <= 1, 'in (0, 1]'),
    brightnessOpaque: unit('brightnessOpaque', inUnit, 'a reflectance in [0, 1]'),
    whitenessOpaque: unit('whitenessOpaque', (n) => n > 0, 'positive'),
    cirrusMin: unit('cirrusMin', inUnit, 'a reflectance in [0, 1]'),
    blueMax: unit('blueMax', (n) => n > 0 && n <= 1, 'a reflectance in (0, 1]'),
  };
  if (s !== undefined && typeof s === 'object' && 'cirrusProbabilityMin' in s) {
    rule.cirrusProbabilityMin = unit('cirrusProbabilityMin', inUnit, 'in [0, 1]');
  }
  return rule;
}

/** The optional `fusion` model: known features, one weight, mean and std (> 0) per feature. */
function checkFusion(c: Checker, json: Json): FusionModel | undefined {
  if (json.fusion === undefined) return undefined;
  const f = c.obj(json, 'fusion', 'fusion');
  const features = c.list(f, 'features', 'fusion.features', (v, p) =>
    typeof v === 'string' && (FUSION_FEATURES as readonly string[]).includes(v)
      ? (v as FusionFeature)
      : (c.fail(p, `must be one of ${FUSION_FEATURES.join(', ')}`), undefined),
  );
  const numbers = (key: 'mean' | 'std' | 'weights', test: (n: number) => boolean, rule: string): number[] => {
    const xs = c.list(f, key, `fusion.${key}`, (v, p) =>
      typeof v === 'number' && Number.isFinite(v) && test(v) ? v : (c.fail(p, rule), undefined),
    );
    if (xs.length !== features.length)
      c.fail(`fusion.${key}`, `must have one value per feature (${features.length})`);
    return xs;
  };
  const model: FusionModel = {
    features,
    mean: numbers('mean', () => true, 'must be a finite number'),
    std: numbers('std', (n) => n > 0, 'must be a positive number'),
    weights: numbers('weights', () => true, 'must be a finite number'),
    bias: c.num(f, 'bias', 'fusion.bias', Number.isFinite, 'a finite number'),
    threshold: c.num(f, 'threshold', 'fusion.threshold', (n) => n > 0 && n < 1, 'in (0, 1)'),
    gate: c.num(f, 'gate', 'fusion.gate', (n) => n >= 0 && n < 1, 'in [0, 1)'),
  };
  if (f.gateRadius !== undefined)
    model.gateRadius = c.num(
      f,
      'gateRadius',
      'fusion.gateRadius',
      (n) => Number.isInteger(n) && n >= 0 && n <= 64,
      'a whole number of pixels in [0, 64]',
    );
  const prov = f.provenance;
  if (prov !== undefined && typeof prov === 'object' && prov !== null && !Array.isArray(prov))
    model.provenance = prov as Record<string, unknown>;
  return model;
}

/**
 * Validates a parsed card. Throws one BAD_MODEL_CARD S2Error naming `file` and listing every
 * field that is wrong; returns the card typed (unknown keys are dropped).
 */
export function validateCard(json: unknown, file: string): ModelCard {
  const c = new Checker();
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new S2Error('BAD_MODEL_CARD', `${file}: a model card must be a JSON object.`, { file });
  }
  const j = json as Json;
  if (j.schema !== CARD_SCHEMA_VERSION)
    c.fail('schema', `must be ${CARD_SCHEMA_VERSION} (got ${JSON.stringify(j.schema)})`);
  const source = c.obj(j, 'source', 'source');
  const runtime: ModelRuntime =
    j.runtime === undefined ? 'onnx' : c.oneOf(j, 'runtime', 'runtime', MODEL_RUNTIMES);
  const card: ModelCard = {
    schema: CARD_SCHEMA_VERSION,
    id: c.str(j, 'id', 'id', /^[a-z0-9][a-z0-9._-]*$/),
    name: c.str(j, 'name', 'name'),
    version: c.str(j, 'version', 'version'),
    source: { url: c.str(source, 'url', 'source.url') },
    licence: c.str(j, 'licence', 'licence'),
    input: checkInput(c, j),
    tiling: checkTiling(c, j),
    output: checkOutput(c, j),
    file: checkFile(c, j, runtime),
    notes:
      j.notes === undefined
        ? []
        : c.list(j, 'notes', 'notes', (v, p) =>
            typeof v === 'string' ? v : (c.fail(p, 'must be a string'), undefined),
          ),
  };
  if (runtime === 'lightgbm') {
    card.runtime = runtime;
    card.postprocess = checkPostprocess(c, j);
    // A pixel classifier gives one probability; its classes come from the threshold.
    if (card.output.kind !== 'sigmoid') c.fail('output.kind', 'must be "sigmoid" for a lightgbm model');
    if (card.tiling.margin !== 0) c.fail('tiling.margin', 'must be 0 for a pixel classifier (no context)');
  } else if (j.postprocess !== undefined) c.fail('postprocess', 'is only used with runtime "lightgbm"');
  const citation = c.optStr(source, 'citation', 'source.citation');
  if (citation !== undefined) card.source.citation = citation;
  const semiTransparent = checkSemiTransparent(c, j);
  if (semiTransparent !== undefined) card.semiTransparent = semiTransparent;
  const fusion = checkFusion(c, j);
  if (fusion !== undefined) card.fusion = fusion;
  if (c.errors.length > 0) {
    throw new S2Error('BAD_MODEL_CARD', `${file}: invalid model card: ${c.errors.join('; ')}.`, {
      file,
      details: { errors: c.errors },
    });
  }
  return card;
}
