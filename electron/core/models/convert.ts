import { basename } from 'node:path';
import { S2Error } from '../errors.js';
import { alignWeights } from './keras/align.js';
import { parseKerasModelConfig } from './keras/config.js';
import { readKerasH5 } from './keras/hdf5.js';
import type { KerasWeight } from './keras/hdf5.js';
import { kerasToOnnx } from './keras/to-onnx.js';
import type { ConvertOptions } from './keras/to-onnx.js';
import { encodeModel } from './onnx/encode.js';
import { sha256Bytes, sha256File, writeFileAtomic } from './files.js';

export interface ConvertResult {
  output: string;
  sha256: string;
  bytes: number;
  /** sha256 of the source HDF5, also stored in the ONNX metadata (`source_sha256`). */
  sourceSha256: string;
}

export interface KerasConvertOptions extends ConvertOptions {
  /** Keras `model_config` JSON that overrides the file's own. */
  config?: unknown;
  /**
   * Loads the Keras config to use when the file has none (a weights-only file, as
   * `save_weights` / ModelCheckpoint(save_weights_only=True) write); not called otherwise.
   */
  fallbackConfig?: () => Promise<{ config: unknown; metadata?: Record<string, string> }>;
}

/**
 * Converts a Keras 2.x HDF5 model file (`model.save`, with its `model_config`) to ONNX and writes
 * it atomically. `config` overrides the file's config; `fallbackConfig` supplies one for
 * weights-only files. A config that is not the file's own gets the file's weights by name, or
 * by order within each layer type when the names differ, every shape checked (keras/align.ts).
 */
export async function convertKerasFile(
  h5Path: string,
  output: string,
  options: KerasConvertOptions = {},
): Promise<ConvertResult> {
  const [h5, sourceSha256] = await Promise.all([readKerasH5(h5Path), sha256File(h5Path)]);
  const { config: override, fallbackConfig, ...convertOptions } = options;
  let config = override ?? h5.config;
  let weights: ReadonlyMap<string, readonly KerasWeight[]> = h5.weights;
  let configMetadata: Record<string, string> = {};
  if (config === undefined && fallbackConfig) {
    const fallback = await fallbackConfig();
    config = fallback.config;
    configMetadata = fallback.metadata ?? {};
  } else if (config === undefined) {
    throw new S2Error(
      'BAD_MODEL',
      `${h5Path}: the file has no model_config (a weights-only file, as save_weights writes); converting it needs the model's Keras config (model card field "file.kerasConfig").`,
      { file: h5Path },
    );
  }
  if (config !== h5.config) weights = alignWeights(h5Path, parseKerasModelConfig(h5Path, config), weights);
  const model = kerasToOnnx(
    { file: h5Path, config, weights },
    {
      ...convertOptions,
      metadata: {
        source_file: basename(h5Path),
        source_sha256: sourceSha256,
        keras_version: h5.kerasVersion ?? 'unknown',
        ...configMetadata,
        ...convertOptions.metadata,
      },
    },
  );
  const bytes = encodeModel(model);
  await writeFileAtomic(output, bytes);
  return { output, sha256: sha256Bytes(bytes), bytes: bytes.length, sourceSha256 };
}
