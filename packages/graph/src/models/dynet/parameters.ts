/** The parameter set of a configuration, derived from the built graph so the two cannot drift. */
import { readValues } from '../../onnx/serialize';
import { Graph, Value } from '../../ir/graph';
import { DynetConfig } from './config';
import { buildDynet } from './dynet';

export interface ParamSpec {
  name: string;
  shape: number[];
  /** whether the forward pass reads it (reduce_noise_channel_* are declared but unused) */
  onForwardPath: boolean;
}

/** Parameters in the order the forward pass first declares them. S and L share this list. */
export function dynetParameterSpecs(config: DynetConfig): ParamSpec[] {
  return graphParameterSpecs(buildDynet(config, 'S'));
}

export function graphParameterSpecs(g: Graph): ParamSpec[] {
  const used = readValues(g.nodes);
  return [...g.params.values()].map((v) => ({ name: v.name, shape: v.shape as number[], onForwardPath: used.has(v) }));
}
