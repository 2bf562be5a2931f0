/**
 * LayerNormalization (last axis, scale and bias) and Softmax gradients
 * (autodiff/rules/norm.ts) against finite differences.
 */
import { Graph } from '../../src/ir/graph';
import { mul } from '../../src/ops/elementwise';
import { layerNormalization, softmax } from '../../src/ops/norm';
import { checkGradients } from './grad-check';

describe('LayerNormalization gradients', () => {
  const SHAPES = [
    [2, 3, 8],
    [5, 6],
    [2, 2, 2, 3],
  ];
  for (const shape of SHAPES) {
    const c = shape[shape.length - 1];
    test(`LayerNormalization x=[${shape}] scale=[${c}] bias=[${c}] axis=-1 epsilon=1e-5`, async () => {
      await checkGradients((g: Graph) => {
        const x = g.input('x', 'float32', shape);
        const scale = g.param('norm.weight', [c]);
        const bias = g.param('norm.bias', [c]);
        return { wrt: [x, scale, bias], y: layerNormalization(x, scale, bias, 1e-5) };
      });
    });
  }

  test('LayerNormalization x=[3,4] scale=[4] bias=[4] epsilon=0.5 (epsilon large enough to matter)', async () => {
    await checkGradients((g) => {
      const x = g.input('x', 'float32', [3, 4]);
      const scale = g.param('norm.weight', [4]);
      const bias = g.param('norm.bias', [4]);
      return { wrt: [x, scale, bias], y: layerNormalization(x, scale, bias, 0.5) };
    });
  });

  test('LayerNormalization x=[2,3,8] only x differentiable (scale, bias inputs not asked for)', async () => {
    await checkGradients((g) => {
      const x = g.input('x', 'float32', [2, 3, 8]);
      const scale = g.input('scale', 'float32', [8]);
      const bias = g.input('bias', 'float32', [8]);
      return { wrt: [x], y: layerNormalization(x, scale, bias, 1e-5) };
    });
  });
});

describe('Softmax gradients', () => {
  const CASES: [number[], number][] = [
    [[2, 3, 5], -1],
    [[2, 3, 5], 2],
    [[2, 4, 3], 1],
    [[4, 6], 0],
  ];
  for (const [shape, axis] of CASES) {
    test(`Softmax x=[${shape}] axis=${axis}`, async () => {
      await checkGradients((g) => {
        // scaled by 3 so the distributions are far from uniform
        const x = g.input('x', 'float32', shape);
        return { wrt: [x], y: softmax(mul(x, 3), axis) };
      });
    });
  }
});
