import * as fs from 'node:fs';
import * as path from 'node:path';
import { REFERENCE } from '../../../../test/helpers';
import { graphCost } from '../../src/analysis/cost';
import { shapeToString } from '../../src/ir/dim';
import { Graph } from '../../src/ir/graph';
import { BuildOptions, REFERENCE_BUILD } from '../../src/models/dynet/build-options';
import { DynetConfig, FULL, SMALL, Variant } from '../../src/models/dynet/config';
import { buildDynet } from '../../src/models/dynet/dynet';
import { initParameters } from '../../src/models/dynet/init';
import { ParamSpec, dynetParameterSpecs, graphParameterSpecs } from '../../src/models/dynet/parameters';

const STATE_DICT_TSV = path.join(REFERENCE, 'state_dict.tsv');

const graphs = new Map<string, Graph>();
/** builds each (config, variant, options) once per file; no options: buildDynet's default */
function graphOf(config: DynetConfig, variant: Variant, opts?: BuildOptions): Graph {
  const key = `${config.name}:${variant}:${opts ? JSON.stringify(opts) : 'default'}`;
  let g = graphs.get(key);
  if (!g) {
    g = opts ? buildDynet(config, variant, opts) : buildDynet(config, variant);
    graphs.set(key, g);
  }
  return g;
}

const specKey = (specs: ParamSpec[]) => specs.map((s) => `${s.name}\t${s.shape.join('x')}`).sort();

/** the level blocks applied rep(B, f) times, with the index of f in the reuse tuple */
const LEVELS: [string, number][] = [
  ['encoder_level1', 0],
  ['encoder_level2', 1],
  ['encoder_level3', 2],
  ['latent', 3],
  ['decoder_level3', 2],
  ['decoder_level2', 1],
  ['decoder_level1', 0],
];

