import { GraphError } from '../errors';
import { dimEquals } from '../ir/dim';
import { Value } from '../ir/graph';

/** softmax along `axis` */
export function softmax(x: Value, axis: number): Value {
  return x.graph.addNode('Softmax', [x], { axis }, [{ dtype: x.dtype, shape: x.shape }])[0];
}

/** (x - mean) / sqrt(var + eps) * scale + bias over the last axis (biased variance). */
export function layerNormalization(x: Value, scale: Value, bias: Value, epsilon: number): Value {
  const g = x.graph;
  const last = x.shape[x.rank - 1];
  if (scale.rank !== 1 || !dimEquals(scale.shape[0], last) || !dimEquals(bias.shape[0], last)) {
    throw new GraphError('LayerNormalization', g.pendingNodeName('LayerNormalization'), 'scale and bias must match the last axis', {
      x: x.shape,
      scale: scale.shape,
      bias: bias.shape,
    });
  }
  return g.addNode('LayerNormalization', [x, scale, bias], { axis: -1, epsilon }, [{ dtype: x.dtype, shape: x.shape }])[0];
}
