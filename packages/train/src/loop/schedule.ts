/** Learning-rate schedules, as functions of the optimizer step (0-based). */

export type Schedule = (step: number) => number;

/**
 * Linear warm-up from 0 to `lr` over `warmup` steps, then cosine decay to 0 at `total`: the
 * shape of the authors' LinearWarmupCosineAnnealingLR (15 warm-up epochs of 150), per step.
 */
export function warmupCosine(lr: number, warmup: number, total: number): Schedule {
  return (step) => {
    if (step < warmup) return (lr * (step + 1)) / warmup;
    const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
    return 0.5 * lr * (1 + Math.cos(Math.PI * progress));
  };
}

export function constant(lr: number): Schedule {
  return () => lr;
}
