/**
 * Conv gradients (autodiff/rules/conv.ts): finite differences of x and w, and an exact check
 * of dx and dW against a float64 direct (scatter) convolution in JS, for plain, padded,
 * asymmetric, 1x1, depthwise and grouped convolutions.
 */
import { gradients } from '../../src/autodiff/backward';
import { Graph, Value } from '../../src/ir/graph';
import { ConvAttrs, conv } from '../../src/ops/conv';
import { reduceSum } from '../../src/ops/reduce';
import { checkGradients, expectGradClose, rightOrRefused } from './grad-check';

type Pads = [number, number, number, number];

interface ConvCase {
  x: [number, number, number, number];
  w: [number, number, number, number];
  pads: Pads;
  group: number;
}

/**
 * y[n,co,oy,ox] = sum_{ci,a,b} w[co,ci,a,b] x[n, gi*cInG + ci, oy + a - pt, ox + b - pl];
 * with dY = R, every term scatters R * w into dx and R * x into dW.
 */
function convGradRef(c: ConvCase, x: Float32Array, w: Float32Array, r: Float32Array) {
  const [n, cIn, h, wd] = c.x;
  const [cOut, cInG, kh, kw] = c.w;
  const [pt, pl, pb, pr] = c.pads;
  const ho = h + pt + pb - kh + 1;
  const wo = wd + pl + pr - kw + 1;
  const outPerGroup = cOut / c.group;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let b = 0; b < n; b++)
    for (let co = 0; co < cOut; co++) {
      const gi = Math.floor(co / outPerGroup);
      for (let oy = 0; oy < ho; oy++)
        for (let ox = 0; ox < wo; ox++) {
          const dy = r[((b * cOut + co) * ho + oy) * wo + ox];
          for (let ci = 0; ci < cInG; ci++)
            for (let a = 0; a < kh; a++)
              for (let e = 0; e < kw; e++) {
                const iy = oy + a - pt;
                const ix = ox + e - pl;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                const xi = ((b * cIn + gi * cInG + ci) * h + iy) * wd + ix;
                const wi = ((co * cInG + ci) * kh + a) * kw + e;
                dx[xi] += dy * w[wi];
                dw[wi] += dy * x[xi];
              }
        }
    }
  return { dx, dw };
}

const CASES: [string, ConvCase][] = [
  ['3x3 pads=1', { x: [2, 3, 5, 5], w: [4, 3, 3, 3], pads: [1, 1, 1, 1], group: 1 }],
  ['3x3 pads=0', { x: [1, 2, 5, 6], w: [3, 2, 3, 3], pads: [0, 0, 0, 0], group: 1 }],
  ['3x3 asymmetric pads=[0,1,2,0]', { x: [1, 2, 5, 4], w: [3, 2, 3, 3], pads: [0, 1, 2, 0], group: 1 }],
  ['2x3 pads=[1,0,0,2]', { x: [1, 2, 4, 5], w: [2, 2, 2, 3], pads: [1, 0, 0, 2], group: 1 }],
  ['1x1', { x: [2, 3, 4, 4], w: [5, 3, 1, 1], pads: [0, 0, 0, 0], group: 1 }],
  ['3x3 pads=1 depthwise group=4', { x: [1, 4, 5, 5], w: [4, 1, 3, 3], pads: [1, 1, 1, 1], group: 4 }],
  ['3x3 pads=1 depthwise group=4 batch=2', { x: [2, 4, 5, 5], w: [4, 1, 3, 3], pads: [1, 1, 1, 1], group: 4 }],
  ['3x3 pads=1 depthwise multiplier 2 group=3', { x: [1, 3, 4, 4], w: [6, 1, 3, 3], pads: [1, 1, 1, 1], group: 3 }],
  ['3x3 pads=1 grouped group=2', { x: [2, 4, 5, 5], w: [6, 2, 3, 3], pads: [1, 1, 1, 1], group: 2 }],
  ['1x1 grouped group=2', { x: [2, 4, 3, 3], w: [6, 2, 1, 1], pads: [0, 0, 0, 0], group: 2 }],
];

const reduceAll = (y: Value) => reduceSum(y, y.shape.map((_, i) => i), false);

const spell = (c: ConvCase) => `x=[${c.x}] w=[${c.w}] pads=[${c.pads}] group=${c.group}`;

function buildConv(c: ConvCase) {
  return (g: Graph) => {
    const x = g.input('x', 'float32', c.x);
    const w = g.param('conv.weight', c.w);
    const attrs: ConvAttrs = { kernel_shape: [c.w[2], c.w[3]], pads: c.pads, group: c.group };
    return { wrt: [x, w], y: conv(x, w, attrs) };
  };
}

describe('Conv gradients', () => {
  for (const [label, c] of CASES) {
    test(`Conv ${label} ${spell(c)}: dx, dW match finite differences and a direct convolution`, async () => {
      const run = await checkGradients(buildConv(c));
      const ref = convGradRef(c, run.feeds.x, run.feeds['conv.weight'], run.R);
      expectGradClose('dx', run.grads[0]!, ref.dx, c.x, { atol: 1e-5, rtol: 1e-5 });
      expectGradClose('dW', run.grads[1]!, ref.dw, c.w, { atol: 1e-5, rtol: 1e-5 });
    });
  }

  // Padding beyond kernel-1: a padded 1x1 convolution takes the general weight-gradient path
  // and must match the direct convolution; pads wider than k-1 (negative "full" padding for
  // dx) are refused with an error naming the gradient and the padding.
  const PADDED_BEYOND_KERNEL: [string, ConvCase][] = [
    ['1x1 pads=1', { x: [1, 2, 3, 3], w: [3, 2, 1, 1], pads: [1, 1, 1, 1], group: 1 }],
    ['3x3 pads=3', { x: [1, 2, 3, 3], w: [2, 2, 3, 3], pads: [3, 3, 3, 3], group: 1 }],
  ];
  for (const [label, c] of PADDED_BEYOND_KERNEL) {
    test(`Conv ${label} ${spell(c)} (padding wider than kernel-1): right gradient or a refusal naming the padding`, () =>
      rightOrRefused(async () => {
        const run = await checkGradients(buildConv(c));
        const ref = convGradRef(c, run.feeds.x, run.feeds['conv.weight'], run.R);
        expectGradClose('dx', run.grads[0]!, ref.dx, c.x, { atol: 1e-5, rtol: 1e-5 });
        expectGradClose('dW', run.grads[1]!, ref.dw, c.w, { atol: 1e-5, rtol: 1e-5 });
      }, /gradient.*pad|pad.*gradient/i),
    );
  }

  test('Conv x=[1,2,5,5] w=[3,2,3,3] strides=2 is refused with a message naming stride', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [1, 2, 5, 5]);
    const w = g.param('w', [3, 2, 3, 3]);
    const y = conv(x, w, { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] });
    const loss = reduceAll(y);
    expect(() => gradients(g, loss, [x, w])).toThrow(/stride 1/);
  });
});
