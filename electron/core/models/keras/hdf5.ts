import { open } from 'node:fs/promises';
import h5wasm from 'h5wasm/node';
import type { Dataset, Group } from 'h5wasm/node';
import { S2Error } from '../../errors.js';

/** One weight array of a Keras layer, e.g. `kernel`, `depthwise_kernel`, `moving_mean`. */
export interface KerasWeight {
  /** Short name without the layer prefix and the `:0` suffix. */
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface KerasH5 {
  file: string;
  /** The `model_config` attribute parsed as JSON; undefined for weights-only files (`save_weights`). */
  config: unknown;
  kerasVersion: string | undefined;
  /** Weights per layer name, in the order Keras lists them (`weight_names`). */
  weights: Map<string, KerasWeight[]>;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** HDF5 puts its superblock at 0, 512, 1024, ... ; checking first keeps the C library's noisy diagnostics away. */
async function looksLikeHdf5(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(8);
    for (const offset of [0, 512, 1024, 2048]) {
      const { bytesRead } = await fh.read(buf, 0, 8, offset);
      if (bytesRead === 8 && HDF5_SIGNATURE.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } finally {
    await fh.close();
  }
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return [value];
  return []; // h5py writes an empty float64 array for layers without weights
}

function bad(file: string, what: string): S2Error {
  return new S2Error('BAD_MODEL', `${file}: ${what}`, { file });
}

/**
 * Reads a Keras 2.x HDF5 file (`model.save` or `model.save_weights`): the model config and every
 * layer's weights as float32. Uses h5wasm (HDF5 compiled to WebAssembly), so no Python is needed.
 */
export async function readKerasH5(file: string): Promise<KerasH5> {
  if (!(await looksLikeHdf5(file))) throw bad(file, 'not an HDF5 file (no HDF5 signature).');
  await h5wasm.ready;
  const h5 = new h5wasm.File(file, 'r');
  try {
    const rawConfig = h5.attrs['model_config']?.value;
    const config: unknown = typeof rawConfig === 'string' ? JSON.parse(rawConfig) : undefined;
    const version = h5.attrs['keras_version']?.value;
    // model.save nests the weights under model_weights; save_weights puts them at the root.
    const root = (h5.get('model_weights') as Group | null) ?? h5;
    const layerNames = stringList(root.attrs['layer_names']?.value);
    if (layerNames.length === 0) throw bad(file, 'no Keras layer_names attribute: not a Keras model file.');
    const weights = new Map<string, KerasWeight[]>();
    for (const layer of layerNames) {
      const group = root.get(layer) as Group | null;
      if (!group) throw bad(file, `layer "${layer}" is listed but has no group.`);
      const list: KerasWeight[] = [];
      for (const wname of stringList(group.attrs['weight_names']?.value)) {
        const ds = group.get(wname) as Dataset | null;
        if (!ds || ds.shape === null) throw bad(file, `weight "${layer}/${wname}" is missing.`);
        const value = ds.value;
        const data =
          value instanceof Float32Array
            ? value
            : value instanceof Float64Array
              ? Float32Array.from(value)
              : undefined;
        if (!data) throw bad(file, `weight "${layer}/${wname}" is not a float array.`);
        const short = (wname.split('/').pop() ?? wname).replace(/:\d+$/, '');
        list.push({ name: short, shape: [...ds.shape], data });
      }
      weights.set(layer, list);
    }
    return { file, config, kerasVersion: typeof version === 'string' ? version : undefined, weights };
  } catch (err) {
    if (err instanceof S2Error) throw err;
    throw new S2Error('BAD_MODEL', `${file}: cannot read the Keras HDF5 file (${String(err)}).`, {
      file,
      cause: err,
    });
  } finally {
    h5.close();
  }
}
