import { S2Error } from '../../errors.js';
import type { KerasLayer, KerasModelConfig } from './config.js';
import type { KerasWeight } from './hdf5.js';

/**
 * Weights-only files (`save_weights`, e.g. ModelCheckpoint(save_weights_only=True)) carry no
 * config, and their layer names depend on the session that saved them (a model built after
 * another one has conv2d_24, ... instead of conv2d, ...). This module assigns such a file's
 * weights to the layers of a separately supplied config and checks every shape, so a wrong file
 * is refused instead of being silently mis-assigned.
 */

/** tf.keras's default layer-name prefix for a class (generic_utils.to_snake_case): Conv2D -> conv2d. */
export function kerasNamePrefix(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** A layer name without tf.keras's `_N` counter: conv2d_24 -> conv2d. */
const prefixOf = (name: string): string => name.replace(/_\d+$/, '');

const pair = (v: unknown): [number, number] | undefined =>
  typeof v === 'number'
    ? [v, v]
    : Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'number'
      ? [v[0], v[1]]
      : undefined;

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** A dimension that the config does not determine is undefined and matches any size. */
type Shape = (number | undefined)[];

/**
 * Output channel count of every layer (undefined where it cannot be told) and the weight shapes
 * each layer expects, for the layer classes that have weights.
 */
function expectedShapes(config: KerasModelConfig): Map<string, Shape[]> {
  const channels = new Map<string, number | undefined>();
  const shapes = new Map<string, Shape[]>();
  for (const layer of config.layers) {
    const c = layer.config;
    const cin = layer.inbound.length > 0 ? channels.get(layer.inbound[0] ?? '') : undefined;
    const filters = num(c.filters);
    const [kh, kw] = pair(c.kernel_size) ?? [undefined, undefined];
    const bias: Shape[] = c.use_bias === false ? [] : [[filters]];
    let out = cin;
    switch (layer.className) {
      case 'InputLayer': {
        const s = c.batch_input_shape;
        out = Array.isArray(s) ? num(s.at(-1)) : undefined;
        break;
      }
      case 'Conv2D':
        shapes.set(layer.name, [[kh, kw, cin, filters], ...bias]);
        out = filters;
        break;
      case 'Conv2DTranspose':
        shapes.set(layer.name, [[kh, kw, filters, cin], ...bias]);
        out = filters;
        break;
      case 'SeparableConv2D': {
        const dm = num(c.depth_multiplier) ?? 1;
        const mid = cin === undefined ? undefined : cin * dm;
        shapes.set(layer.name, [[kh, kw, cin, dm], [1, 1, mid, filters], ...bias]);
        out = filters;
        break;
      }
      case 'BatchNormalization': {
        const n = [c.scale !== false, c.center !== false, true, true].filter(Boolean).length;
        shapes.set(
          layer.name,
          Array.from({ length: n }, () => [cin]),
        );
        break;
      }
      case 'Concatenate': {
        const parts = layer.inbound.map((n) => channels.get(n));
        out = parts.every((p) => p !== undefined)
          ? parts.reduce<number>((a, b) => a + (b ?? 0), 0)
          : undefined;
        break;
      }
      default:
        break;
    }
    channels.set(layer.name, out);
  }
  return shapes;
}

const fmt = (s: readonly (number | undefined)[]): string => `[${s.map((d) => d ?? '?').join(', ')}]`;

function bad(file: string, what: string): S2Error {
  return new S2Error('BAD_MODEL', `${file}: ${what}`, { file });
}

/** Checks that `weights` fit `layer`; returns a message naming the first weight that does not. */
function shapeProblem(
  layer: KerasLayer,
  expected: Shape[],
  weights: readonly KerasWeight[],
): string | undefined {
  if (weights.length !== expected.length)
    return `has ${weights.length} weight arrays, the config's ${layer.className} needs ${expected.length}`;
  for (const [i, w] of weights.entries()) {
    const e = expected[i] ?? [];
    if (w.shape.length !== e.length || e.some((d, k) => d !== undefined && d !== w.shape[k]))
      return `weight "${w.name}" has shape ${fmt(w.shape)}, the config expects ${fmt(e)}`;
  }
  return undefined;
}

/**
 * Maps the weights of a file without its own config onto `config`'s layers. Layers are matched by
 * name when every layer of the config that has weights is in the file under its own name;
 * otherwise by order within each layer type (the file's `layer_names` order, the order Keras
 * saved and would load them in), the type of a file layer being its name without the `_N`
 * counter. Every matched layer's weight shapes are checked against the config; the first layer
 * that does not fit is named in the error.
 */
export function alignWeights(
  file: string,
  config: KerasModelConfig,
  weights: ReadonlyMap<string, readonly KerasWeight[]>,
): Map<string, readonly KerasWeight[]> {
  const shapes = expectedShapes(config);
  const wanted = config.layers.filter((l) => shapes.has(l.name));
  const present = [...weights].filter(([, ws]) => ws.length > 0);
  const byName = wanted.every((l) => (weights.get(l.name)?.length ?? 0) > 0);

  const pairs: [KerasLayer, string][] = [];
  if (byName) {
    const extra = present.map(([n]) => n).filter((n) => !shapes.has(n));
    if (extra.length > 0) {
      throw bad(
        file,
        `the file has weights for layers the Keras config does not have (${extra.slice(0, 3).join(', ')}).`,
      );
    }
    for (const l of wanted) pairs.push([l, l.name]);
  } else {
    const groups = new Map<string, string[]>();
    for (const [name] of present) {
      const p = prefixOf(name);
      groups.set(p, [...(groups.get(p) ?? []), name]);
    }
    const types = new Map<string, KerasLayer[]>();
    for (const l of wanted) {
      const p = kerasNamePrefix(l.className);
      types.set(p, [...(types.get(p) ?? []), l]);
    }
    for (const [prefix, layers] of types) {
      const names = groups.get(prefix) ?? [];
      if (names.length !== layers.length) {
        throw bad(
          file,
          `the file has ${names.length} ${prefix} layers with weights (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}), the Keras config ${layers.length}; the weights do not belong to this model.`,
        );
      }
      layers.forEach((l, i) => pairs.push([l, names[i] ?? '']));
    }
    const unknown = [...groups.keys()].filter((p) => !types.has(p));
    if (unknown.length > 0) {
      throw bad(
        file,
        `the file has weights for layers the Keras config does not have (${unknown.map((p) => groups.get(p)?.[0]).join(', ')}).`,
      );
    }
    pairs.sort((a, b) => config.layers.indexOf(a[0]) - config.layers.indexOf(b[0]));
  }

  const out = new Map<string, readonly KerasWeight[]>();
  for (const [layer, source] of pairs) {
    const ws = weights.get(source) ?? [];
    const problem = shapeProblem(layer, shapes.get(layer.name) ?? [], ws);
    if (problem !== undefined) {
      const as = source === layer.name ? '' : ` (matched to the config's layer "${layer.name}" by order)`;
      throw bad(file, `layer "${source}"${as} does not fit the Keras config: ${problem}.`);
    }
    out.set(layer.name, ws);
  }
  return out;
}
