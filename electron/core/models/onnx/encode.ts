import { ProtoWriter } from './protobuf.js';
import type { AttributeValue, OnnxGraph, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from './types.js';

/*
 * Field numbers from onnx/onnx.proto (stable since IR version 3). Only the fields we write.
 */

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

function writeAttribute(w: ProtoWriter, name: string, attr: AttributeValue): void {
  w.string(1, name);
  switch (attr.kind) {
    case 'float':
      w.float(2, attr.value).int(20, ATTR_FLOAT);
      break;
    case 'int':
      w.int(3, attr.value).int(20, ATTR_INT);
      break;
    case 'string':
      w.string(4, attr.value).int(20, ATTR_STRING);
      break;
    case 'floats':
      w.packedFloats(7, attr.value).int(20, ATTR_FLOATS);
      break;
    case 'ints':
      w.packedInts(8, attr.value).int(20, ATTR_INTS);
      break;
  }
}

function writeNode(w: ProtoWriter, node: OnnxNode): void {
  for (const i of node.inputs) w.string(1, i);
  for (const o of node.outputs) w.string(2, o);
  w.string(3, node.name).string(4, node.opType);
  for (const [name, attr] of Object.entries(node.attributes ?? {})) {
    w.message(5, (a) => writeAttribute(a, name, attr));
  }
}

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  w.packedInts(1, t.dims).int(2, t.dataType).string(8, t.name);
  // raw_data is little-endian; copy so a view into a larger buffer writes only its own bytes.
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
    throw new Error('big-endian hosts are not supported');
  w.bytes(9, bytes);
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  // TypeProto { tensor_type (1): { elem_type (1), shape (2): { dim (1): { dim_value (1) | dim_param (2) } } } }
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      tensor.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
}

function writeGraph(w: ProtoWriter, g: OnnxGraph): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t));
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v));
}

/** Serialises a model to the ONNX protobuf wire format (a `.onnx` file's bytes). */
export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, model.irVersion).string(2, model.producerName).string(3, model.producerVersion);
  if (model.docString) w.string(6, model.docString);
  w.message(7, (g) => writeGraph(g, model.graph));
  // OperatorSetIdProto { domain (1) = "" (default ONNX domain, omitted), version (2) }
  w.message(8, (o) => o.int(2, model.opsetVersion));
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    w.message(14, (m) => m.string(1, key).string(2, value));
  }
  return w.finish();
}
