import { basename } from 'node:path';
import { readKerasH5 } from './keras/hdf5.js';
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

/**
 * Converts a Keras 2.x HDF5 model file (`model.save`, with its `model_config`) to ONNX and writes
 * it atomically. `config` overrides the file's config (for weights-only files).
 */
export async function convertKerasFile(
  h5Path: string,
  output: string,
  options: ConvertOptions & { config?: unknown } = {},
): Promise<ConvertResult> {
  const [h5, sourceSha256] = await Promise.all([readKerasH5(h5Path), sha256File(h5Path)]);
  const model = kerasToOnnx(
    { file: h5Path, config: options.config ?? h5.config, weights: h5.weights },
    {
      ...options,
      metadata: {
        source_file: basename(h5Path),
        source_sha256: sourceSha256,
        keras_version: h5.kerasVersion ?? 'unknown',
        ...options.metadata,
      },
    },
  );
  const bytes = encodeModel(model);
  await writeFileAtomic(output, bytes);
  return { output, sha256: sha256Bytes(bytes), bytes: bytes.length, sourceSha256 };
}
