/**
 * Pure constructors for ONNX protos, after onnx.helper: each validates its arguments and
 * names the culprit. Attributes are typed by the op vocabulary and sorted by name so the
 * serialised bytes are stable.
 */
import { onnx } from 'onnx-proto';
import { Dim, dimToString } from '../ir/dim';
import { DType, ONNX_DTYPE } from '../ir/dtype';
import { AttrValue } from '../ir/graph';
import { DOMAIN_VERSIONS, opDomain, opSchema } from '../ops/names';
import { WEIGHTS_DTYPE_INFO, WeightsDType } from './weights-layout';

export const OPSET_VERSION = 17;
export const IR_VERSION = 8;

const ATTR_TYPE = onnx.AttributeProto.AttributeType;

/** A GRAPH attribute (Loop's body), its GraphProto made by the caller. */
export function makeGraphAttribute(opType: string, name: string, g: onnx.IGraphProto): onnx.IAttributeProto {
  if (opSchema(opType).attrs[name] !== 'graph') throw new TypeError(`attribute '${name}' of op '${opType}' is not a graph`);
  return { name, type: ATTR_TYPE.GRAPH, g };
}

export function makeAttribute(opType: string, name: string, value: AttrValue): onnx.IAttributeProto {
  const type = opSchema(opType).attrs[name];
  if (type === 'graph' || typeof value === 'object' && !Array.isArray(value)) throw new TypeError(`attribute '${name}' of op '${opType}': graphs go through makeGraphAttribute`);
  const bad = () => new TypeError(`attribute '${name}' of op '${opType}' must be ${type}, got ${JSON.stringify(value)}`);
  const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
  if (type === 'int' && !isInt(value)) throw bad();
  if (type === 'ints' && !(Array.isArray(value) && value.every(isInt))) throw bad();
  if (type === 'float' && typeof value !== 'number') throw bad();
  if (type === 'string' && typeof value !== 'string') throw bad();
  switch (type) {
    case 'int':
      return { name, type: ATTR_TYPE.INT, i: value as number };
    case 'ints':
      return { name, type: ATTR_TYPE.INTS, ints: value as number[] };
    case 'float':
      return { name, type: ATTR_TYPE.FLOAT, f: value as number };
    case 'string':
      return { name, type: ATTR_TYPE.STRING, s: new TextEncoder().encode(value as string) };
    default:
      throw new TypeError(`attribute '${name}' is not declared for op '${opType}' in ops/names.ts`);
  }
}

export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  name: string,
  attrs: Record<string, AttrValue>,
  graphs: Record<string, onnx.IGraphProto> = {},
): onnx.INodeProto {
  opSchema(opType); // throws for an op outside the vocabulary
  const attribute = [...Object.keys(attrs).filter((k) => !(k in graphs)), ...Object.keys(graphs)]
    .sort()
    .map((k) => (k in graphs ? makeGraphAttribute(opType, k, graphs[k]) : makeAttribute(opType, k, attrs[k])));
  const { domain, name: op } = opDomain(opType);
  return { input: inputs, output: outputs, name, opType: op, domain, attribute };
}

export function makeValueInfo(name: string, dtype: DType, shape: readonly Dim[]): onnx.IValueInfoProto {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: dimToString(d) }));
  return { name, type: { tensorType: { elemType: ONNX_DTYPE[dtype], shape: { dim } } } };
}

/** A tensor whose bytes are stored inline (little-endian raw data). */
export function makeTensor(name: string, dtype: DType, dims: readonly number[], raw: Uint8Array): onnx.ITensorProto {
  if (!dims.every((d) => Number.isInteger(d) && d >= 0)) throw new RangeError(`tensor '${name}': dims [${dims}] must be non-negative integers`);
  const count = dims.reduce((a, b) => a * b, 1);
  const width = dtype === 'bool' ? 1 : dtype === 'float32' ? 4 : 8;
  if (raw.byteLength !== count * width) {
    throw new RangeError(`tensor '${name}': ${raw.byteLength} bytes do not match dims [${dims}] of ${dtype}`);
  }
  return { name, dataType: ONNX_DTYPE[dtype], dims: [...dims], rawData: raw };
}

/** A float32 or float16 tensor whose bytes live in an external file at `offset`. */
export function makeExternalTensor(
  name: string,
  dims: readonly number[],
  location: string,
  offset: number,
  stored: WeightsDType = 'float32',
): onnx.ITensorProto {
  const { onnx: code, bytes } = WEIGHTS_DTYPE_INFO[stored];
  const length = dims.reduce((a, b) => a * b, 1) * bytes;
  const externalData = [
    { key: 'location', value: location },
    { key: 'offset', value: String(offset) },
    { key: 'length', value: String(length) },
  ];
  return { name, dataType: code, dims: [...dims], externalData, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL };
}

export function makeGraph(
  name: string,
  nodes: onnx.INodeProto[],
  inputs: onnx.IValueInfoProto[],
  outputs: onnx.IValueInfoProto[],
  initializers: onnx.ITensorProto[],
): onnx.IGraphProto {
  return { name, node: nodes, input: inputs, output: outputs, initializer: initializers };
}

export function makeModel(graph: onnx.IGraphProto, metadata: Record<string, string>, producerVersion: string): onnx.IModelProto {
  const domains = new Set<string>();
  const visit = (g: onnx.IGraphProto) => {
    for (const n of g.node ?? []) {
      if (n.domain) domains.add(n.domain);
      for (const a of n.attribute ?? []) if (a.g) visit(a.g);
    }
  };
  visit(graph);
  const extra = [...domains].sort().map((domain) => {
    if (!(domain in DOMAIN_VERSIONS)) throw new TypeError(`domain '${domain}' has no opset version in ops/names.ts`);
    return { domain, version: DOMAIN_VERSIONS[domain] };
  });
  return {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }, ...extra],
    producerName: 'dynet',
    producerVersion,
    graph,
    metadataProps: Object.keys(metadata)
      .sort()
      .map((key) => ({ key, value: metadata[key] })),
  };
}

export function encodeModel(model: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}
