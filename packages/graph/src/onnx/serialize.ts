import { onnx } from 'onnx-proto';
import { GraphError } from '../errors';
import { ONNX_DTYPE } from '../ir/dtype';
import { Graph, Node, Value } from '../ir/graph';
import { encodeModel, makeExternalTensor, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo } from './make';
import { WeightsLayout } from './weights-layout';
import { StateDict } from '../weights/types';

export interface SerializeOptions {
  /**
   * where the parameters' bytes are (every graph parameter must be in it); without it the
   * parameters become graph inputs, as training graphs take them
   */
  weights?: WeightsLayout;
  /** the parameters' values, stored inside the model as float32 initializers (instead of `weights`) */
  inlineWeights?: StateDict;
  metadata: Record<string, string>;
  producerVersion: string;
}

function rawBytes(v: Value): Uint8Array {
  const d = v.constData!;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** ONNX ModelProto bytes for a built graph; parameters are external, constants inline. */
export function serializeGraph(g: Graph, opts: SerializeOptions): Uint8Array {
  return encodeModel(toModelProto(g, opts));
}

/** The float32 value a graph reads for a parameter that a float16 weights file stores. */
const castName = (param: string) => `${param}.float32`;

export function toModelProto(g: Graph, opts: SerializeOptions): onnx.IModelProto {
  const used = usedValues(g);
  const params = [...g.params.values()].filter((p) => used.has(p));
  const weights = opts.weights;
  // Stored as float16, a parameter keeps its state-dict name and a Cast gives the nodes float32.
  const half = weights?.dtype === 'float16' ? new Set(params) : new Set<Value>();
  const casts = [...half].map((p) => makeNode('Cast', [p.name], [castName(p.name)], `${p.name}/cast`, { to: ONNX_DTYPE.float32 }));
  const inputName = (v: Value | null) => (!v ? '' : half.has(v) ? castName(v.name) : v.name);
  const nodeProtos = (nodes: readonly Node[]): onnx.INodeProto[] =>
    nodes.map((n) => {
      // a subgraph (Loop's body) reads outer values, parameters included, by name
      const graphs: Record<string, onnx.IGraphProto> = {};
      for (const [k, a] of Object.entries(n.attrs)) {
        if (typeof a !== 'object' || Array.isArray(a)) continue;
        const { inputs, outputs, nodes: body } = a.subgraph;
        const info = (v: Value) => makeValueInfo(v.name, v.dtype, v.shape);
        graphs[k] = makeGraph(`${n.name}/${k}`, nodeProtos(body), inputs.map(info), outputs.map(info), []);
      }
      return makeNode(n.opType, n.inputs.map(inputName), n.outputs.map((v) => v.name), n.name, n.attrs, graphs);
    });
  const nodes = casts.concat(nodeProtos(g.nodes));
  const external = weights
    ? params.map((p) => {
        const entry = weights.entries.get(p.name);
        if (!entry) throw new GraphError('serialize', p.name, 'parameter is not in the weights layout');
        return makeExternalTensor(p.name, p.shape as number[], weights.location, entry.offset, weights.dtype);
      })
    : [];
  const inline = opts.inlineWeights
    ? params.map((p) => {
        const t = opts.inlineWeights!.get(p.name);
        if (!t) throw new GraphError('serialize', p.name, 'parameter has no value in the weights');
        const data = Float32Array.from(t.data as ArrayLike<number>);
        return makeTensor(p.name, 'float32', p.shape as number[], new Uint8Array(data.buffer));
      })
    : [];
  const initializers = [
    ...external,
    ...inline,
    ...g.constants.filter((c) => used.has(c)).map((c) => makeTensor(c.name, c.dtype, c.shape as number[], rawBytes(c))),
  ];
  const graph = makeGraph(
    'dynet',
    nodes,
    [...(weights || opts.inlineWeights ? [] : params), ...g.inputs].map((v) => makeValueInfo(v.name, v.dtype, v.shape)),
    g.outputs.map((v) => makeValueInfo(v.name, v.dtype, v.shape)),
    initializers,
  );
  return makeModel(graph, opts.metadata, opts.producerVersion);
}

function usedValues(g: Graph): Set<Value> {
  const used = new Set<Value>(readValues(g.nodes));
  for (const v of g.outputs) used.add(v);
  return used;
}

/** Every value a node reads, inside subgraphs too. */
export function readValues(nodes: readonly Node[]): Set<Value> {
  const read = new Set<Value>();
  const visit = (ns: readonly Node[]) => {
    for (const n of ns) {
      for (const v of n.inputs) if (v) read.add(v);
      for (const a of Object.values(n.attrs)) {
        if (typeof a === 'object' && !Array.isArray(a)) {
          visit(a.subgraph.nodes);
          for (const v of a.subgraph.outputs) read.add(v);
        }
      }
    }
  };
  visit(nodes);
  return read;
}
