/** Down- and upsampling between levels (`.body.0.weight`). */
import { Value } from '../../ir/graph';
import { depthToSpace, pixelUnshuffle } from '../../ops/shape';
import { channels, conv3x3 } from './layers';
import { ParamScope } from './param-scope';

/** 3x3 conv n -> n/2, then pixel-unshuffle by 2: n channels at half the size */
export function downsample(p: ParamScope, x: Value): Value {
  return pixelUnshuffle(conv3x3(p, 'body.0', x, channels(x) / 2), 2);
}

/** 3x3 conv n -> 2n, then pixel-shuffle by 2: n/2 channels at twice the size */
export function upsample(p: ParamScope, x: Value): Value {
  return depthToSpace(conv3x3(p, 'body.0', x, channels(x) * 2), 2);
}
