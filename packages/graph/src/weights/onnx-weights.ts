/**
 * Reads the parameters of a model this toolkit exported (`dynet-s.onnx` beside its
 * `dynet.weights.bin`), so that an exported or bundled model can be fine-tuned. The graph's
 * initializers name each parameter and where its bytes lie in the external weights file;
 * float16 weights files are widened to float32.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Float16Array } from '@petamoriken/float16';
import { onnx } from 'onnx-proto';
import { StateDict, WeightFileError } from './types';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;

/** Every float initializer an exported `.onnx` file keeps in external data, under its own name. */
export function readOnnxWeights(file: string): StateDict {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(fs.readFileSync(file));
  } catch (err) {
    throw new WeightFileError(file, `not an ONNX model or truncated (${(err as Error).message})`);
  }
  const out: StateDict = new Map();
  const files = new Map<string, Buffer>();
  for (const init of model.graph?.initializer ?? []) {
    const type = init.dataType;
    if (type !== FLOAT && type !== FLOAT16) continue;
    const shape = (init.dims ?? []).map(Number);
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new WeightFileError(file, `initializer '${init.name}' has dims [${shape}]`);
    const count = shape.reduce((a, b) => a * b, 1);
    const bytesPer = type === FLOAT ? 4 : 2;
    // parameters live in the external weights file; inline initializers are the graph's constants
    if (init.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const entry = new Map((init.externalData ?? []).map((e) => [e.key, e.value]));
    const location = entry.get('location');
    if (!location || path.isAbsolute(location) || location.split(/[\\/]/).includes('..')) {
      throw new WeightFileError(file, `initializer '${init.name}' points outside the model's folder (${location ?? 'no location'})`);
    }
    const where = path.join(path.dirname(file), location);
    if (!files.has(where)) {
      try {
        files.set(where, fs.readFileSync(where));
      } catch (err) {
        throw new WeightFileError(file, `cannot read its weights file ${location} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
    }
    const bytes = files.get(where)!;
    // absent: 0 and the tensor's size; present: a decimal count (Number() would read '' as 0, 'x' as NaN)
    const offsetText = entry.get('offset') ?? '0';
    const lengthText = entry.get('length') ?? String(count * bytesPer);
    const offset = decimal(offsetText);
    const length = decimal(lengthText);
    if (length !== count * bytesPer || !(offset >= 0) || offset + length > bytes.length) {
      throw new WeightFileError(file, `initializer '${init.name}' [${shape}] does not fit ${location} (offset ${offsetText}, length ${lengthText}, file ${bytes.length} bytes)`);
    }
    const copy = new Uint8Array(bytes.subarray(offset, offset + length)); // aligned, detached from the file buffer
    const data = type === FLOAT ? new Float32Array(copy.buffer) : Float32Array.from(new Float16Array(copy.buffer));
    out.set(init.name!, { shape, data });
  }
  if (out.size === 0) throw new WeightFileError(file, 'holds no float parameters');
  return out;
}

/** A non-negative decimal integer as ONNX writes external-data offsets and lengths; NaN otherwise. */
function decimal(text: string | null | undefined): number {
  return typeof text === 'string' && /^\d{1,15}$/.test(text) ? Number(text) : NaN;
}
