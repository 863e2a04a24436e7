import { S2Error } from '../../errors.js';

/** One layer of a Keras 2.x functional (or sequential) model, as its JSON config describes it. */
export interface KerasLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
  /** Names of the layers whose outputs feed this one, in order. */
  inbound: string[];
}

export interface KerasModelConfig {
  layers: KerasLayer[];
  inputs: string[];
  outputs: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `inbound_nodes` in Keras 2.x: [[ [layerName, nodeIndex, tensorIndex, kwargs], ... ]] (one entry per call). */
function inboundOf(file: string, name: string, raw: unknown): string[] {
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) return [];
  if (!Array.isArray(raw) || raw.length !== 1 || !Array.isArray(raw[0])) {
    throw new S2Error(
      'BAD_MODEL',
      `${file}: layer "${name}" is called ${Array.isArray(raw) ? raw.length : '?'} times (shared layers are not supported).`,
      { file },
    );
  }
  return (raw[0] as unknown[]).map((entry) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || (entry[2] ?? 0) !== 0) {
      throw new S2Error(
        'BAD_MODEL',
        `${file}: layer "${name}" has an inbound node this converter cannot read.`,
        {
          file,
        },
      );
    }
    return entry[0];
  });
}

function endpointNames(raw: unknown): string[] {
  return Array.isArray(raw) ? raw.map((e) => (Array.isArray(e) ? String(e[0]) : String(e))) : [];
}

/**
 * Parses Keras's `model_config` JSON (Keras 2.2 – 2.x `Model`/`Functional`, or `Sequential`) into a
 * layer list in topological order (Keras writes layers in the order they were built).
 */
export function parseKerasModelConfig(file: string, json: unknown): KerasModelConfig {
  if (!isRecord(json) || (!isRecord(json.config) && !Array.isArray(json.config))) {
    throw new S2Error('BAD_MODEL', `${file}: model_config is not a Keras model config.`, { file });
  }
  const className = String(json.class_name);
  if (className === 'Sequential') return parseSequential(file, json.config);
  if (className !== 'Model' && className !== 'Functional') {
    throw new S2Error('BAD_MODEL', `${file}: Keras model class "${className}" is not supported.`, { file });
  }
  const cfg = json.config as Record<string, unknown>;
  if (!Array.isArray(cfg.layers))
    throw new S2Error('BAD_MODEL', `${file}: model_config has no layers.`, { file });
  const layers = cfg.layers.map((l: unknown): KerasLayer => {
    if (!isRecord(l) || !isRecord(l.config) || typeof l.class_name !== 'string') {
      throw new S2Error('BAD_MODEL', `${file}: a layer in model_config is malformed.`, { file });
    }
    const name = typeof l.name === 'string' ? l.name : String(l.config.name);
    return {
      className: l.class_name,
      name,
      config: l.config,
      inbound: inboundOf(file, name, l.inbound_nodes),
    };
  });
  return { layers, inputs: endpointNames(cfg.input_layers), outputs: endpointNames(cfg.output_layers) };
}

/** Sequential: each layer feeds the next; Keras 2.2 stores the list directly, later versions under `layers`. */
function parseSequential(file: string, raw: unknown): KerasModelConfig {
  const list = Array.isArray(raw) ? raw : isRecord(raw) && Array.isArray(raw.layers) ? raw.layers : [];
  const layers: KerasLayer[] = [];
  for (const l of list as unknown[]) {
    if (!isRecord(l) || !isRecord(l.config) || typeof l.class_name !== 'string') {
      throw new S2Error('BAD_MODEL', `${file}: a layer in the Sequential config is malformed.`, { file });
    }
    const prev = layers.at(-1);
    const name = String(l.config.name);
    if (!prev && l.class_name !== 'InputLayer') {
      // Sequential models may start without an InputLayer; synthesise one from batch_input_shape.
      layers.push({
        className: 'InputLayer',
        name: 'input',
        config: { batch_input_shape: l.config.batch_input_shape },
        inbound: [],
      });
    }
    const before = layers.at(-1);
    layers.push({ className: l.class_name, name, config: l.config, inbound: before ? [before.name] : [] });
  }
  const first = layers[0];
  const last = layers.at(-1);
  if (!first || !last)
    throw new S2Error('BAD_MODEL', `${file}: the Sequential model has no layers.`, { file });
  return { layers, inputs: [first.name], outputs: [last.name] };
}
