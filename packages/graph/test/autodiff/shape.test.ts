/**
 * Data-movement gradients (autodiff/rules/shape.ts): Reshape, Transpose, Concat, Split (with
 * an output nobody uses), Slice, Pad and DepthToSpace against finite differences. These ops
 * are linear, so the finite difference is exact up to float32 rounding.
 */
import { Graph, Value } from '../../src/ir/graph';
import { mul, sub } from '../../src/ops/elementwise';
import { concat, depthToSpace, padBoth, pixelUnshuffle, reshape, slice, split, transpose } from '../../src/ops/shape';
import { checkGradients, rightOrRefused } from './grad-check';

/** x -> f(x) for a single differentiable input of the given shape */
function unary(shape: number[], f: (x: Value) => Value) {
  return (g: Graph) => {
    const x = g.input('x', 'float32', shape);
    return { wrt: [x], y: f(x) };
  };
}

describe('shape-op gradients match finite differences', () => {
  test('Reshape x=[2,3,4] -> [6,4]', () => checkGradients(unary([2, 3, 4], (x) => reshape(x, [6, 4]))));
  test('Reshape x=[2,3,4] -> [4,3,2] (reorders no data, rescales nothing)', () =>
    checkGradients(unary([2, 3, 4], (x) => reshape(x, [4, 3, 2]))));

  for (const perm of [
    [1, 0, 2],
    [2, 0, 1],
    [1, 2, 0],
    [0, 2, 1],
  ]) {
    test(`Transpose x=[2,3,4] perm=[${perm}]`, () => checkGradients(unary([2, 3, 4], (x) => transpose(x, perm))));
  }
  test('Transpose x=[2,3,4,5] perm=[0,2,3,1]', () => checkGradients(unary([2, 3, 4, 5], (x) => transpose(x, [0, 2, 3, 1]))));

  test('Concat a=[2,3,4] b=[2,2,4] c=[2,1,4] axis=1', () =>
    checkGradients((g) => {
      const a = g.input('a', 'float32', [2, 3, 4]);
      const b = g.input('b', 'float32', [2, 2, 4]);
      const c = g.input('c', 'float32', [2, 1, 4]);
      return { wrt: [a, b, c], y: concat([a, b, c], 1) };
    }));
  test('Concat a=[2,3] b=[2,5] axis=-1', () =>
    checkGradients((g) => {
      const a = g.input('a', 'float32', [2, 3]);
      const b = g.input('b', 'float32', [2, 5]);
      return { wrt: [a, b], y: concat([a, b], -1) };
    }));
  test('Concat a=[2,3] with itself, and b=[1,3], axis=0 (one value twice)', () =>
    checkGradients((g) => {
      const a = g.input('a', 'float32', [2, 3]);
      const b = g.input('b', 'float32', [1, 3]);
      return { wrt: [a, b], y: concat([a, b, a], 0) };
    }));

  test('Split x=[2,7,3] axis=1 sizes=[2,3,2], middle output unused: y = out0 - 2*out2', () =>
    checkGradients(
      unary([2, 7, 3], (x) => {
        const [p0, , p2] = split(x, 1, [2, 3, 2]);
        return sub(p0, mul(p2, 2));
      }),
    ));
  test('Split x=[4,6] axis=-1 sizes=[1,4,1], only the middle output used', () =>
    checkGradients(unary([4, 6], (x) => split(x, -1, [1, 4, 1])[1])));
  test('Split x=[4,6] axis=0 sizes=[2,2], both used: y = concat(out1, out0)', () =>
    checkGradients(
      unary([4, 6], (x) => {
        const [p0, p1] = split(x, 0, [2, 2]);
        return concat([p1, p0], 1);
      }),
    ));

  test('Slice x=[2,5,3] axis=1 [1:4]', () => checkGradients(unary([2, 5, 3], (x) => slice(x, 1, 1, 4))));
  test('Slice x=[2,5,3] axis=2 [0:1]', () => checkGradients(unary([2, 5, 3], (x) => slice(x, 2, 0, 1))));
  test('Slice x=[4,3] axis=0 [2:4]', () => checkGradients(unary([4, 3], (x) => slice(x, 0, 2, 4))));

  test('Pad x=[2,3,4] before=[0,1,2] after=[1,0,1] mode=constant', () =>
    checkGradients(unary([2, 3, 4], (x) => padBoth(x, [0, 1, 2], [1, 0, 1]))));
  test('Pad x=[1,2,3,3] before=[0,0,1,0] after=[0,0,0,2] mode=constant', () =>
    checkGradients(unary([1, 2, 3, 3], (x) => padBoth(x, [0, 0, 1, 0], [0, 0, 0, 2]))));

  test('DepthToSpace x=[1,8,2,3] blocksize=2 mode=CRD', () => checkGradients(unary([1, 8, 2, 3], (x) => depthToSpace(x, 2))));
  test('DepthToSpace x=[2,9,2,2] blocksize=3 mode=CRD', () => checkGradients(unary([2, 9, 2, 2], (x) => depthToSpace(x, 3))));
  test('pixelUnshuffle (Reshape/Transpose/Reshape) x=[1,2,4,6] r=2', () =>
    checkGradients(unary([1, 2, 4, 6], (x) => pixelUnshuffle(x, 2))));
});

/**
 * Modes the helpers never build: DepthToSpace in DCR mode and non-constant Pad. Their rules
 * refuse them by name rather than return a wrong gradient silently.
 */
describe('modes the shape rules do not support are refused', () => {
  test('DepthToSpace x=[1,8,2,3] blocksize=2 mode=DCR is refused by name', () =>
    rightOrRefused(
      () =>
        checkGradients(
          unary([1, 8, 2, 3], (x) => {
            const out = [{ dtype: 'float32' as const, shape: [1, 2, 4, 6] }];
            return x.graph.addNode('DepthToSpace', [x], { blocksize: 2, mode: 'DCR' }, out)[0];
          }),
        ),
      /DCR/,
    ));

  test('Pad x=[2,5] before=[0,2] after=[0,1] mode=reflect is refused by name', () =>
    rightOrRefused(
      () =>
        checkGradients(
          unary([2, 5], (x) => {
            const pads = x.graph.ints([0, 2, 0, 1]);
            return x.graph.addNode('Pad', [x, pads], { mode: 'reflect' }, [{ dtype: 'float32', shape: [2, 8] }])[0];
          }),
        ),
      /reflect/,
    ));
});