describe('DyNet graph construction', () => {
  for (const variant of ['S', 'L'] as const) {
    test(`SMALL ${variant} builds: input [N,3,H,W] -> output [N,3,H,W]`, () => {
      const g = graphOf(SMALL, variant);
      expect(g.inputs.map((v) => `${v.name} ${shapeToString(v.shape)}`)).toEqual(['input [N,3,H,W]']);
      expect(g.outputs.map((v) => `${v.name} ${shapeToString(v.shape)}`)).toEqual(['output [N,3,H,W]']);
      expect(g.nodes.length).toBeGreaterThan(0);
    });
  }

  test('SMALL S and L have the same parameter names and shapes', () => {
    const s = graphParameterSpecs(graphOf(SMALL, 'S'));
    const l = graphParameterSpecs(graphOf(SMALL, 'L'));
    expect(s.length).toBe(182);
    expect(specKey(l)).toEqual(specKey(s));
  });

  test('FULL S and L have the same parameter names and shapes', () => {
    expect(specKey(graphParameterSpecs(graphOf(FULL, 'L')))).toEqual(specKey(graphParameterSpecs(graphOf(FULL, 'S'))));
  });

  for (const variant of ['S', 'L'] as const) {
    test(`SMALL ${variant}: the default build and REFERENCE_BUILD declare the same parameter names and shapes`, () => {
      expect(specKey(graphParameterSpecs(graphOf(SMALL, variant)))).toEqual(
        specKey(graphParameterSpecs(graphOf(SMALL, variant, REFERENCE_BUILD))),
      );
    });
  }

  test('SMALL has width 16: patch_embed.proj.weight [16,3,3,3], prompt1.prompt_param [1,5,16,64,64]', () => {
    const g = graphOf(SMALL, 'S');
    expect(g.params.get('patch_embed.proj.weight')!.shape).toEqual([16, 3, 3, 3]);
    expect(g.params.get('prompt1.prompt_param')!.shape).toEqual([1, 5, 16, 64, 64]);
  });

  const cases: [DynetConfig, Variant, number[]][] = [
    [SMALL, 'S', [2, 3, 3, 4]],
    [SMALL, 'L', [4, 6, 6, 8]],
    [FULL, 'S', [2, 3, 3, 4]],
    [FULL, 'L', [4, 6, 6, 8]],
  ];
  for (const [config, variant, reuse] of cases) {
    test(`${config.name} ${variant}: each level's repetitions read one shared qkv weight (reuse [${reuse}])`, () => {
      const g = graphOf(config, variant);
      for (const [level, k] of LEVELS) {
        const name = `${level}.attn.qkv.weight`;
        const param = g.params.get(name)!;
        expect(param).toBeDefined();
        const byName = g.nodes.filter((n) => n.opType === 'Conv' && n.inputs[1]?.name === name);
        expect([level, byName.length]).toEqual([level, reuse[k]]);
        // the same Value object, not equal-named copies
        expect(byName.every((n) => n.inputs[1] === param)).toBe(true);
      }
    });
  }

  test('FULL: Conv nodes reading encoder_level1.attn.qkv.weight: 2 for S, 4 for L', () => {
    const count = (v: Variant) =>
      graphOf(FULL, v).nodes.filter((n) => n.opType === 'Conv' && n.inputs[1]?.name === 'encoder_level1.attn.qkv.weight').length;
    expect([count('S'), count('L')]).toEqual([2, 4]);
  });

  test('FULL L: every parameter read by several nodes is read through one Value per name', () => {
    const g = graphOf(FULL, 'L');
    const seen = new Map<string, unknown>();
    for (const n of g.nodes)
      for (const v of n.inputs) {
        if (!v || v.kind !== 'param') continue;
        if (!seen.has(v.name)) seen.set(v.name, v);
        expect(seen.get(v.name)).toBe(v);
        expect(g.params.get(v.name)).toBe(v);
      }
    expect(seen.size).toBe(179); // 182 minus the three unused reduce_noise_channel_* weights
  });

  test('refinement.0..3 each run once in L (4 blocks, not shared)', () => {
    const g = graphOf(FULL, 'L');
    for (let i = 0; i < 4; i++) {
      const name = `refinement.${i}.attn.qkv.weight`;
      expect(g.nodes.filter((n) => n.inputs[1]?.name === name)).toHaveLength(1);
    }
    expect(g.params.has('refinement.4.attn.qkv.weight')).toBe(false);
  });

  test('reduce_noise_channel_{1,2,3}.weight are declared but off the forward path', () => {
    const specs = dynetParameterSpecs(FULL);
    const off = specs.filter((s) => !s.onForwardPath).map((s) => s.name).sort();
    expect(off).toEqual(['reduce_noise_channel_1.weight', 'reduce_noise_channel_2.weight', 'reduce_noise_channel_3.weight']);
  });
});

