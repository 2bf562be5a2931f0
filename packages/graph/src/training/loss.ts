/** Training losses, built from forward ops so autodiff needs no rule of its own for them. */
import { Value } from '../ir/graph';
import { abs, clip, sub } from '../ops/elementwise';
import { reduceMean } from '../ops/reduce';

export type LossKind = 'l1' | 'l1-clamped';
export const LOSS_KINDS: readonly LossKind[] = ['l1', 'l1-clamped'];

/**
 * mean |output - target| (PyTorch's L1Loss); `l1-clamped` is the authors' fine-tuning loss,
 * L1 between clamp(output, 0, 1) and the target.
 */
export function restorationLoss(kind: LossKind, output: Value, target: Value): Value {
  const restored = kind === 'l1-clamped' ? clip(output, { min: 0, max: 1 }) : output;
  const axes = output.shape.map((_, i) => i);
  return reduceMean(abs(sub(restored, target)), axes, false);
}
