/**
 * Reads an ONNX file back into the plain data of onnx/types.ts: the subset that onnx/encode.ts
 * writes (nodes, attributes, raw-data initializers, inputs, outputs, metadata). The quantiser
 * starts from the shipped fp32 file this way, so what it quantises is the model the app runs
 * (decode then encode gives the same bytes for a file our writer made). Anything outside the
 * subset is an error rather than silently dropped.
 */
import type {
  AttributeValue,
  OnnxDim,
  OnnxGraph,
  OnnxModel,
  OnnxNode,
  OnnxTensor,
  OnnxValueInfo,
} from './types.js';
import { ONNX_FLOAT, ONNX_INT32, ONNX_INT64, ONNX_INT8, ONNX_UINT8 } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

interface Field {
  field: number;
  wire: number;
  /** Varint value (wire 0) as a bigint, so int64 and negative values survive. */
  varint: bigint;
  /** Payload of a length-delimited (2) or fixed-size (1, 5) field. */
  bytes: Uint8Array;
}

/** Splits one protobuf message into its fields, in order. */
function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++];
      if (b === undefined) throw new Error('ONNX decode: truncated varint');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('ONNX decode: varint too long');
    }
  };
  const take = (n: number): Uint8Array => {
    if (pos + n > buf.length) throw new Error('ONNX decode: field runs past the end');
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ field, wire, varint: varint(), bytes: new Uint8Array(0) });
    else if (wire === 2) out.push({ field, wire, varint: 0n, bytes: take(Number(varint())) });
    else if (wire === 5) out.push({ field, wire, varint: 0n, bytes: take(4) });
    else if (wire === 1) out.push({ field, wire, varint: 0n, bytes: take(8) });
    else throw new Error(`ONNX decode: unsupported wire type ${wire}`);
  }
  return out;
}

const int = (f: Field): number => Number(BigInt.asIntN(64, f.varint));
const str = (f: Field): string => utf8.decode(f.bytes);

function packedInts(f: Field): number[] {
  // Unpacked: one varint field per value; packed: a run of varints in one length-delimited field.
  if (f.wire === 0) return [int(f)];
  const out: number[] = [];
  let value = 0n;
  let shift = 0n;
  for (const b of f.bytes) {
    value |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) {
      out.push(Number(BigInt.asIntN(64, value)));
      value = 0n;
      shift = 0n;
    }
  }
  return out;
}

function packedFloats(f: Field): number[] {
  const view = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= f.bytes.length; i += 4) out.push(view.getFloat32(i, true));
  return out;
}

function decodeAttribute(buf: Uint8Array): [string, AttributeValue] {
  let name = '';
  let type = 0;
  let f = 0;
  let i = 0;
  let s = '';
  const floats: number[] = [];
  const ints: number[] = [];
  for (const x of fields(buf)) {
    if (x.field === 1) name = str(x);
    else if (x.field === 2) f = new DataView(x.bytes.buffer, x.bytes.byteOffset, 4).getFloat32(0, true);
    else if (x.field === 3) i = int(x);
    else if (x.field === 4) s = str(x);
    else if (x.field === 7) floats.push(...packedFloats(x));
    else if (x.field === 8) ints.push(...packedInts(x));
    else if (x.field === 20) type = int(x);
  }
  switch (type) {
    case 1:
      return [name, { kind: 'float', value: f }];
    case 2:
      return [name, { kind: 'int', value: i }];
    case 3:
      return [name, { kind: 'string', value: s }];
    case 6:
      return [name, { kind: 'floats', value: floats }];
    case 7:
      return [name, { kind: 'ints', value: ints }];
    default:
      throw new Error(`ONNX decode: attribute "${name}" has unsupported type ${type}`);
  }
}

function decodeNode(buf: Uint8Array): OnnxNode {
  const inputs: string[] = [];
  const outputs: string[] = [];
  let name = '';
  let opType = '';
  let domain = '';
  const attributes: Record<string, AttributeValue> = {};
  for (const x of fields(buf)) {
    if (x.field === 1) inputs.push(str(x));
    else if (x.field === 2) outputs.push(str(x));
    else if (x.field === 3) name = str(x);
    else if (x.field === 4) opType = str(x);
    else if (x.field === 7) domain = str(x);
    else if (x.field === 5) {
      const [k, v] = decodeAttribute(x.bytes);
      attributes[k] = v;
    }
  }
  if (domain !== '') throw new Error(`ONNX decode: node "${name}" is in domain "${domain}"`);
  return { opType, name, inputs, outputs, attributes };
}

