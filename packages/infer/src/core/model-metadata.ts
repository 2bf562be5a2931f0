/**
 * Reads the metadata props of an ONNX model (ModelProto field 14, `metadata_props`, a repeated
 * StringStringEntryProto) by walking the top-level protobuf fields and skipping the rest, so the
 * graph is never decoded. A file that does not parse as a ModelProto is reported as such.
 */
const METADATA_PROPS = 14;
const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

export class ModelFormatError extends Error {}

/** The model's metadata props as a record (last value wins for a repeated key). */
export function readModelMetadata(bytes: Uint8Array): Record<string, string> {
  const props: Record<string, string> = {};
  const decoder = new TextDecoder('utf-8');
  let sawGraph = false;
  forEachField(bytes, 0, bytes.length, (field, wire, start, end) => {
    if (field === 7 && wire === WIRE_LEN) sawGraph = true;
    if (field !== METADATA_PROPS || wire !== WIRE_LEN) return;
    let key = '';
    let value = '';
    forEachField(bytes, start, end, (f, w, s, e) => {
      if (w !== WIRE_LEN) return;
      if (f === 1) key = decoder.decode(bytes.subarray(s, e));
      if (f === 2) value = decoder.decode(bytes.subarray(s, e));
    });
    props[key] = value;
  });
  if (!sawGraph) throw new ModelFormatError('not an ONNX model (no graph)');
  return props;
}

/** readModelMetadata, with any error prefixed by `name` (the file or URL the bytes came from). */
export function readModelMetadataOf(bytes: Uint8Array, name: string): Record<string, string> {
  try {
    return readModelMetadata(bytes);
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`);
  }
}

type FieldVisitor = (field: number, wire: number, start: number, end: number) => void;

/** Calls `visit` for each field in bytes[from, to); for length-delimited fields, [start, end) is the payload. */
function forEachField(bytes: Uint8Array, from: number, to: number, visit: FieldVisitor): void {
  let pos = from;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (pos >= to) throw new ModelFormatError('not an ONNX model or truncated (a field runs past the end)');
      const b = bytes[pos++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    throw new ModelFormatError('not an ONNX model (malformed varint)');
  };
  while (pos < to) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw new ModelFormatError('not an ONNX model (field number 0)');
    let start = pos;
    if (wire === WIRE_VARINT) varint();
    else if (wire === WIRE_I64) pos += 8;
    else if (wire === WIRE_I32) pos += 4;
    else if (wire === WIRE_LEN) {
      const length = varint();
      start = pos;
      pos += length;
    } else throw new ModelFormatError(`not an ONNX model (wire type ${wire})`);
    if (pos > to) throw new ModelFormatError('not an ONNX model or truncated (a field runs past the end)');
    visit(field, wire, start, pos);
  }
}
