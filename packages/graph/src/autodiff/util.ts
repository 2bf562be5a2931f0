/** Pieces several gradient rules share. */
import { GraphError } from '../errors';
import { Value } from '../ir/graph';
import { reduceSum } from '../ops/reduce';
import { reshape } from '../ops/shape';

/** Static shape of a value, as training graphs have; names the value otherwise. */
export function dims(v: Value): number[] {
  if (!v.shape.every((d) => typeof d === 'number')) {
    throw new GraphError('autodiff', v.name, 'gradients need static shapes (build the training graph at a fixed batch and size)', { value: v.shape });
  }
  return v.shape as number[];
}

/**
 * Sums a broadcast gradient back to the shape of the operand it came from: numpy broadcasting
 * prepends axes and stretches size-1 axes, so their gradients add up.
 */
export function unbroadcast(dx: Value, target: Value): Value {
  const want = dims(target);
  const have = dims(dx);
  const lead = have.length - want.length;
  const axes = have.map((d, i) => i).filter((i) => i < lead || (want[i - lead] === 1 && have[i] !== 1));
  if (axes.length === 0) return dx;
  const summed = reduceSum(dx, axes, true);
  return lead > 0 || summed.rank !== want.length ? reshape(summed, want) : summed;
}
