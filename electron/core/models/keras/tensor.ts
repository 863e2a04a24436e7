/** Transposes a dense row-major array: output axis i is input axis perm[i]. */
export function permute(
  data: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
): { data: Float32Array; shape: number[] } {
  const rank = shape.length;
  if (perm.length !== rank) throw new Error(`permute: rank ${rank} but ${perm.length} axes`);
  const outShape = perm.map((p) => shape[p] ?? 0);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = (inStrides[i + 1] ?? 1) * (shape[i + 1] ?? 1);
  const strides = perm.map((p) => inStrides[p] ?? 0);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += (idx[i] ?? 0) * (strides[i] ?? 0);
    out[o] = data[src] ?? 0;
    // odometer increment over the output shape
    for (let i = rank - 1; i >= 0; i--) {
      const next = (idx[i] ?? 0) + 1;
      if (next < (outShape[i] ?? 0)) {
        idx[i] = next;
        break;
      }
      idx[i] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/** Keras Conv2D kernel (H, W, in, out) -> ONNX Conv weight (out, in, H, W). */
export function convKernelToOnnx(
  data: Float32Array,
  shape: readonly number[],
): { data: Float32Array; shape: number[] } {
  return permute(data, shape, [3, 2, 0, 1]);
}

/**
 * Keras depthwise kernel (H, W, in, multiplier) -> ONNX grouped Conv weight (in*multiplier, 1, H, W);
 * TensorFlow numbers depthwise output channels c*multiplier + m, as does ONNX with group = in.
 */
export function depthwiseKernelToOnnx(
  data: Float32Array,
  shape: readonly number[],
): { data: Float32Array; shape: number[] } {
  const [h = 0, w = 0, cin = 0, mult = 0] = shape;
  const p = permute(data, shape, [2, 3, 0, 1]);
  return { data: p.data, shape: [cin * mult, 1, h, w] };
}

/** Keras Conv2DTranspose kernel (H, W, out, in) -> ONNX ConvTranspose weight (in, out, H, W). */
export function transposedKernelToOnnx(
  data: Float32Array,
  shape: readonly number[],
): { data: Float32Array; shape: number[] } {
  return permute(data, shape, [3, 2, 0, 1]);
}
