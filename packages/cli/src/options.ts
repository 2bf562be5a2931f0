/** Options several commands share, and their conversion into library values. */
import { DynetConfig, presetConfig, Variant } from '@dynet/graph';
import type { Argv } from 'yargs';

export function withPreset<T>(y: Argv<T>) {
  return y.option('preset', {
    choices: ['full', 'small'] as const,
    default: 'full' as const,
    describe: 'network width: the published network (full) or the narrow one for tests and CPU training (small)',
  });
}

export function configOf(preset: string): DynetConfig {
  return presetConfig(preset);
}

export function variantOf(v: string): Variant {
  const up = v.toUpperCase();
  if (up !== 'S' && up !== 'L') throw new RangeError(`--variant must be S or L, got '${v}'`);
  return up;
}
