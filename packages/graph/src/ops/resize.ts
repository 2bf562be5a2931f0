import { GraphError } from '../errors';
import { Dim } from '../ir/dim';
import { Value } from '../ir/graph';
import { runtimeShape } from './runtime-shape';

/**
 * Bilinear resize of the two spatial axes to (h, w), as PyTorch's
 * F.interpolate(mode="bilinear", align_corners=False) without antialias: half-pixel centres.
 */
export function resizeBilinear(x: Value, h: Dim, w: Dim): Value {
  const g = x.graph;
  if (x.rank !== 4) throw new GraphError('Resize', g.pendingNodeName('Resize'), 'expects NCHW input', { x: x.shape });
  const shape = [x.shape[0], x.shape[1], h, w];
  const sizes = runtimeShape(g, shape);
  const attrs = { coordinate_transformation_mode: 'half_pixel', mode: 'linear' };
  return g.addNode('Resize', [x, null, null, sizes], attrs, [{ dtype: x.dtype, shape }])[0];
}
