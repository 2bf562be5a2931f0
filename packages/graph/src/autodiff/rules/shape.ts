/** Gradients of data movement: each rule moves the gradient back the way the data came. */
import { Value } from '../../ir/graph';
import { concat, padBoth, pixelUnshuffle, reshape, slice, split, transpose, zeros } from '../../ops/shape';
import { RuleTable } from '../rule';
import { dims } from '../util';

function ints(v: Value | null): number[] {
  if (!v?.constData) throw new RangeError(`gradient needs the constant input '${v?.name}'`);
  return Array.from(v.constData as BigInt64Array, Number);
}

export const shapeRules: RuleTable = {
  Reshape: ({ inputs: [x] }, [dy]) => [reshape(dy!, dims(x!)), null],
  Transpose: ({ attrs }, [dy]) => {
    const perm = attrs.perm as number[];
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [transpose(dy!, inverse)];
  },
  Concat: ({ inputs, attrs }, [dy]) => {
    const axis = attrs.axis as number;
    return split(dy!, axis, inputs.map((x) => dims(x!)[axis]));
  },
  // outputs nobody used get a zero gradient
  Split: ({ outputs, attrs }, dys, c) => {
    const axis = attrs.axis as number;
    const parts = outputs.map((y, i) => dys[i] ?? zeros(c.graph, dims(y)));
    return [concat(parts, axis), null];
  },
  Slice: ({ inputs: [x, starts, ends, axes, steps] }, [dy]) => {
    if (steps && ints(steps).some((s) => s !== 1)) throw new RangeError('Slice gradient: only unit steps are supported');
    const xs = dims(x!);
    const before = xs.map(() => 0);
    const after = xs.map(() => 0);
    ints(axes).forEach((a, i) => {
      const start = ints(starts)[i];
      before[a] = start;
      after[a] = xs[a] - start - dims(dy!)[a];
    });
    return [padBoth(dy!, before, after), null, null, null, null];
  },
  Pad: ({ name, inputs: [x, pads], attrs }, [dy]) => {
    if ((attrs.mode ?? 'constant') !== 'constant') throw new RangeError(`Pad gradient '${name}': only constant padding is supported, not '${attrs.mode}'`);
    const p = ints(pads);
    const xs = dims(x!);
    if (p.some((v) => v < 0)) throw new RangeError('Pad gradient: negative pads are not supported');
    let g = dy!;
    xs.forEach((d, a) => {
      if (p[a] !== 0 || p[a + xs.length] !== 0) g = slice(g, a, p[a], p[a] + d);
    });
    return [g, null, null];
  },
  // DepthToSpace (CRD) is a pixel shuffle; its adjoint is the pixel unshuffle
  DepthToSpace: ({ name, attrs }, [dy]) => {
    if (attrs.mode !== 'CRD') throw new RangeError(`DepthToSpace gradient '${name}': only CRD mode (PyTorch's pixel shuffle) is supported, not '${attrs.mode}'`);
    return [pixelUnshuffle(dy!, attrs.blocksize as number)];
  },
};

