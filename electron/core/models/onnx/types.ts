/**
 * The subset of ONNX's protobuf schema (onnx.proto, IR version 8) that our converters produce.
 * Plain data; onnx/encode.ts turns it into the wire format.
 */

/** TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_UINT8 = 2;
export const ONNX_INT8 = 3;
export const ONNX_INT32 = 6;
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

/**
 * A constant tensor (weights), little-endian raw bytes on the wire. float32 and int64 for the
 * converters; uint8, int8 and int32 for quantised models (models/quantize/).
 */
export type OnnxTensor =
  | { name: string; dims: readonly number[]; dataType: typeof ONNX_FLOAT; data: Float32Array }
  | { name: string; dims: readonly number[]; dataType: typeof ONNX_INT64; data: BigInt64Array }
  | { name: string; dims: readonly number[]; dataType: typeof ONNX_UINT8; data: Uint8Array }
  | { name: string; dims: readonly number[]; dataType: typeof ONNX_INT8; data: Int8Array }
  | { name: string; dims: readonly number[]; dataType: typeof ONNX_INT32; data: Int32Array };

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
