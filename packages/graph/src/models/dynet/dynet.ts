/** The DyNet forward pass, as ../shared/docs/dynet-architecture.md writes it. */
import { Graph, Value } from '../../ir/graph';
import { add } from '../../ops/elementwise';
import { concat, element } from '../../ops/shape';
import { DynetConfig, Reuse, Variant } from './config';
import { conv1x1, conv3x3 } from './layers';
import { ParamScope, module } from './param-scope';
import { promptBlock } from './prompt';
import { downsample, upsample } from './resample';
import { BlockSpec, loopBlock, repeatBlock, transformerBlock } from './transformer-block';
import { BuildOptions, FAST_BUILD } from './build-options';

const cat = (a: Value, b: Value) => concat([a, b], 1);

/** The inference graph of one variant, `input` [N,3,H,W] -> `output`; `inputShape` fixes [N,3,H,W] (default: symbolic N, H, W). */
export function buildDynet(config: DynetConfig, variant: Variant, opts: BuildOptions = FAST_BUILD, inputShape?: readonly [number, 3, number, number]): Graph {
  const g = new Graph();
  const inp = g.input('input', 'float32', inputShape ?? ['N', 3, 'H', 'W']);
  g.output(dynetForward(new ParamScope(g), inp, config, config.reuse[variant], opts), 'output');
  return g;
}

/**
 * DyNet-S and -L in one graph: inputs `input` and `depth` (int64 [4], each level's reuse count f;
 * 2,3,3,4 is S and 4,6,6,8 is L), each repeated block inside an ONNX Loop that reads its
 * weights from the outer graph. The graph does not check `depth`: callers keep it in
 * ANY_DEPTH_RANGE (a count of 0 would skip the block; ONNX has no assertion op).
 */
export function buildDynetAnyDepth(config: DynetConfig, opts: BuildOptions = FAST_BUILD): Graph {
  const g = new Graph();
  const inp = g.input('input', 'float32', ['N', 3, 'H', 'W']);
  const depth = g.input('depth', 'int64', [4]);
  g.output(dynetForward(new ParamScope(g), inp, config, depth, opts), 'output');
  return g;
}

/** The reuse counts dynet-any.onnx is made and tested for, per level. */
export const ANY_DEPTH_RANGE = { min: 1, max: 8 } as const;

export function dynetForward(p: ParamScope, inp: Value, c: DynetConfig, f: Reuse | Value, opts: BuildOptions): Value {
  const g = p.graph;
  // a depth input gives each level's count as a runtime scalar, read once per level
  const counts: (number | Value)[] = f instanceof Value ? [0, 1, 2, 3].map((k) => element(f, k)) : [...f];
  const d = c.dim;
  const [h1, h2, h3, h4] = c.heads;
  const block = (heads: number): BlockSpec => ({ heads, ffnFactor: c.ffnFactor, ffnAlign: opts.ffnAlign, portable: opts.portable ?? false });
  const rep = (name: string, x: Value, level: number, heads: number) => {
    const times = counts[level];
    return typeof times === 'number' ? repeatBlock(p, name, x, times, block(heads)) : loopBlock(p, name, x, times, block(heads));
  };
  const down = (name: string, x: Value) => module(p, name, (q) => downsample(q, x));
  const up = (name: string, x: Value) => module(p, name, (q) => upsample(q, x));
  const conv1 = (name: string, x: Value, cOut: number) => g.scope(name, () => conv1x1(p, name, x, cOut));
  const prompt = (k: number, x: Value) =>
    module(p, `prompt${k}`, (q) => promptBlock(q, x, c.promptDims[k - 1], c.promptSizes[k - 1], c.promptLen));
  const noise = (k: number, x: Value) => module(p, `noise_level${k}`, (q) => transformerBlock(q, x, block(c.noiseHeads)));
  declareUnusedParams(p, c);

  const embedded = g.scope('patch_embed', () => conv3x3(p, 'patch_embed.proj', inp, d));
  const e1 = rep('encoder_level1', embedded, 0, h1);
  const e2 = rep('encoder_level2', down('down1_2', e1), 1, h2);
  const e3 = rep('encoder_level3', down('down2_3', e2), 2, h3);
  let lat = rep('latent', down('down3_4', e3), 3, h4);

  lat = conv1('reduce_noise_level3', noise(3, cat(lat, prompt(3, lat))), 4 * d);
  let d3 = up('up4_3', lat);
  const e3p = conv1('reduce_noise_level2', noise(2, cat(e3, prompt(2, e3))), 4 * d);
  d3 = rep('decoder_level3', conv1('reduce_chan_level3', cat(d3, e3p), 4 * d), 2, h3);

  let d2 = up('up3_2', d3);
  const e2p = conv1('reduce_noise_level1', noise(1, cat(e2, prompt(1, e2))), 2 * d);
  d2 = rep('decoder_level2', conv1('reduce_chan_level2', cat(d2, e2p), 2 * d), 1, h2);

  let d1 = rep('decoder_level1', cat(up('up2_1', d2), e1), 0, h1);
  for (let i = 0; i < c.refinementBlocks; i++) {
    d1 = module(p.child('refinement'), i, (q) => transformerBlock(q, d1, block(h1)), `refinement.${i}`);
  }
  return add(g.scope('output', () => conv3x3(p, 'output', d1, 3)), inp);
}

/**
 * The released model declares reduce_noise_channel_{1,2,3} but never uses them; they are part
 * of the parameter set (checkpoints carry them) and off the forward path.
 */
function declareUnusedParams(p: ParamScope, c: DynetConfig): void {
  for (let k = 1; k <= 3; k++) {
    const out = c.dim * 2 ** (k - 1);
    p.get(`reduce_noise_channel_${k}.weight`, [out, out + c.promptDims[0] * 2 ** (k - 1), 1, 1]);
  }
}