function decodeTensor(buf: Uint8Array): OnnxTensor {
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let raw: Uint8Array | undefined;
  for (const x of fields(buf)) {
    if (x.field === 1) dims.push(...packedInts(x));
    else if (x.field === 2) dataType = int(x);
    else if (x.field === 8) name = str(x);
    else if (x.field === 9) raw = x.bytes;
    else if (x.field >= 4 && x.field <= 7) {
      throw new Error(`ONNX decode: initializer "${name}" stores typed data fields, not raw_data`);
    }
  }
  // Copy (not Buffer#slice, which is a view) so the tensor owns aligned memory of its own.
  const bytes = new Uint8Array(raw?.byteLength ?? 0);
  if (raw) bytes.set(raw);
  switch (dataType) {
    case ONNX_FLOAT:
      return { name, dims, dataType, data: new Float32Array(bytes.buffer) };
    case ONNX_UINT8:
      return { name, dims, dataType, data: bytes };
    case ONNX_INT8:
      return { name, dims, dataType, data: new Int8Array(bytes.buffer) };
    case ONNX_INT32:
      return { name, dims, dataType, data: new Int32Array(bytes.buffer) };
    case ONNX_INT64:
      return { name, dims, dataType, data: new BigInt64Array(bytes.buffer) };
    default:
      throw new Error(`ONNX decode: initializer "${name}" has unsupported data type ${dataType}`);
  }
}

function decodeValueInfo(buf: Uint8Array): OnnxValueInfo {
  let name = '';
  let elemType = 0;
  const shape: OnnxDim[] = [];
  for (const x of fields(buf)) {
    if (x.field === 1) name = str(x);
    else if (x.field === 2) {
      for (const t of fields(x.bytes)) {
        if (t.field !== 1) continue; // tensor_type
        for (const tt of fields(t.bytes)) {
          if (tt.field === 1) elemType = int(tt);
          else if (tt.field === 2) {
            for (const dim of fields(tt.bytes)) {
              if (dim.field !== 1) continue;
              for (const d of fields(dim.bytes)) {
                if (d.field === 1) shape.push(int(d));
                else if (d.field === 2) shape.push(str(d));
              }
            }
          }
        }
      }
    }
  }
  return { name, elemType, shape };
}

function decodeGraph(buf: Uint8Array): OnnxGraph {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  let name = '';
  for (const x of fields(buf)) {
    if (x.field === 1) nodes.push(decodeNode(x.bytes));
    else if (x.field === 2) name = str(x);
    else if (x.field === 5) initializers.push(decodeTensor(x.bytes));
    else if (x.field === 11) inputs.push(decodeValueInfo(x.bytes));
    else if (x.field === 12) outputs.push(decodeValueInfo(x.bytes));
  }
  return { name, nodes, initializers, inputs, outputs };
}

/** Parses a `.onnx` file's bytes (the subset onnx/encode.ts writes; default-domain opset only). */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  let irVersion = 0;
  let opsetVersion = 0;
  let producerName = '';
  let producerVersion = '';
  let docString: string | undefined;
  let graph: OnnxGraph | undefined;
  const metadata: Record<string, string> = {};
  let hasMetadata = false;
  for (const x of fields(bytes)) {
    if (x.field === 1) irVersion = int(x);
    else if (x.field === 2) producerName = str(x);
    else if (x.field === 3) producerVersion = str(x);
    else if (x.field === 6) docString = str(x);
    else if (x.field === 7) graph = decodeGraph(x.bytes);
    else if (x.field === 8) {
      let domain = '';
      let version = 0;
      for (const o of fields(x.bytes)) {
        if (o.field === 1) domain = str(o);
        else if (o.field === 2) version = int(o);
      }
      if (domain === '' || domain === 'ai.onnx') opsetVersion = version;
    } else if (x.field === 14) {
      let key = '';
      let value = '';
      for (const m of fields(x.bytes)) {
        if (m.field === 1) key = str(m);
        else if (m.field === 2) value = str(m);
      }
      metadata[key] = value;
      hasMetadata = true;
    }
  }
  if (!graph) throw new Error('ONNX decode: no graph in the file');
  return {
    irVersion,
    opsetVersion,
    producerName,
    producerVersion,
    ...(docString !== undefined ? { docString } : {}),
    ...(hasMetadata ? { metadata } : {}),
    graph,
  };
}
