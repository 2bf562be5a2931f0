/**
 * The finite-difference check is tight enough to catch the usual rule mistakes: each test
 * swaps a deliberately broken rule (same output shapes, so the traversal's shape check cannot
 * see it) into this test file's copy of the registry and expects checkGradients to reject it.
 * The registry is restored after each test; jest gives every test file its own module copy.
 */
import { GRADIENT_RULES } from '../../src/autodiff/registry';
import { GradRule } from '../../src/autodiff/rule';
import { unbroadcast } from '../../src/autodiff/util';
import { Graph, Value } from '../../src/ir/graph';
import { conv } from '../../src/ops/conv';
import { add, div, mul, sqrt, sub } from '../../src/ops/elementwise';
import { matmul } from '../../src/ops/matmul';
import { layerNormalization, softmax } from '../../src/ops/norm';
import { reduceMean, reduceSum } from '../../src/ops/reduce';
import { concat, reshape, slice, transpose } from '../../src/ops/shape';
import { checkGradients } from './grad-check';

const rules = GRADIENT_RULES as Map<string, GradRule>;
const saved = new Map(rules);
afterEach(() => saved.forEach((rule, op) => rules.set(op, rule)));

const original = (op: string) => saved.get(op)!;

function binary(sa: number[], sb: number[], f: (a: Value, b: Value) => Value) {
  return (g: Graph) => {
    const a = g.input('a', 'float32', sa);
    const b = g.input('b', 'float32', sb);
    return { wrt: [a, b], y: f(a, b) };
  };
}

const convCase = (x: number[], w: number[], group: number) => (g: Graph) => {
  const xv = g.input('x', 'float32', x);
  const wv = g.param('w', w);
  return { wrt: [xv, wv], y: conv(xv, wv, { kernel_shape: [w[2], w[3]], pads: [1, 1, 1, 1], group }) };
};

describe('the check rejects broken rules', () => {
  test('Sub with the sign of db dropped, a=[2,3,4] b=[3,1]', async () => {
    rules.set('Sub', ({ inputs: [a, b] }, [dy]) => [unbroadcast(dy!, a!), unbroadcast(dy!, b!)]);
    await expect(checkGradients(binary([2, 3, 4], [3, 1], sub))).rejects.toThrow(/d b .* elements off/);
  });

  test('Add with the broadcast operand averaged instead of summed, a=[2,3,4] b=[3,1]', async () => {
    rules.set('Add', (node, [dy], c) => [dy, c.wants(1) ? reshape(reduceMean(dy!, [0, 2], false), [3, 1]) : null]);
    await expect(checkGradients(binary([2, 3, 4], [3, 1], add))).rejects.toThrow(/d b .* elements off/);
  });

  test('MatMul with B not transposed in dA = dY B, a=[2,4,4] b=[4,4] (square, so shapes agree)', async () => {
    rules.set('MatMul', (node, dy, c) => {
      const [, db] = original('MatMul')(node, dy, c);
      return [unbroadcast(matmul(dy[0]!, node.inputs[1]!), node.inputs[0]!), db];
    });
    await expect(checkGradients(binary([2, 4, 4], [4, 4], matmul))).rejects.toThrow(/d a .* elements off/);
  });

  test('Conv without the kernel flip in dx, x=[1,2,4,4] w=[3,2,3,3] pads=1', async () => {
    rules.set('Conv', (node, dy, c) => {
      const [, dw] = original('Conv')(node, dy, c);
      const wT = transpose(node.inputs[1]!, [1, 0, 2, 3]);
      return [conv(dy[0]!, wT, { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), dw];
    });
    await expect(checkGradients(convCase([1, 2, 4, 4], [3, 2, 3, 3], 1))).rejects.toThrow(/d x .* elements off/);
  });

  test('Conv group=2 with the two groups of dW swapped, x=[1,4,4,4] w=[4,2,3,3]', async () => {
    rules.set('Conv', (node, dy, c) => {
      const [dx, dw] = original('Conv')(node, dy, c);
      return [dx, dw && concat([slice(dw, 0, 2, 4), slice(dw, 0, 0, 2)], 0)];
    });
    await expect(checkGradients(convCase([1, 4, 4, 4], [4, 2, 3, 3], 2))).rejects.toThrow(/d w .* elements off/);
  });

  test('Conv depthwise group=4 with the channels of dx rotated, x=[1,4,4,4] w=[4,1,3,3]', async () => {
    rules.set('Conv', (node, dy, c) => {
      const [dx, dw] = original('Conv')(node, dy, c);
      return [dx && concat([slice(dx, 1, 1, 4), slice(dx, 1, 0, 1)], 1), dw];
    });
    await expect(checkGradients(convCase([1, 4, 4, 4], [4, 1, 3, 3], 4))).rejects.toThrow(/d x .* elements off/);
  });

  test('LayerNormalization without the xHat * mean(dxHat * xHat) term, x=[2,3,8]', async () => {
    rules.set('LayerNormalization', (node, dy, c) => {
      const [, ds, db] = original('LayerNormalization')(node, dy, c);
      const x = node.inputs[0]!;
      const centred = sub(x, reduceMean(x, [-1]));
      const rstd = div(x.graph.scalar(1), sqrt(add(reduceMean(mul(centred, centred), [-1]), node.attrs.epsilon as number)));
      const dxHat = mul(dy[0]!, node.inputs[1]!);
      return [mul(rstd, sub(dxHat, reduceMean(dxHat, [-1]))), ds, db];
    });
    await expect(
      checkGradients((g) => {
        const x = g.input('x', 'float32', [2, 3, 8]);
        const s = g.input('s', 'float32', [8]);
        const b = g.input('b', 'float32', [8]);
        return { wrt: [x], y: layerNormalization(x, s, b, 1e-5) };
      }),
    ).rejects.toThrow(/d x .* elements off/);
  });

  test('Softmax over the wrong axis in the sum, x=[2,3,5] axis=-1', async () => {
    rules.set('Softmax', ({ outputs: [y] }, [dy]) => [mul(y, sub(dy!, reduceSum(mul(dy!, y), [1])))]);
    await expect(
      checkGradients((g) => {
        const x = g.input('x', 'float32', [2, 3, 5]);
        return { wrt: [x], y: softmax(mul(x, 3), -1) };
      }),
    ).rejects.toThrow(/d x .* elements off/);
  });
});
