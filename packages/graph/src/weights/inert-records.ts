/**
 * Classes a checkpoint may hold outside its state dict (hyper-parameters, paths, config
 * containers, numpy scalars, dates) are read as inert records: the class's name and the
 * arguments and state the pickle hands it. Nothing is imported or called, so allowing a class
 * here cannot run code; it only lets the unpickler walk past the object instead of refusing the
 * whole file. Any global not listed (or added with --allow-global) still refuses the file.
 */
import { PickleGlobalTarget } from './pickle';

/** An object of an allow-listed class: its name, constructor arguments and pickled state. */
export class InertRecord {
  state: unknown = undefined;
  constructor(
    readonly className: string,
    readonly args: readonly unknown[],
  ) {}
}

/** `module.Name` of the classes read as inert records by default. */
export const INERT_CLASSES: readonly string[] = [
  'argparse.Namespace',
  ...['Path', 'PosixPath', 'WindowsPath', 'PurePath', 'PurePosixPath', 'PureWindowsPath'].map((c) => `pathlib.${c}`),
  ...['datetime', 'date', 'time', 'timedelta', 'timezone'].map((c) => `datetime.${c}`),
  'numpy.dtype',
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
  ...['Float64DType', 'Float32DType', 'Float16DType', 'Int64DType', 'Int32DType', 'BoolDType'].map((c) => `numpy.dtypes.${c}`),
  'omegaconf.dictconfig.DictConfig',
  'omegaconf.listconfig.ListConfig',
  'omegaconf.base.ContainerMetadata',
  'omegaconf.base.Metadata',
  ...['AnyNode', 'StringNode', 'IntegerNode', 'FloatNode', 'BooleanNode', 'EnumNode', 'PathNode', 'BytesNode'].map((c) => `omegaconf.nodes.${c}`),
  // omegaconf records typing.Any as a container's key and element type; it is only referenced
  'typing.Any',
];

/** Dict subclasses that hold hyper-parameters: read as plain dicts. */
export const DICT_CLASSES: readonly string[] = ['lightning.fabric.utilities.data.AttributeDict', 'pytorch_lightning.utilities.parsing.AttributeDict'];

const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/**
 * Modules whose names a checkpoint never needs outside tensors and that a malicious pickle
 * reaches for: --allow-global refuses them, so a file naming os.system stays refused.
 */
const NEVER_ALLOWED = /^(builtins|__builtin__|os|posix|nt|subprocess|sys|shutil|importlib|runpy|pickle|marshal|socket|ctypes|pty|code|types|functools|operator|torch|copyreg|_codecs)(\.|$)/;

/** `module.sub.Name` -> the pickle's `"module.sub Name"`; throws on anything else. */
export function pickleName(dotted: string): string {
  if (!DOTTED.test(dotted)) throw new RangeError(`--allow-global expects MODULE.NAME (e.g. argparse.Namespace), got '${dotted}'`);
  if (NEVER_ALLOWED.test(dotted)) throw new RangeError(`--allow-global ${dotted}: names from this module are never read from a checkpoint`);
  const dot = dotted.lastIndexOf('.');
  return `${dotted.slice(0, dot)} ${dotted.slice(dot + 1)}`;
}

/**
 * Allow-list entries for the inert classes plus `extra` (`module.Name` each); `seen` counts the
 * records built, by class.
 */
export function inertGlobals(extra: readonly string[], seen: Map<string, number>): Map<string, PickleGlobalTarget> {
  const entries = new Map<string, PickleGlobalTarget>();
  const count = (name: string) => seen.set(name, (seen.get(name) ?? 0) + 1);
  for (const dotted of [...INERT_CLASSES, ...extra]) {
    entries.set(pickleName(dotted), (args: readonly unknown[]) => {
      count(dotted);
      return new InertRecord(dotted, args);
    });
  }
  for (const dotted of DICT_CLASSES) {
    entries.set(pickleName(dotted), () => {
      count(dotted);
      return new Map();
    });
  }
  return entries;
}
