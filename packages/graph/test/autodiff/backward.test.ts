/**
 * The traversal (autodiff/backward.ts): gradients summed over every use of a shared parameter
 * (as rep(B, f) reuses a block's weights), null for targets off the loss path, and the errors
 * it raises for a missing rule, a wrong gradient count or shape, and a non-scalar loss.
 */
import { gradients } from '../../src/autodiff/backward';
import { GRADIENT_RULES } from '../../src/autodiff/registry';
import { GradRule } from '../../src/autodiff/rule';
import { GraphError } from '../../src/errors';
import { Graph, Value } from '../../src/ir/graph';
import { repeatBlock } from '../../src/models/dynet/transformer-block';
import { ParamScope } from '../../src/models/dynet/param-scope';
import { conv } from '../../src/ops/conv';
import { add, mul, neg, pow } from '../../src/ops/elementwise';
import { reduceSum } from '../../src/ops/reduce';
import { checkGradients, expectGradClose, runGradients } from './grad-check';

const reduceAll = (y: Value) => reduceSum(y, y.shape.map((_, i) => i), false);
const conv3 = (x: Value, w: Value) => conv(x, w, { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });

describe('recomputation (gradient checkpointing)', () => {
  const build = (g: Graph) => {
    const x = g.input('x', 'float32', [1, 4, 4, 4]);
    const y = repeatBlock(new ParamScope(g), 'encoder_level1', x, 2, { heads: 2, ffnFactor: 2.66, ffnAlign: 8 });
    return { wrt: [...g.params.values(), x], y };
  };

  /** Activations from inside a block (values computed from x, but not a block's input or the last output) that gradient nodes read. */
  function insideReads(g: Graph): string[] {
    const fromX = new Set<Value>([g.inputs.find((v) => v.name === 'x')!]);
    for (const n of g.nodes) if (!n.name.startsWith('recompute/') && n.inputs.some((v) => v && fromX.has(v))) n.outputs.forEach((o) => fromX.add(o));
    const boundaries = new Set([...g.segments.map((s) => s.input), g.segments.at(-1)!.nodes.at(-1)!.outputs[0]]);
    const inside = new Set(g.segments.flatMap((s) => s.nodes.flatMap((n) => n.outputs)).filter((v) => fromX.has(v) && !boundaries.has(v)));
    return g.nodes.filter((n) => n.name.startsWith('grad/')).flatMap((n) => n.inputs.filter((v): v is Value => v !== null && inside.has(v)).map((v) => v.name));
  }

  test('rep(TB(d=4, heads=2), 2): the gradients equal those kept from the forward, and no gradient node reads an activation from inside a block', async () => {
    const graphs: Graph[] = [];
    const [kept, recomputed] = await Promise.all([false, true].map((recompute) => runGradients((g) => {
      graphs.push(g);
      return build(g);
    }, { recompute })));
    await Promise.all([kept.session.release(), recomputed.session.release()]);
    kept.grads.forEach((d, k) => expectGradClose(`grad ${k}`, recomputed.grads[k]!, d!, [d!.length], { atol: 1e-6, rtol: 1e-6 }));
    expect(graphs[0].segments).toHaveLength(2);
    expect(insideReads(graphs[0]).length).toBeGreaterThan(10);
    expect(insideReads(graphs[1])).toEqual([]);
  });

  test('rep(TB(d=4, heads=2), 2) with recomputation: every parameter and x match finite differences', async () => {
    await checkGradients(build, { recompute: true });
  });
});

