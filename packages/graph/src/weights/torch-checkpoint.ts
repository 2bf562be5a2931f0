/**
 * Reader for PyTorch's zip serialization (torch.save since 1.6, including 2.x and Lightning
 * .ckpt files): a zip whose single top folder `<name>/` holds `data.pkl` (the object graph, with
 * tensors as persistent references to storages), `data/<key>` (raw little-endian storage bytes),
 * and optionally `byteorder`, `version` and `.data/*`.
 *
 * The pickle is read by the data-only unpickler with an allow-list of tensor-rebuild names, so a
 * checkpoint cannot run code. Storage blobs are only unzipped for the tensors that are returned.
 *
 * Only floating-point tensors of the state dict are returned (as float32). Integer and bool
 * tensors (e.g. BatchNorm's `num_batches_tracked`) and non-tensor entries are skipped, reported
 * through `onSkip` if given: the models here have float parameters only. Everything outside the
 * state dict (optimizer state, schedulers, hyper-parameters, callbacks) is parsed but ignored.
 */
import * as fs from 'node:fs';
import { unzipSync } from 'fflate';
import { InertRecord, inertGlobals } from './inert-records';
import { centralDirectoryCrcs, crc32, zipDirectoryProblem } from './zip-crc';
import { PickleError, PickleGlobal, PickleGlobalTarget, unpickle } from './pickle';
import { decodeFloats, FloatDtype } from './safetensors';
import { HostTensor, WeightFileError } from './types';

export interface ReadTorchCheckpointOptions {
  /** Called for each state-dict entry that is not returned, e.g. an int64 counter. */
  onSkip?: (key: string, reason: string) => void;
  /** More classes (`module.Name`) to read as inert records outside the state dict (inert-records.ts). */
  allowGlobals?: readonly string[];
  /** Called once with the inert records read outside the state dict, counted by class. */
  onRecords?: (counts: ReadonlyMap<string, number>) => void;
}

/** Keys, in order of preference, under which a checkpoint may hold the model's state dict. */
const STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model', 'net'];

/** A `torch.<X>Storage` class named in a persistent id; `float` is set when it converts to float32. */
class StorageType {
  constructor(
    readonly name: string,
    readonly itemSize: number,
    readonly float?: FloatDtype,
  ) {}
}

/** What BINPERSID yields: one storage blob `data/<key>` of `numel` elements. */
class StorageRef {
  constructor(
    readonly key: string,
    readonly type: StorageType,
    readonly numel: number,
  ) {}
}

/** A tensor as `_rebuild_tensor_v2` describes it: a strided view into a storage. */
class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** Marker for tensor classes named by `_rebuild_from_type_v2`; they only wrap a rebuilt tensor. */
const TENSOR_CLASS = Object.freeze({ tensorClass: true });

const STORAGE_TYPES: StorageType[] = [
  new StorageType('FloatStorage', 4, 'F32'),
  new StorageType('DoubleStorage', 8, 'F64'),
  new StorageType('HalfStorage', 2, 'F16'),
  new StorageType('BFloat16Storage', 2, 'BF16'),
  new StorageType('LongStorage', 8),
  new StorageType('IntStorage', 4),
  new StorageType('ShortStorage', 2),
  new StorageType('CharStorage', 1),
  new StorageType('ByteStorage', 1),
  new StorageType('BoolStorage', 1),
  new StorageType('ComplexFloatStorage', 8),
  new StorageType('ComplexDoubleStorage', 16),
];

/** The only globals a checkpoint may name: tensor rebuilding, storage types and plain containers. */
export const TORCH_ALLOWED_GLOBALS: ReadonlyMap<string, PickleGlobalTarget> = new Map<string, PickleGlobalTarget>([
  ['collections OrderedDict', orderedDict],
  ['torch._utils _rebuild_tensor_v2', rebuildTensor],
  ['torch._utils _rebuild_tensor', rebuildTensor],
  ['torch._utils _rebuild_parameter', (args) => args[0]],
  ['torch._utils _rebuild_parameter_with_state', (args) => args[0]],
  ['torch._tensor _rebuild_from_type_v2', rebuildFromType],
  ['torch Tensor', TENSOR_CLASS],
  ['torch.nn.parameter Parameter', TENSOR_CLASS],
  ...STORAGE_TYPES.map((t): [string, StorageType] => [`torch ${t.name}`, t]),
  ['torch UntypedStorage', new StorageType('UntypedStorage', 1)],
  ['torch.storage UntypedStorage', new StorageType('UntypedStorage', 1)],
  // Protocol 2 (torch.save's default) spells Python 3 bytes as _codecs.encode(str, 'latin1')
  // and sets via __builtin__ (Python 2 names); both are harmless data constructors.
  ['_codecs encode', codecsEncode],
  ...['builtins', '__builtin__'].flatMap((m): [string, PickleGlobalTarget][] => [
    [`${m} set`, (args) => new Set(iterableArg(args))],
    [`${m} frozenset`, (args) => new Set(iterableArg(args))],
    [`${m} bytes`, (args) => (args.length === 0 ? new Uint8Array(0) : bytesArg(args[0]))],
    // bytearray under protocol 2 is bytearray(text, 'latin-1'); under 3-4 bytearray(bytes).
    [`${m} bytearray`, bytearray],
  ]),
]);

