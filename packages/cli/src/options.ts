/** Options several commands share, and their conversion into library values. */
import { DynetConfig, ParamSpec, StateDict, loadParameters, presetConfig, Variant } from '@dynet/graph';
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

/** --variant of export: S, L or any (dynet-any.onnx, the depth an input). */
export function exportVariantOf(v: string): Variant | 'any' {
  return v.toLowerCase() === 'any' ? 'any' : variantOf(v);
}

/** --depth 2,3,3,4: four reuse counts (checked by @dynet/infer's checkDepth when the model loads). */
export function depthOf(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const counts = v.split(',').map((c) => Number(c.trim()));
  if (counts.length !== 4 || counts.some((c) => !Number.isInteger(c))) throw new RangeError(`--depth takes four whole numbers, one per level, e.g. 2,3,3,4; got '${v}'`);
  return counts;
}

export function variantOf(v: string): Variant {
  const up = v.toUpperCase();
  if (up !== 'S' && up !== 'L') throw new RangeError(`--variant must be S or L, got '${v}'`);
  return up;
}

/** `--allow-global`, for the commands that read weights files. */
export function withWeightReading<T>(y: Argv<T>) {
  return y.option('allow-global', {
    type: 'string',
    array: true,
    default: [] as string[],
    describe: 'read this class (MODULE.NAME) as an inert record outside the state dict, as argparse.Namespace is; nothing is imported or called',
  });
}

/**
 * Reads the parameters of `specs` from a weights file; objects read past outside the state dict
 * (inert records: hyper-parameters and the like) are named in one note on stderr.
 */
export function readWeights(file: string, specs: readonly ParamSpec[], allowGlobals: readonly string[] = []): StateDict {
  return loadParameters(file, specs, {
    allowGlobals,
    onRecords: (counts) => {
      const list = [...counts].map(([name, n]) => `${name}${n > 1 ? ` x${n}` : ''}`).join(', ');
      process.stderr.write(`dynet: note: ${file}: read past ${list} outside the state dict (as data: nothing imported or called)\n`);
    },
  });
}
