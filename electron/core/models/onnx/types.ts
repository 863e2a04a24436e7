/**
 * The subset of ONNX's protobuf schema (onnx.proto, IR version 8) that our converters produce.
 * Plain data; onnx/encode.ts turns it into the wire format.
 */

/** TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

export type AttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] };

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, AttributeValue>>;
}

/** A constant tensor (weights). float32 or int64 data, little-endian raw bytes on the wire. */
export type OnnxTensor =
  | { name: string; dims: readonly number[]; dataType: typeof ONNX_FLOAT; data: Float32Array }
  | { name: string; dims: readonly number[]; dataType: typeof ONNX_INT64; data: BigInt64Array };

/** A dimension is a fixed size or a symbolic name (dynamic). */
export type OnnxDim = number | string;

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  shape: readonly OnnxDim[];
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  metadata?: Readonly<Record<string, string>>;
  graph: OnnxGraph;
}