/**
 * Reads the float tensors of a PyTorch checkpoint's state dict. The state dict is the top-level
 * `state_dict` (Lightning), `model_state_dict`, `model` or `net` entry, or else the top-level dict
 * itself when it holds tensors (a bare `.pth`). Keys are returned exactly as stored.
 */
export function readTorchCheckpoint(file: string, options: ReadTorchCheckpointOptions = {}): Map<string, HostTensor> {
  const fail = (problem: string): never => {
    throw new WeightFileError(file, problem);
  };
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    return fail(`cannot read file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b || bytes[2] !== 0x03 || bytes[3] !== 0x04) {
    // Pre-1.6 torch.save wrote a bare pickle stream; say so, since re-saving is the fix.
    const legacy = bytes[0] === 0x80 ? '; looks like the legacy pre-1.6 format, re-save with torch>=1.6' : '';
    fail(`not a PyTorch zip checkpoint (no zip signature${legacy})`);
  }

  // Pass 1: the central directory, plus the small records (data.pkl, byteorder).
  const names: string[] = [];
  const small = unzip(bytes, fail, (name) => {
    names.push(name);
    return /^[^/]+\/(data\.pkl|byteorder)$/.test(name);
  });
  const pickles = Object.keys(small).filter((n) => n.endsWith('/data.pkl'));
  if (pickles.length === 0) {
    fail(`missing data.pkl: not a torch.save archive (entries: ${names.slice(0, 5).join(', ') || 'none'})`);
  }
  if (pickles.length > 1) fail(`more than one data.pkl (${pickles.join(', ')})`);
  const prefix = pickles[0].slice(0, -'data.pkl'.length);

  const byteorderRecord = small[`${prefix}byteorder`];
  if (byteorderRecord !== undefined) {
    const order = new TextDecoder().decode(byteorderRecord).trim();
    if (order === 'big') fail(`big-endian checkpoint (byteorder 'big') is not supported; re-save it on a little-endian machine`);
    if (order !== 'little') fail(`unknown byteorder record '${order}'`);
  }

  let root: unknown;
  const records = new Map<string, number>();
  let inert: Map<string, PickleGlobalTarget>;
  try {
    inert = inertGlobals(options.allowGlobals ?? [], records);
  } catch (err) {
    return fail((err as Error).message);
  }
  try {
    root = unpickle(small[pickles[0]], {
      allow: new Map([...TORCH_ALLOWED_GLOBALS, ...inert]),
      allowListDescription: 'a tensor-rebuild callable or an allowed inert class',
      persistentLoad,
      // A state dict's `_metadata` attribute, and Python attributes on tensors, are not weights;
      // an inert record keeps its state as data.
      build: (obj, state) => {
        if (obj instanceof Map || obj instanceof TensorRef) return obj;
        if (obj instanceof InertRecord) {
          obj.state = state;
          return obj;
        }
        throw new PickleError('BUILD on an object that is neither a dict, a tensor nor an inert record');
      },
    });
  } catch (err) {
    if (err instanceof PickleError) fail(`${prefix}data.pkl: ${err.message}`);
    throw err;
  }

  const stateDict = findStateDict(root, fail);
  const wanted: [string, TensorRef][] = [];
  for (const [key, value] of stateDict) {
    const name = String(key);
    if (value instanceof InertRecord) fail(`state dict entry '${name}' is a ${value.className} object, not a tensor; inert records are only read outside the state dict`);
    if (typeof key !== 'string') options.onSkip?.(name, 'key is not a string');
    else if (!(value instanceof TensorRef)) options.onSkip?.(name, 'not a tensor');
    else if (value.storage.type.float === undefined) options.onSkip?.(name, `${value.storage.type.name} tensor is not floating point`);
    else wanted.push([key, value]);
  }

  if (records.size) options.onRecords?.(records);

  // Pass 2: only the storage blobs those tensors use (optimizer state is never unzipped).
  const blobNames = new Set(wanted.map(([, t]) => `${prefix}data/${t.storage.key}`));
  const blobs = unzip(bytes, fail, (name) => blobNames.has(name));
  const viewed = new Set<string>();
  const out = new Map<string, HostTensor>();
  for (const [key, t] of wanted) {
    const blobName = `data/${t.storage.key}`;
    const blob = blobs[prefix + blobName];
    if (blob === undefined) fail(`storage ${blobName} for '${key}' is missing from the archive`);
    // The first tensor on a storage may view it; later ones copy, so no two results alias.
    const allowView = !viewed.has(blobName);
    viewed.add(blobName);
    out.set(key, { shape: t.shape.slice(), data: materialize(t, blob, key, blobName, allowView, fail) });
  }
  return out;
}

/**
 * Unzips the entries `keep` selects, turning fflate's errors, short entries and CRC-32 mismatches
 * (damaged bytes, which fflate does not check for stored entries) into one-liners.
 */
function unzip(bytes: Uint8Array, fail: (p: string) => never, keep: (name: string) => boolean): Record<string, Uint8Array> {
  const expected = new Map<string, number>();
  const problem = zipDirectoryProblem(bytes);
  if (problem) fail(`corrupt or truncated zip (${problem})`);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (!keep(f.name)) return false;
        expected.set(f.name, f.originalSize);
        return true;
      },
    });
  } catch (err) {
    return fail(`corrupt or truncated zip (${(err as Error).message})`);
  }
  for (const [name, size] of expected) {
    if (files[name]?.length !== size) {
      fail(`corrupt or truncated zip (${name} is ${files[name]?.length ?? 0} bytes, directory says ${size})`);
    }
  }
  const crcs = centralDirectoryCrcs(bytes);
  if (!crcs) return fail('corrupt or truncated zip (central directory unreadable)');
  for (const name of expected.keys()) {
    const want = crcs.get(name);
    if (want === undefined || crc32(files[name]) !== want) fail(`damaged data: ${name} does not match its CRC-32 in the zip directory`);
  }
  return files;
}

/** Picks the state dict out of the unpickled root object (see readTorchCheckpoint). */
function findStateDict(root: unknown, fail: (p: string) => never): Map<unknown, unknown> {
  if (!(root instanceof Map)) return fail('checkpoint root is not a dict');
  const holdsTensors = (m: Map<unknown, unknown>) => [...m.values()].some((v) => v instanceof TensorRef);
  for (const key of STATE_DICT_KEYS) {
    const v = root.get(key);
    if (v instanceof Map && holdsTensors(v)) return v;
  }
  if (holdsTensors(root)) return root;
  const keys = [...root.keys()].slice(0, 8).map(String).join(', ');
  return fail(`no state dict found (top-level keys: ${keys || 'none'}; expected tensors or one of ${STATE_DICT_KEYS.join('/')})`);
}

/** Turns one strided tensor view of a storage blob into a contiguous float32 array. */
function materialize(
  t: TensorRef,
  blob: Uint8Array,
  key: string,
  blobName: string,
  allowView: boolean,
  fail: (p: string) => never,
): Float32Array {
  const { type } = t.storage;
  const numel = t.shape.reduce((a, b) => a * b, 1);
  if (numel === 0) return new Float32Array(0);
  // Strides are non-negative, so the view spans storage elements [offset, last].
  const last = t.offset + t.shape.reduce((acc, size, i) => acc + (size - 1) * t.stride[i], 0);
  const need = (last + 1) * type.itemSize;
  if (blob.length < need) {
    fail(`storage ${blobName} for '${key}' holds ${blob.length} bytes but the tensor needs ${need}`);
  }
  const span = decodeFloats(
    blob.subarray(t.offset * type.itemSize, need),
    type.float as FloatDtype,
    last + 1 - t.offset,
    allowView,
  );
  if (isContiguous(t.shape, t.stride)) return span;
  // A view may repeat stored elements (stride 0, overlapping strides); the copy below would
  // then be as large as the shape claims, whatever the file holds: 1 TB for a damaged shape.
  if (numel > Math.max(span.length, MAX_REPEATED_VIEW)) {
    fail(`tensor '${key}' of shape [${t.shape}] with strides [${t.stride}] repeats ${span.length} stored elements of ${blobName} into ${numel}; views that large are not supported`);
  }

  // Non-contiguous view (e.g. a transpose): walk the indices in C order.
  const out = new Float32Array(numel);
  const rank = t.shape.length;
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < numel; i++) {
    out[i] = span[src];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < t.shape[d]) {
        src += t.stride[d];
        break;
      }
      src -= (t.shape[d] - 1) * t.stride[d];
      index[d] = 0;
    }
  }
  return out;
}

/** Most elements a strided view may expand its stored ones to (64 MiB as float32). */
const MAX_REPEATED_VIEW = 1 << 24;

/** True when the strides are the C-order ones (dimensions of size 1 may have any stride). */
function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

// ---- allow-listed builders (pure: they only build data values) ----

function persistentLoad(pid: unknown): StorageRef {
  // torch.save writes ('storage', <StorageType>, key, location, numel).
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
    const kind = Array.isArray(pid) ? `tuple starting ${String(pid[0])}` : typeof pid;
    throw new PickleError(`unsupported persistent id (${kind}); expected ('storage', type, key, location, numel)`);
  }
  const [, typeGlobal, key, , numel] = pid as unknown[];
  if (!(typeGlobal instanceof PickleGlobal) || !(typeGlobal.target instanceof StorageType)) {
    throw new PickleError(`persistent id does not name a storage type`);
  }
  if (typeof key !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(key)) throw new PickleError(`bad storage key ${String(key)}`);
  if (!isCount(numel)) throw new PickleError(`bad storage size ${String(numel)}`);
  return new StorageRef(key, typeGlobal.target, numel);
}

/** `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata])`. */
function rebuildTensor(args: readonly unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new Error('first argument is not a storage');
  if (!isCount(offset)) throw new Error('storage offset is not a non-negative integer');
  if (!Array.isArray(size) || !size.every(isCount)) throw new Error('size is not a tuple of non-negative integers');
  if (!Array.isArray(stride) || stride.length !== size.length || !stride.every(isCount)) {
    throw new Error('stride is not a tuple of non-negative integers matching size');
  }
  return new TensorRef(storage, offset, size.slice(), stride.slice());
}

/** `_rebuild_from_type_v2(func, new_type, args, state)`: a tensor subclass wrapping func(*args). */
function rebuildFromType(args: readonly unknown[]): unknown {
  const [func, newType, funcArgs] = args;
  if (!(func instanceof PickleGlobal) || typeof func.target !== 'function') throw new Error('func is not an allowed callable');
  if (!(newType instanceof PickleGlobal) || newType.target !== TENSOR_CLASS) throw new Error('new_type is not a tensor class');
  if (!Array.isArray(funcArgs)) throw new Error('args is not a tuple');
  return (func.target as (a: readonly unknown[]) => unknown)(funcArgs);
}

function orderedDict(args: readonly unknown[]): Map<unknown, unknown> {
  const map = new Map<unknown, unknown>();
  for (const pair of iterableArg(args)) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new Error('OrderedDict items are not pairs');
    map.set(pair[0], pair[1]);
  }
  return map;
}

/** `_codecs.encode(text, 'latin1')`: how protocol 2 spells a bytes object. */
function codecsEncode(args: readonly unknown[]): Uint8Array {
  const [text, encoding] = args;
  if (typeof text !== 'string') throw new Error('text is not a string');
  const enc = typeof encoding === 'string' ? encoding.toLowerCase().replace(/[-_]/g, '') : 'utf8';
  if (enc === 'latin1' || enc === 'iso88591') {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0xff) throw new Error('character outside latin-1');
      out[i] = c;
    }
    return out;
  }
  if (enc === 'utf8' || enc === 'ascii') return new TextEncoder().encode(text);
  throw new Error(`unsupported encoding ${String(encoding)}`);
}

function bytearray(args: readonly unknown[]): Uint8Array {
  if (typeof args[0] === 'string') return codecsEncode(args);
  return args.length === 0 ? new Uint8Array(0) : bytesArg(args[0]);
}

function iterableArg(args: readonly unknown[]): unknown[] {
  const v = args[0];
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  if (v instanceof Set) return [...v];
  throw new Error('argument is not a list');
}

function bytesArg(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  throw new Error('argument is not bytes');
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
