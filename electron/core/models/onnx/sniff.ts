/**
 * A cheap structural check of an ONNX file before ONNX Runtime sees it: walks the top-level
 * protobuf fields of ModelProto and requires a graph (field 7) and that every field fits in the
 * file. Catches truncated downloads and files that are not ONNX at all with a clear reason;
 * ONNX Runtime remains the judge of everything inside the graph.
 */
export function sniffOnnx(bytes: Uint8Array): { ok: true } | { ok: false; reason: string } {
  let pos = 0;
  let sawGraph = false;
  const varint = (): number | undefined => {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      const b = bytes[pos++];
      if (b === undefined) return undefined;
      result += (b & 0x7f) * shift;
      if ((b & 0x80) === 0) return result;
      shift *= 128;
    }
    return undefined;
  };
  while (pos < bytes.length) {
    const key = varint();
    if (key === undefined) return { ok: false, reason: 'truncated field header' };
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 0) return { ok: false, reason: 'not a protobuf message' };
    if (wire === 0) {
      if (varint() === undefined) return { ok: false, reason: 'truncated varint' };
    } else if (wire === 2) {
      const len = varint();
      if (len === undefined || pos + len > bytes.length) {
        return { ok: false, reason: `field ${field} runs past the end of the file (truncated?)` };
      }
      pos += len;
      if (field === 7) sawGraph = true;
    } else if (wire === 5) pos += 4;
    else if (wire === 1) pos += 8;
    else return { ok: false, reason: `unexpected wire type ${wire}` };
  }
  if (pos > bytes.length) return { ok: false, reason: 'truncated' };
  return sawGraph ? { ok: true } : { ok: false, reason: 'no graph in the file' };
}