describe('shared parameters accumulate', () => {
  test('Conv w=[2,2,3,3] pads=1 used by two convs in sequence, x=[1,2,4,4]: dW is the sum over both uses', async () => {
    const shared = await checkGradients((g: Graph) => {
      const x = g.input('x', 'float32', [1, 2, 4, 4]);
      const w = g.param('block.weight', [2, 2, 3, 3]);
      return { wrt: [w, x], y: conv3(conv3(x, w), w) };
    });
    // the same function with the two uses as separate parameters fed the same values
    const w = shared.feeds['block.weight'];
    const split = await runGradients(
      (g) => {
        const x = g.input('x', 'float32', [1, 2, 4, 4]);
        const w1 = g.param('w1', [2, 2, 3, 3]);
        const w2 = g.param('w2', [2, 2, 3, 3]);
        return { wrt: [w1, w2], y: conv3(conv3(x, w1), w2) };
      },
      { values: { x: shared.feeds.x, w1: w, w2: w, R: shared.R } },
    );
    await split.session.release();
    const sum = split.grads[0]!.map((v, i) => v + split.grads[1]![i]);
    expectGradClose('dW shared vs dW1 + dW2', shared.grads[0]!, sum, [2, 2, 3, 3], { atol: 1e-5, rtol: 1e-5 });
  });

  test('rep(TB(d=4, heads=2), 2) x=[1,4,4,4] ffnAlign=8: every shared block parameter and x match finite differences', async () => {
    await checkGradients((g) => {
      const x = g.input('x', 'float32', [1, 4, 4, 4]);
      const y = repeatBlock(new ParamScope(g), 'encoder_level1', x, 2, { heads: 2, ffnFactor: 2.66, ffnAlign: 8 });
      const params = [...g.params.values()];
      expect(params.length).toBeGreaterThanOrEqual(10);
      return { wrt: [...params, x], y };
    });
  });

  test('Add, Mul (x + x) + 0.5 x (one value, three uses) x=[2,3]', async () => {
    await checkGradients((g) => {
      const x = g.input('x', 'float32', [2, 3]);
      return { wrt: [x], y: add(add(x, x), mul(x, 0.5)) };
    });
  });
});

describe('targets off the loss path', () => {
  test('a parameter feeding only a side output, and one no node reads, get null; the used one does not', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [1, 2, 4, 4]);
    const w = g.param('conv.weight', [2, 2, 3, 3]);
    const side = g.param('reduce_noise_channel_1.weight', [2, 2, 3, 3]);
    const unread = g.param('reduce_noise_channel_2.weight', [2]);
    g.output(conv3(x, side), 'side');
    const loss = reduceAll(conv3(x, w));
    const grads = gradients(g, loss, [w, side, unread, x]);
    expect(grads.get(w)).not.toBeNull();
    expect(grads.get(x)).not.toBeNull();
    expect(grads.get(side)).toBeNull();
    expect(grads.get(unread)).toBeNull();
    // nothing was built for the side branch
    expect(g.nodes.filter((n) => n.name.startsWith('grad/') && n.inputs.includes(side))).toHaveLength(0);
  });
});

describe('errors', () => {
  test("an op without a rule (Pow) is named with its node: \"Pow 'block/Pow_0': no gradient rule for op 'Pow'\"", () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 3]);
    const y = g.scope('block', () => pow(x, 2));
    let err: unknown;
    try {
      gradients(g, reduceAll(y), [x]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GraphError);
    const ge = err as GraphError;
    expect(ge.opType).toBe('Pow');
    expect(ge.node).toBe('block/Pow_0');
    expect(ge.message).toContain("no gradient rule for op 'Pow'");
    expect(ge.message).toContain('block/Pow_0');
  });

  test('an op without a rule off the path between targets and loss is no error', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 3]);
    const c = g.input('c', 'float32', [2, 3]);
    const loss = reduceAll(mul(x, pow(c, 2)));
    expect(gradients(g, loss, [x]).get(x)).not.toBeNull();
  });

  test('a non-scalar loss x=[2,3] is refused', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 3]);
    expect(() => gradients(g, mul(x, 2), [x])).toThrow(/scalar/);
  });

  describe('with a broken rule swapped into the registry', () => {
    const rules = GRADIENT_RULES as Map<string, GradRule>;
    const original = rules.get('Neg')!;
    afterEach(() => rules.set('Neg', original));

    const negLoss = () => {
      const g = new Graph();
      const x = g.input('x', 'float32', [2, 3]);
      return { g, x, loss: reduceAll(neg(x)) };
    };

    test('a rule returning too few gradients: "returned 0 gradients, expected 1"', () => {
      rules.set('Neg', () => []);
      const { g, x, loss } = negLoss();
      expect(() => gradients(g, loss, [x])).toThrow(/Neg 'Neg_0': gradient rule returned 0 gradients, expected 1/);
    });

    test('a rule returning a gradient of the wrong shape names both shapes', () => {
      rules.set('Neg', (_n, [dy]) => [reduceSum(dy!, [0], false)]);
      const { g, x, loss } = negLoss();
      expect(() => gradients(g, loss, [x])).toThrow(/gradient of input 0 has shape \[3\], the input \[2,3\]/);
    });
  });
});