describe('FULL parameters match the reference state dict', () => {
  const rows = fs
    .readFileSync(STATE_DICT_TSV, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'));

  test('the fixture has 182 entries totalling 16,726,031 values', () => {
    expect(rows).toHaveLength(182);
    expect(rows.reduce((a, r) => a + Number(r[2]), 0)).toBe(16726031);
  });

  test('dynetParameterSpecs(FULL) names and shapes equal state_dict.tsv (182 entries)', () => {
    const specs = dynetParameterSpecs(FULL);
    expect(specs).toHaveLength(182);
    const ours = specs.map((s) => `${s.name}\t${s.shape.join('x')}`).sort();
    const theirs = rows.map((r) => `${r[0]}\t${r[1]}`).sort();
    expect(ours).toEqual(theirs);
  });
});

describe('graphCost FULL (REFERENCE_BUILD, as `dynet info` counts) at N=1, 224x224', () => {
  // reference numbers from the paper's model (fvcore-style counting), not from this code;
  // the forward-path params exclude the unused reduce_noise_channel_* weights:
  // 16,726,031 - (48*112 + 96*224 + 192*448) = 16,613,135
  const sizes = { N: 1, H: 224, W: 224 };

  test('FULL S: 90,806,997,792 MACs, 16,726,031 params, 16,613,135 on the forward path', () => {
    expect(graphCost(graphOf(FULL, 'S', REFERENCE_BUILD), sizes)).toEqual({ macs: 90806997792, params: 16726031, paramsOnForwardPath: 16613135 });
  });

  test('FULL L: 132,227,693,472 MACs, 16,726,031 params, 16,613,135 on the forward path', () => {
    expect(graphCost(graphOf(FULL, 'L', REFERENCE_BUILD), sizes)).toEqual({ macs: 132227693472, params: 16726031, paramsOnForwardPath: 16613135 });
  });

  test('FULL S MACs at N=2 are twice those at N=1', () => {
    expect(graphCost(graphOf(FULL, 'S', REFERENCE_BUILD), { N: 2, H: 224, W: 224 }).macs).toBe(2 * 90806997792);
  });
});

describe('initParameters', () => {
  const smallSpecs = dynetParameterSpecs(SMALL);
  const a = initParameters(smallSpecs, 7);

  test('SMALL seed 7 twice: identical values for every parameter', () => {
    const b = initParameters(smallSpecs, 7);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, t] of a) {
      const u = b.get(name)!;
      expect(u.shape).toEqual(t.shape);
      expect(Buffer.from(u.data.buffer).equals(Buffer.from(t.data.buffer))).toBe(true);
    }
  });

  test('SMALL seed 7 vs seed 8: every randomly initialised parameter differs', () => {
    const b = initParameters(smallSpecs, 8);
    for (const [name, t] of a) {
      if (/\.(temperature|body\.weight|body\.bias)$/.test(name)) continue;
      const u = b.get(name)!;
      expect([name, Buffer.from(u.data.buffer).equals(Buffer.from(t.data.buffer))]).toEqual([name, false]);
    }
  });

  test('a parameter gets the same values whether or not other parameters are initialised with it', () => {
    const name = 'encoder_level2.attn.qkv.weight';
    const alone = initParameters(
      smallSpecs.filter((s) => s.name === name),
      7,
    ).get(name)!;
    expect(Array.from(alone.data)).toEqual(Array.from(a.get(name)!.data));
  });

  test('shapes match the specs', () => {
    for (const s of smallSpecs) expect(a.get(s.name)!.shape).toEqual(s.shape);
    expect(a.size).toBe(smallSpecs.length);
  });

  test('every conv weight lies within +-1/sqrt(fan_in) and reaches close to the bound', () => {
    let convs = 0;
    for (const s of smallSpecs) {
      if (s.shape.length !== 4) continue;
      convs++;
      const fanIn = s.shape[1] * s.shape[2] * s.shape[3];
      const bound = 1 / Math.sqrt(fanIn);
      const data = a.get(s.name)!.data;
      let maxAbs = 0;
      for (const v of data) maxAbs = Math.max(maxAbs, Math.abs(v));
      expect([s.name, maxAbs <= Math.fround(bound)]).toEqual([s.name, true]);
      if (data.length >= 500) expect([s.name, maxAbs > 0.95 * bound]).toEqual([s.name, true]);
    }
    expect(convs).toBeGreaterThan(100);
  });

  test('FULL prompt3.conv3x3.weight [320,320,3,3] is ~uniform(+-1/sqrt(2880)): mean ~0, variance bound^2/3 within 2%', () => {
    const spec = dynetParameterSpecs(FULL).find((s) => s.name === 'prompt3.conv3x3.weight')!;
    const data = initParameters([spec], 0).get(spec.name)!.data;
    const bound = 1 / Math.sqrt(320 * 9);
    let sum = 0;
    let sq = 0;
    for (const v of data) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / data.length;
    const variance = sq / data.length - mean * mean;
    const sigma = bound / Math.sqrt(3);
    expect(Math.abs(mean)).toBeLessThan((5 * sigma) / Math.sqrt(data.length));
    expect(Math.abs(variance / (bound * bound / 3) - 1)).toBeLessThan(0.02);
    // each quarter of [-bound, bound) holds ~25% of the values
    const quarters = [0, 0, 0, 0];
    for (const v of data) quarters[Math.min(3, Math.floor(((v + bound) / (2 * bound)) * 4))]++;
    for (const q of quarters) expect(Math.abs(q / data.length - 0.25)).toBeLessThan(0.005);
  });

  test('depthwise encoder_level1.attn.qkv_dwconv.weight [144,1,3,3] uses fan_in 9 (bound 1/3)', () => {
    const spec = dynetParameterSpecs(FULL).find((s) => s.name === 'encoder_level1.attn.qkv_dwconv.weight')!;
    expect(spec.shape).toEqual([144, 1, 3, 3]);
    const data = initParameters([spec], 3).get(spec.name)!.data;
    const maxAbs = data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxAbs).toBeLessThanOrEqual(Math.fround(1 / 3));
    expect(maxAbs).toBeGreaterThan(0.9 / 3);
  });

  test('prompt params lie in [0, 1) with mean ~0.5', () => {
    for (const k of [1, 2, 3]) {
      const data = a.get(`prompt${k}.prompt_param`)!.data;
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      for (const v of data) {
        min = Math.min(min, v);
        max = Math.max(max, v);
        sum += v;
      }
      expect(min).toBeGreaterThanOrEqual(0);
      expect(max).toBeLessThan(1);
      expect(max).toBeGreaterThan(0.99);
      expect(Math.abs(sum / data.length - 0.5)).toBeLessThan(0.01);
    }
  });

  test('norm weights are 1, norm biases 0, temperatures 1', () => {
    let norms = 0;
    let temps = 0;
    for (const [name, t] of a) {
      if (name.endsWith('.body.weight')) {
        norms++;
        expect([name, t.data.every((v) => v === 1)]).toEqual([name, true]);
      } else if (name.endsWith('.body.bias')) {
        expect([name, t.data.every((v) => v === 0)]).toEqual([name, true]);
      } else if (name.endsWith('.temperature')) {
        temps++;
        expect([name, t.data.every((v) => v === 1)]).toEqual([name, true]);
      }
    }
    // 7 levels + 3 noise blocks + 4 refinement blocks, two norms each; one temperature per block
    expect(norms).toBe(28);
    expect(temps).toBe(14);
  });

  test('prompt linear_layer weight and bias [5, C] / [5] lie within +-1/sqrt(C)', () => {
    for (const [k, c] of [
      [1, 32],
      [2, 64],
      [3, 128],
    ]) {
      const bound = Math.fround(1 / Math.sqrt(c));
      const w = a.get(`prompt${k}.linear_layer.weight`)!;
      const b = a.get(`prompt${k}.linear_layer.bias`)!;
      expect(w.shape).toEqual([5, c]);
      expect(b.shape).toEqual([5]);
      expect(w.data.every((v) => Math.abs(v) <= bound)).toBe(true);
      expect(b.data.every((v) => Math.abs(v) <= bound)).toBe(true);
      expect(b.data.every((v) => v !== 0)).toBe(true);
    }
  });

  test('linear x.linear_layer.bias [4000] with weight [4000,400] is ~uniform(+-1/sqrt(400)), not +-1/sqrt(4000)', () => {
    const specs: ParamSpec[] = [
      { name: 'x.linear_layer.weight', shape: [4000, 400], onForwardPath: true },
      { name: 'x.linear_layer.bias', shape: [4000], onForwardPath: true },
    ];
    const data = initParameters(specs, 1).get('x.linear_layer.bias')!.data;
    const bound = 1 / 20;
    const maxAbs = data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxAbs).toBeLessThanOrEqual(Math.fround(bound));
    expect(maxAbs).toBeGreaterThan(0.99 * bound);
    const variance = data.reduce((s, v) => s + v * v, 0) / data.length;
    expect(Math.abs(variance / (bound * bound / 3) - 1)).toBeLessThan(0.08);
  });

  test('a bias with no weight of rank >= 2 throws naming it', () => {
    expect(() => initParameters([{ name: 'lonely.bias', shape: [3], onForwardPath: true }], 0)).toThrow(/'lonely\.bias'/);
  });
});
