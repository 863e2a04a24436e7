import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../../electron/core/models/onnx/encode.js';
import { ProtoWriter } from '../../../electron/core/models/onnx/protobuf.js';
import { sniffOnnx } from '../../../electron/core/models/onnx/sniff.js';
import { ONNX_FLOAT } from '../../../electron/core/models/onnx/types.js';
import { permute } from '../../../electron/core/models/keras/tensor.js';

describe('ONNX protobuf writer', () => {
  it('writes varints as protobuf does (multi-byte, int64, negative)', () => {
    expect([...new ProtoWriter().int(1, 150).finish()]).toEqual([0x08, 0x96, 0x01]);
    expect([...new ProtoWriter().int(2, 2 ** 40).finish()]).toEqual([
      0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20,
    ]);
    expect([...new ProtoWriter().int(1, -1).finish()]).toEqual([0x08, ...Array(9).fill(0xff), 0x01]);
    expect([...new ProtoWriter().string(2, 'hi').finish()]).toEqual([0x12, 2, 0x68, 0x69]);
  });

  it('encodes a graph that ONNX Runtime loads and runs (attributes, initializers, dynamic dims)', async () => {
    const bytes = encodeModel({
      irVersion: 8,
      opsetVersion: 17,
      producerName: 'test',
      producerVersion: '1',
      metadata: { k: 'v' },
      graph: {
        name: 'g',
        nodes: [
          { opType: 'Add', name: 'add', inputs: ['x', 'b'], outputs: ['s'] },
          {
            opType: 'MaxPool',
            name: 'pool',
            inputs: ['s'],
            outputs: ['y'],
            attributes: {
              kernel_shape: { kind: 'ints', value: [2, 2] },
              strides: { kind: 'ints', value: [2, 2] },
            },
          },
        ],
        initializers: [
          { name: 'b', dims: [1, 2, 1, 1], dataType: ONNX_FLOAT, data: Float32Array.from([10, 20]) },
        ],
        inputs: [{ name: 'x', elemType: ONNX_FLOAT, shape: ['N', 2, 'H', 'W'] }],
        outputs: [{ name: 'y', elemType: ONNX_FLOAT, shape: ['N', 2, 'H2', 'W2'] }],
      },
    });
    expect(sniffOnnx(bytes)).toEqual({ ok: true });
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputMetadata[0]).toMatchObject({ name: 'x', shape: ['N', 2, 'H', 'W'] });
    const x = Float32Array.from({ length: 2 * 4 * 4 }, (_, i) => i);
    const out = await session.run({ x: new ort.Tensor('float32', x, [1, 2, 4, 4]) });
    expect(out.y?.dims).toEqual([1, 2, 2, 2]);
    expect([...(out.y?.data as Float32Array)]).toEqual([15, 17, 23, 25, 41, 43, 49, 51]);
    await session.release();
  });

  it('permutes row-major arrays (HWIO -> OIHW)', () => {
    // shape (1, 2, 3): value = 100*i + 10*j + k
    const data = Float32Array.from([0, 1, 2, 10, 11, 12]);
    const { data: out, shape } = permute(data, [1, 2, 3], [2, 1, 0]);
    expect(shape).toEqual([3, 2, 1]);
    expect([...out]).toEqual([0, 10, 1, 11, 2, 12]);
  });
});
