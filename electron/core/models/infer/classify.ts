import type { CardOutput } from '../card.js';

/**
 * Turns the network's output at one pixel into a class of the schema. `values` holds the k
 * channels at `offset`, `stride` apart (NCHW: stride = h * w).
 */
export function classifier(
  output: CardOutput,
): (values: Float32Array, offset: number, stride: number) => number {
  if (output.kind === 'sigmoid') {
    const [above] = output.classes;
    const { threshold, otherwise } = output;
    return (v, o) => ((v[o] as number) > threshold ? above : otherwise);
  }
  const classes = output.classes;
  return (v, o, stride) => {
    let best = 0;
    let bestVal = -Infinity;
    for (let c = 0; c < classes.length; c++) {
      const x = v[o + c * stride] as number;
      if (x > bestVal) {
        bestVal = x;
        best = c;
      }
    }
    return classes[best] as number;
  };
}

/** Numerically stable softmax over channels, in place, for logits outputs written as probabilities. */
export function softmaxInPlace(v: Float32Array, offset: number, stride: number, k: number): void {
  let max = -Infinity;
  for (let c = 0; c < k; c++) max = Math.max(max, v[offset + c * stride] as number);
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp((v[offset + c * stride] as number) - max);
    v[offset + c * stride] = e;
    sum += e;
  }
  for (let c = 0; c < k; c++) v[offset + c * stride] = (v[offset + c * stride] as number) / sum;
}
