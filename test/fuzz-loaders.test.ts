/**
 * Property-based fuzzing of every file loader (fast-check, fixed seed). Real files of each format
 * the toolkit reads are mutated, truncated and spliced: PyTorch zip+pickle checkpoints (also
 * mutated inside data.pkl and re-zipped with valid CRCs, so the unpickler is reached), safetensors,
 * .npy, an exported .onnx with its weights file (the weights reader and `loadRestorer`), PNG/JPEG/
 * WebP, a training run's run.json and checkpoint.safetensors, and a curation folder's
 * manifest.jsonl and curate.json. Every case must either load (and then be self-consistent) or
 * throw an Error whose message is one line naming the file, within a time bound, while the
 * process's resident memory stays bounded.
 *
 *   node --experimental-vm-modules node_modules/jest/bin/jest.js test/fuzz-loaders.test.ts
 *
 * runs 200 cases per format (40 for `loadRestorer`, whose sessions are slow; a quarter as many for
 * float16 weights, which only add the widening) in about a minute. The long mode runs 3000 per
 * format (600 for `loadRestorer`), about 20 minutes on a 2-core machine:
 *
 *   `DYNET_FUZZ_LONG=1 npx jest test/fuzz-loaders.test.ts`
 *
 * DYNET_FUZZ_SEED=N replays another seed (the seed in use is printed); DYNET_FUZZ_RUNS=N sets the
 * case count per format (handy while developing); DYNET_FUZZ_VERBOSE=1 lists the refusals. The
 * loaders are synchronous, so a case that hangs cannot be timed out from here: such a case (or
 * one that kills the process) leaves its input and mutations in the printed folder's
 * current-case.json.
 *
 * A refusal is accepted when it is an Error (not a thrown string or object) whose message has no
 * line break and contains the file's base name; a load is accepted when every tensor's data
 * length matches its shape (and, per format, the few invariants in `check`).
 *
 * The regressions at the end are deterministic inputs for the bugs the fuzzer found.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { types } from 'node:util';
import * as fc from 'fast-check';
import { unzipSync, zipSync } from 'fflate';
import { onnx } from 'onnx-proto';
import sharp from 'sharp';
import {
  SMALL,
  WeightFileError,
  dynetParameterSpecs,
  exportDynet,
  initParameters,
  loadParameters,
  readNpy,
  readSafetensors,
  readTorchCheckpoint,
  writeSafetensors,
} from '@dynet/graph';
import type { HostTensor, StateDict } from '@dynet/graph';
import { loadRestorer, readImage } from '@dynet/infer';
import { curate, loadCheckpoint, readRunSpec, saveCheckpoint } from '@dynet/train';
import type { RunSpec } from '@dynet/train';
import { crc32 } from '../packages/graph/src/weights/zip-crc';
import { MANIFEST, repairManifest } from '../packages/train/src/curate/manifest';
import { readRun } from '../packages/train/src/curate/output-dir';
import { REFERENCE, tmpDir } from './helpers';

const LONG = process.env.DYNET_FUZZ_LONG === '1';
const SEED = Number(process.env.DYNET_FUZZ_SEED ?? 20240531);
const VERBOSE = process.env.DYNET_FUZZ_VERBOSE === '1';
const RUNS = Number(process.env.DYNET_FUZZ_RUNS ?? (LONG ? 3000 : 200));
const SESSION_RUNS = Number(process.env.DYNET_FUZZ_RUNS ?? (LONG ? 600 : 40));
/** Per-case wall-clock bound; sessions (graph optimisation on a busy machine) get longer. */
const CASE_MS = 2000;
const SESSION_CASE_MS = 15000;
/** Resident memory may not grow by more than this over the whole run. */
const RSS_BUDGET = 1024 * 1024 * 1024;

const specs = dynetParameterSpecs(SMALL);
const TRAINED = specs.slice(0, 6).map((s) => s.name);

// ---------------------------------------------------------------------------------------------
// Mutations

/** Values that, written over a length, count or offset field, make it absurd. */
const HUGE: bigint[] = [
  0xffffffffn,
  0x7fffffffn,
  0x80000000n,
  0xfffffffen,
  2n ** 32n,
  2n ** 38n, // 1 TB of float32 elements
  2n ** 40n, // 1 TB of bytes
  2n ** 53n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
  0n,
];

type Region = 'head' | 'tail' | 'any';

type Mutation =
  | { kind: 'overwrite'; region: Region; edits: { at: number; byte: number }[] }
  | { kind: 'flip'; region: Region; edits: { at: number; bit: number }[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; source: number; from: number; length: number; at: number; replace: boolean }
  | { kind: 'duplicate'; from: number; length: number; at: number }
  | { kind: 'int'; region: Region; at: number; width: 4 | 8; value: number };

/** Mutations inside a PyTorch archive's data.pkl (re-zipped afterwards, CRCs valid). */
type PickleMutation = { kind: 'pickle'; edits: Mutation[]; bigInts: { index: number; value: number }[] };

const position = fc.nat({ max: 1 << 24 });
/** Where an edit lands: headers sit in the first or last 256 bytes of most formats. */
const regionArb = fc.constantFrom<Region>('head', 'tail', 'any');

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('overwrite' as const), region: regionArb, edits: fc.array(fc.record({ at: position, byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 200 }) }),
  fc.record({ kind: fc.constant('flip' as const), region: regionArb, edits: fc.array(fc.record({ at: position, bit: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 200 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('splice' as const), source: fc.nat(), from: position, length: fc.integer({ min: 1, max: 4096 }), at: position, replace: fc.boolean() }),
  fc.record({ kind: fc.constant('duplicate' as const), from: position, length: fc.integer({ min: 1, max: 4096 }), at: position }),
  fc.record({
    kind: fc.constant('int' as const),
    region: regionArb,
    at: position,
    width: fc.constantFrom<4 | 8>(4, 8),
    value: fc.nat({ max: HUGE.length - 1 }),
  }),
);

const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 3 });

const pickleMutationArb: fc.Arbitrary<PickleMutation> = fc.record({
  kind: fc.constant('pickle' as const),
  edits: fc.array(mutationArb, { maxLength: 2 }),
  bigInts: fc.array(fc.record({ index: fc.nat(), value: fc.nat({ max: HUGE.length - 1 }) }), { maxLength: 3 }),
});

/** Values a structured mutation writes into a JSON document or an ONNX field. */
const oddValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 0.5, -0.5, 1e308, 2 ** 31, 2 ** 40, 2 ** 53, 2 ** 64, '', 'S', 'L', 'F16', 'I64', 'kept', 'line\nbreak', '../../outside', '/absolute', '1e3', '-1', ' 12'),
  fc.string({ maxLength: 16 }),
  fc.integer(),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A JSON document (or one line of a JSON-lines file, or a safetensors header) edited as a value and written back. */
type JsonMutation = { kind: 'json'; line: number; at: number; action: 'replace' | 'delete' | 'wrap'; value: unknown };

const jsonMutationArb: fc.Arbitrary<JsonMutation> = fc.record({
  kind: fc.constant('json' as const),
  line: fc.nat(),
  at: fc.nat(),
  action: fc.constantFrom<JsonMutation['action']>('replace', 'replace', 'delete', 'wrap'),
  value: oddValueArb,
});

/** One field of an exported ONNX model edited through its protobuf schema and encoded again. */
type OnnxMutation = {
  kind: 'onnx';
  field: 'dims' | 'offset' | 'length' | 'location' | 'dropExternal' | 'dataType' | 'dataLocation' | 'name' | 'dropInitializer' | 'metadata' | 'dropMetadata';
  at: number;
  index: number;
  value: unknown;
};

const onnxMutationArb: fc.Arbitrary<OnnxMutation> = fc.record({
  kind: fc.constant('onnx' as const),
  field: fc.constantFrom<OnnxMutation['field']>('dims', 'offset', 'length', 'location', 'dropExternal', 'dataType', 'dataLocation', 'name', 'dropInitializer', 'metadata', 'metadata', 'dropMetadata'),
  at: fc.nat(),
  index: fc.nat(),
  value: oddValueArb,
});

/** One PNG chunk's data edited, its length and CRC-32 made right again, so the decoder reads past the CRC check. */
type PngMutation = { kind: 'png'; chunk: number; edit: Mutation };

const pngMutationArb: fc.Arbitrary<PngMutation> = fc.record({ kind: fc.constant('png' as const), chunk: fc.nat(), edit: mutationArb });

type AnyMutation = Mutation | JsonMutation | OnnxMutation | PngMutation;

/** 1-3 mutations, byte-level or (where the seed has that structure) structured. */
const withStructure = (structured: fc.Arbitrary<AnyMutation>) => fc.array(fc.oneof(mutationArb, structured), { minLength: 1, maxLength: 3 });

/** Every seed file's bytes, of every format: the splice sources. */
const splicePool: Uint8Array[] = [];

function applyMutation(bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length;
  switch (m.kind) {
    case 'overwrite': {
      const out = bytes.slice();
      if (n) for (const e of m.edits) out[offsetIn(n, m.region, e.at)] = e.byte;
      return out;
    }
    case 'flip': {
      const out = bytes.slice();
      if (n) for (const e of m.edits) out[offsetIn(n, m.region, e.at)] ^= 1 << e.bit;
      return out;
    }
    case 'truncate':
      return bytes.slice(0, m.at % (n + 1));
    case 'splice': {
      const src = splicePool[m.source % splicePool.length];
      const from = m.from % (src.length + 1);
      const piece = src.subarray(from, from + m.length);
      const at = m.at % (n + 1);
      return concat(bytes.subarray(0, at), piece, bytes.subarray(m.replace ? Math.min(n, at + piece.length) : at));
    }
    case 'duplicate': {
      const from = m.from % (n + 1);
      const piece = bytes.subarray(from, from + m.length);
      const at = m.at % (n + 1);
      return concat(bytes.subarray(0, at), piece, bytes.subarray(at));
    }
    case 'int': {
      const out = bytes.slice();
      if (!n) return out;
      const at = offsetIn(n, m.region, m.at);
      let v = HUGE[m.value];
      for (let i = 0; i < m.width && at + i < n; i++, v >>= 8n) out[at + i] = Number(v & 0xffn);
      return out;
    }
  }
}

function offsetIn(n: number, region: Region, at: number): number {
  const span = Math.min(n, 256);
  return region === 'head' ? at % span : region === 'tail' ? n - 1 - (at % span) : at % n;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Python's LONG1 opcode for `v` (little-endian two's complement). */
function long1(v: bigint): Uint8Array {
  const bytes: number[] = [];
  let x = v;
  for (;;) {
    bytes.push(Number(x & 0xffn));
    x >>= 8n;
    if ((x === 0n && !(bytes[bytes.length - 1] & 0x80)) || (x === -1n && bytes[bytes.length - 1] & 0x80)) break;
  }
  return Uint8Array.from([0x8a, bytes.length, ...bytes]);
}

/** Replaces the index-th BININT1/BININT2/BININT opcode (shapes, strides, storage sizes) with a huge LONG1. */
function bigIntInPickle(pkl: Uint8Array, index: number, value: bigint): Uint8Array {
  const widths: Record<number, number> = { 0x4b: 1, 0x4d: 2, 0x4a: 4 };
  const at: number[] = [];
  for (let i = 0; i < pkl.length; i++) if (widths[pkl[i]] !== undefined) at.push(i);
  if (!at.length) return pkl;
  const i = at[index % at.length];
  return concat(pkl.subarray(0, i), long1(value), pkl.subarray(Math.min(pkl.length, i + 1 + widths[pkl[i]])));
}

function applyAny(bytes: Uint8Array, m: AnyMutation, structure: Seed['structure']): Uint8Array {
  if (m.kind === 'json') return mutateJson(bytes, m, structure);
  if (m.kind === 'onnx') return structure === 'onnx' ? mutateOnnx(bytes, m) : bytes;
  if (m.kind === 'png') return structure === 'png' ? mutatePng(bytes, m) : bytes;
  return applyMutation(bytes, m);
}

function editJson(doc: unknown, m: JsonMutation): unknown {
  // every (container, key) slot, depth first; slot -1 is the document itself
  const slots: [Record<string | number, unknown>, string | number][] = [];
  const walk = (v: unknown) => {
    if (typeof v !== 'object' || v === null) return;
    for (const k of Array.isArray(v) ? v.keys() : Object.keys(v)) {
      slots.push([v as Record<string | number, unknown>, k]);
      walk((v as Record<string | number, unknown>)[k]);
    }
  };
  walk(doc);
  const i = (m.at % (slots.length + 1)) - 1;
  if (i < 0) return m.action === 'wrap' ? [doc] : m.value;
  const [parent, key] = slots[i];
  if (m.action === 'replace') parent[key] = m.value;
  else if (m.action === 'wrap') parent[key] = { [String(key)]: parent[key] };
  else if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete parent[key];
  return doc;
}

function mutateJson(bytes: Uint8Array, m: JsonMutation, structure: Seed['structure']): Uint8Array {
  const text = Buffer.from(bytes).toString('utf8');
  try {
    if (structure === 'json') return Buffer.from(`${JSON.stringify(editJson(JSON.parse(text), m), null, 2)}\n`);
    if (structure === 'jsonl') {
      const lines = text.split('\n');
      const i = m.line % Math.max(1, lines.length - 1);
      lines[i] = JSON.stringify(editJson(JSON.parse(lines[i]), m));
      return Buffer.from(lines.join('\n'));
    }
    if (structure === 'safetensors') {
      const buf = Buffer.from(bytes);
      const n = Number(buf.readBigUInt64LE(0));
      const header = Buffer.from(JSON.stringify(editJson(JSON.parse(buf.subarray(8, 8 + n).toString('utf8')), m)));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(header.length));
      return concat(len, header, buf.subarray(8 + n));
    }
  } catch {
    // an earlier mutation broke the structure: leave the bytes as they are
  }
  return bytes;
}

function mutateOnnx(bytes: Uint8Array, m: OnnxMutation): Uint8Array {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch {
    return bytes;
  }
  const inits = model.graph?.initializer ?? [];
  const init = inits[m.at % Math.max(1, inits.length)];
  const text = typeof m.value === 'string' ? m.value : JSON.stringify(m.value) ?? '';
  const num = typeof m.value === 'number' && Number.isSafeInteger(m.value) ? m.value : -1;
  const external = (key: string) => init?.externalData?.find((e) => e.key === key);
  const props = model.metadataProps ?? [];
  switch (m.field) {
    case 'dims':
      if (init?.dims?.length) init.dims[m.index % init.dims.length] = num;
      break;
    case 'offset':
    case 'length':
    case 'location': {
      const e = external(m.field);
      if (e) e.value = text;
      else init?.externalData?.push(onnx.StringStringEntryProto.create({ key: m.field, value: text }));
      break;
    }
    case 'dropExternal':
      if (init?.externalData?.length) init.externalData.splice(m.index % init.externalData.length, 1);
      break;
    case 'dataType':
      if (init) init.dataType = Math.abs(num) % 20;
      break;
    case 'dataLocation':
      if (init) init.dataLocation = init.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL ? onnx.TensorProto.DataLocation.DEFAULT : onnx.TensorProto.DataLocation.EXTERNAL;
      break;
    case 'name':
      if (init) init.name = typeof m.value === 'string' ? m.value : inits[m.index % inits.length].name;
      break;
    case 'dropInitializer':
      if (inits.length) inits.splice(m.at % inits.length, 1);
      break;
    case 'metadata':
      if (props.length) props[m.index % props.length].value = text;
      break;
    case 'dropMetadata':
      if (props.length) props.splice(m.index % props.length, 1);
      break;
  }
  return onnx.ModelProto.encode(model).finish();
}

function mutatePng(bytes: Uint8Array, m: PngMutation): Uint8Array {
  const buf = Buffer.from(bytes);
  const chunks: number[] = [];
  for (let at = 8; at + 12 <= buf.length; at += 12 + buf.readUInt32BE(at)) chunks.push(at);
  if (!chunks.length) return bytes;
  const at = chunks[m.chunk % chunks.length];
  const length = buf.readUInt32BE(at);
  if (at + 12 + length > buf.length) return bytes;
  const data = applyMutation(buf.subarray(at + 8, at + 8 + length), m.edit);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length);
  buf.copy(head, 4, at + 4, at + 8);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(concat(head.subarray(4), data)));
  return concat(buf.subarray(0, at), head, data, crc, buf.subarray(at + 12 + length));
}

/** Mutates data.pkl inside a torch.save zip and zips it again (stored, CRCs recomputed). */
function mutatePickle(zip: Uint8Array, m: PickleMutation): Uint8Array {
  const files = unzipSync(zip);
  const name = Object.keys(files).find((f) => f.endsWith('/data.pkl'));
  if (!name) return zip;
  let pkl: Uint8Array = files[name];
  for (const e of m.edits) pkl = applyMutation(pkl, e);
  for (const b of m.bigInts) pkl = bigIntInPickle(pkl, b.index, HUGE[b.value]);
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, [k === name ? pkl : v, { level: 0 }]])));
}

// ---------------------------------------------------------------------------------------------
// The property

interface Seed {
  /** file name the case is written under (extensions matter to some loaders) */
  name: string;
  bytes: Uint8Array;
  /** what structured mutations can edit */
  structure?: 'json' | 'jsonl' | 'safetensors' | 'onnx' | 'png';
}

interface Format {
  title: string;
  runs: number;
  caseMs: number;
  seeds: Seed[];
  /** fast-check arbitrary of what to do to a seed; defaults to 1-3 byte-level mutations */
  mutations?: fc.Arbitrary<AnyMutation[] | PickleMutation>;
  /**
   * Writes the mutated bytes where the loader will read them; returns the path to load and the
   * names (file base names) an error message may name.
   */
  stage(seed: Seed, bytes: Uint8Array): { file: string; names: string[] };
  load(file: string): unknown;
  /** What a successful load must satisfy. */
  check?(value: unknown): void;
}

interface Stats {
  cases: number;
  loaded: number;
  refused: number;
  maxMs: number;
  /** refusal messages, digits folded (DYNET_FUZZ_VERBOSE=1) */
  messages: Set<string>;
}
const stats = new Map<string, Stats>();
let rssAtStart = 0;
let rssMax = 0;

/** Runs one case; throws (failing the property) when the loader breaks the contract. */
async function runCase(f: Format, seedIndex: number, what: AnyMutation[] | PickleMutation): Promise<void> {
  const seed = f.seeds[seedIndex % f.seeds.length];
  const bytes = Array.isArray(what) ? what.reduce((b: Uint8Array, m) => applyAny(b, m, seed.structure), seed.bytes) : mutatePickle(seed.bytes, what);
  const { file, names } = f.stage(seed, bytes);
  // a case that hangs or kills the process leaves its input (the staged file) and this behind
  fs.writeFileSync(path.join(dir, 'current-case.json'), JSON.stringify({ format: f.title, seed: seed.name, file, mutations: what }));
  const s = stats.get(f.title)!;
  s.cases++;
  const t0 = performance.now();
  let value: unknown;
  let error: unknown;
  let threw = false;
  try {
    value = await f.load(file);
  } catch (err) {
    threw = true;
    error = err;
  }
  const ms = performance.now() - t0;
  s.maxMs = Math.max(s.maxMs, ms);
  rssMax = Math.max(rssMax, process.memoryUsage.rss());
  if (ms > f.caseMs) throw new Error(`${f.title}: took ${Math.round(ms)} ms (bound ${f.caseMs} ms)`);
  if (process.memoryUsage.rss() - rssAtStart > RSS_BUDGET) throw new Error(`${f.title}: resident memory grew by ${mb(process.memoryUsage.rss() - rssAtStart)}`);
  if (!threw) {
    s.loaded++;
    f.check?.(value);
    return;
  }
  s.refused++;
  checkRefusal(error, names);
  if (VERBOSE) s.messages.add((error as Error).message.replace(/^.*?fuzz-\w+\//, '').replace(/\d+/g, 'N').slice(0, 160));
}

/** The contract for a refusal: an Error, one line, naming the file. */
function checkRefusal(error: unknown, names: string[]): void {
  if (!(error instanceof Error) && !types.isNativeError(error)) throw new Error(`threw a non-Error: ${String(error)}`);
  const message = (error as Error).message;
  if (/[\r\n]/.test(message)) throw new Error(`message is not one line: ${JSON.stringify(message)}`);
  if (!names.some((n) => message.includes(n))) throw new Error(`message names none of ${names.join(', ')}: ${JSON.stringify(message)}`);
}

async function fuzz(f: Format, salt: number): Promise<void> {
  stats.set(f.title, { cases: 0, loaded: 0, refused: 0, maxMs: 0, messages: new Set() });
  const what: fc.Arbitrary<AnyMutation[] | PickleMutation> = f.mutations ?? mutationsArb;
  await fc.assert(
    fc.asyncProperty(fc.nat(), what, async (seedIndex, m) => {
      await runCase(f, seedIndex, m);
    }),
    { seed: SEED + salt, numRuns: f.runs },
  );
}

function checkStateDict(value: unknown): void {
  const dict = value as StateDict;
  expect(dict).toBeInstanceOf(Map);
  for (const [name, t] of dict) checkTensor(name, t);
}

function checkTensor(name: string, t: HostTensor): void {
  if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`'${name}': loaded with shape [${t.shape}]`);
  const numel = t.shape.reduce((a, b) => a * b, 1);
  if (!(t.data instanceof Float32Array) || t.data.length !== numel) throw new Error(`'${name}': shape [${t.shape}] loaded with ${t.data?.length} values`);
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

// ---------------------------------------------------------------------------------------------
// Seed files, made with the project's own writers

let dir: string;
const seeds: Record<string, Seed[]> = {};

function seedOf(file: string, name = path.basename(file), structure?: Seed['structure']): Seed {
  const s = { name, bytes: new Uint8Array(fs.readFileSync(file)), structure };
  splicePool.push(s.bytes);
  return s;
}

/** Stages a case in a folder of its own files: the mutated one replaces its original (files already as wanted are not rewritten). */
function stageIn(folder: string, originals: Seed[]) {
  const written = new Map<string, Uint8Array>();
  return (seed: Seed, bytes: Uint8Array) => {
    for (const o of originals) {
      const want = o === seed ? bytes : o.bytes;
      if (written.get(o.name) === want) continue;
      fs.writeFileSync(path.join(folder, o.name), want);
      written.set(o.name, want);
    }
    return { file: path.join(folder, seed.name), names: originals.map((o) => o.name) };
  };
}

function stageAlone(folder: string) {
  return (seed: Seed, bytes: Uint8Array) => {
    const file = path.join(folder, seed.name);
    fs.writeFileSync(file, bytes);
    return { file, names: [seed.name] };
  };
}

/** PyTorch writes zip64 end-of-directory records into every archive; the fixtures (Python's zipfile) do not. */
function withZip64Records(zip: Uint8Array): Uint8Array {
  const buf = Buffer.from(zip);
  const e = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = BigInt(buf.readUInt16LE(e + 10));
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(0x031e, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(count, 24);
  record.writeBigUInt64LE(count, 32);
  record.writeBigUInt64LE(BigInt(buf.readUInt32LE(e + 12)), 40);
  record.writeBigUInt64LE(BigInt(buf.readUInt32LE(e + 16)), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(e), 8);
  locator.writeUInt32LE(1, 16);
  return concat(buf.subarray(0, e), record, locator, buf.subarray(e));
}

const TORCH_FIXTURES = path.join(__dirname, '..', 'packages', 'graph', 'test', 'fixtures', 'torch');

beforeAll(async () => {
  dir = tmpDir('fuzz');
  const made = (...p: string[]) => {
    const d = path.join(dir, ...p);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  rssAtStart = process.memoryUsage.rss();

  // PyTorch checkpoints: the fake-torch fixtures, one of them with the zip64 records torch writes
  seeds.torch = ['lightning.ckpt', 'lightning-extras.ckpt', 'state-dict.pth', 'params-p4.pt', 'namespace-in-state-dict.pt'].map((f) => seedOf(path.join(TORCH_FIXTURES, f)));
  const z64 = path.join(made('seed'), 'zip64.pt');
  fs.writeFileSync(z64, withZip64Records(seeds.torch[2].bytes));
  seeds.torch.push(seedOf(z64));

  // safetensors: a small state dict with metadata, and the training checkpoint below
  const tensors: StateDict = new Map([
    ['encoder.weight', { shape: [4, 3, 3, 3], data: Float32Array.from({ length: 108 }, (_, i) => Math.sin(i)) }],
    ['encoder.bias', { shape: [4], data: Float32Array.from([0.5, -1, 2, 1e-3]) }],
    ['scale', { shape: [], data: Float32Array.from([3]) }],
    ['empty', { shape: [0, 5], data: new Float32Array(0) }],
  ]);
  const st = path.join(dir, 'seed', 'weights.safetensors');
  writeSafetensors(st, tensors, { format: 'pt', note: 'fuzz seed' });
  seeds.safetensors = [seedOf(st, undefined, 'safetensors')];

  // .npy: the reference arrays the Python implementation wrote
  seeds.npy = ['input_a.npy', 'output_S_b.npy'].map((f) => seedOf(path.join(REFERENCE, f)));

  // an exported model, float32 and float16 weights
  const weights = initParameters(specs, 7);
  for (const dtype of ['float32', 'float16'] as const) {
    exportDynet({ config: SMALL, variants: ['S'], outDir: path.join(dir, 'seed', dtype), weights, source: 'fuzz', weightsDType: dtype });
  }
  seeds.onnx = ['dynet-s.onnx', 'dynet.weights.bin'].map((f) => seedOf(path.join(dir, 'seed', 'float32', f), f, f.endsWith('.onnx') ? 'onnx' : undefined));
  seeds.onnx16 = ['dynet-s.onnx', 'dynet.weights.bin'].map((f) => seedOf(path.join(dir, 'seed', 'float16', f), f, f.endsWith('.onnx') ? 'onnx' : undefined));

  // images
  const width = 32;
  const height = 24;
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37 + (i >> 5) * 11) & 0xff;
  const raw = { raw: { width, height, channels: 3 as const } };
  const img = made('seed', 'images');
  await sharp(rgb, raw).png().toFile(path.join(img, 'photo.png'));
  await sharp(rgb, raw).ensureAlpha(0.5).png().toFile(path.join(img, 'alpha.png'));
  await sharp(rgb, raw).toColourspace('grey16').png().toFile(path.join(img, 'grey16.png'));
  await sharp(rgb, raw).jpeg({ quality: 90 }).toFile(path.join(img, 'photo.jpg'));
  await sharp(rgb, raw).withMetadata({ orientation: 6 }).jpeg({ quality: 80 }).toFile(path.join(img, 'rotated.jpg'));
  await sharp(rgb, raw).webp({ quality: 80 }).toFile(path.join(img, 'photo.webp'));
  await sharp(rgb, raw).webp({ lossless: true }).toFile(path.join(img, 'lossless.webp'));
  seeds.png = ['photo.png', 'alpha.png', 'grey16.png'].map((f) => seedOf(path.join(img, f), f, 'png'));
  seeds.jpeg = ['photo.jpg', 'rotated.jpg'].map((f) => seedOf(path.join(img, f)));
  seeds.webp = ['photo.webp', 'lossless.webp'].map((f) => seedOf(path.join(img, f)));

  // a training run: run.json as `dynet train` writes it, and a checkpoint with moments (and one without)
  const run = made('seed', 'run');
  const spec: RunSpec = {
    mode: 'finetune',
    config: SMALL,
    variant: 'S',
    variantProb: 0.5,
    dynamic: false,
    data: { task: 'denoise', clean: ['/data/photos'], workers: 1, holdout: 0 },
    batch: 2,
    crop: 32,
    seed: 5,
    steps: 10,
    lr: 2e-4,
    warmup: 1,
    hyper: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
    weightsSource: 'init seed 5',
    device: 'cpu',
    threads: 2,
    nchwc: true,
  };
  fs.writeFileSync(path.join(run, 'run.json'), `${JSON.stringify(spec, null, 2)}\n`);
  const moments = (scale: number) => new Map(TRAINED.map((n) => [n, { shape: weights.get(n)!.shape, data: weights.get(n)!.data.map((v) => v * scale) }]));
  const ckpt = { params: weights, expAvg: moments(0.1), expAvgSq: moments(0.01), step: 3, state: { seed: '5', order: 'a,b' } };
  saveCheckpoint(path.join(run, 'checkpoint.safetensors'), ckpt, JSON.stringify(SMALL));
  saveCheckpoint(path.join(run, 'plain.safetensors'), { ...ckpt, expAvg: new Map(), expAvgSq: new Map(), step: 0, state: {} }, JSON.stringify(SMALL));
  seeds.runJson = [seedOf(path.join(run, 'run.json'), 'run.json', 'json')];
  seeds.checkpoint = [seedOf(path.join(run, 'checkpoint.safetensors'), 'checkpoint.safetensors', 'safetensors'), seedOf(path.join(run, 'plain.safetensors'), 'checkpoint.safetensors', 'safetensors')];

  // a curation folder: `curate` on three small photos
  const photos = made('seed', 'photos');
  for (const [i, size] of [[64, 48], [48, 64], [24, 24]].entries()) {
    await sharp(rgb, raw).resize(size[0], size[1]).png().toFile(path.join(photos, `p${i}.png`));
  }
  const curated = path.join(dir, 'seed', 'curated');
  await curate({ inputs: [photos], out: curated, workers: 0, settings: { patch: 32, minSide: 32, flatBlock: 8, metrics: ['blur', 'blockiness'] } });
  seeds.manifest = [seedOf(path.join(curated, 'manifest.jsonl'), MANIFEST, 'jsonl')];
  seeds.curateJson = [seedOf(path.join(curated, 'curate.json'), 'curate.json', 'json')];
  console.log(
    `fuzz seed ${SEED}${LONG ? ' (long mode)' : ''}; ${RUNS} cases per format, ${SESSION_RUNS} for loadRestorer; cases staged in ${dir}; ` +
      `seed files: ${Object.entries(seeds).map(([k, v]) => `${k} ${v.map((s) => s.bytes.length).join('+')} B`).join(', ')}`,
  );
}, 300000);

afterAll(() => {
  const rows = [...stats].map(([t, s]) => `${t.padEnd(36)} ${String(s.cases).padStart(5)} cases ${String(s.loaded).padStart(5)} loaded ${String(s.refused).padStart(5)} refused  max ${Math.round(s.maxMs)} ms`);
  if (VERBOSE) for (const [t, s] of stats) console.log(`${t}: ${s.messages.size} kinds of refusal\n  ${[...s.messages].sort().join('\n  ')}`);
  if (rows.length) console.log(`fuzz seed ${SEED}\n${rows.join('\n')}\nresident memory: start ${mb(rssAtStart)}, peak ${mb(rssMax)}`);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// One property per format

describe(`every loader either loads or refuses in one line naming the file (seed ${SEED})`, () => {
  test('PyTorch checkpoints (.ckpt/.pth/.pt): the zip, and the pickle inside it', async () => {
    const stage = stageAlone(path.join(dir, 'torch'));
    fs.mkdirSync(path.join(dir, 'torch'), { recursive: true });
    await fuzz(
      {
        title: 'torch zip+pickle',
        runs: RUNS,
        caseMs: CASE_MS,
        seeds: seeds.torch,
        mutations: fc.oneof(mutationsArb, pickleMutationArb),
        stage,
        load: (file) => readTorchCheckpoint(file),
        check: checkStateDict,
      },
      1,
    );
  });

  test('safetensors', async () => {
    fs.mkdirSync(path.join(dir, 'st'), { recursive: true });
    await fuzz({ title: 'safetensors', runs: RUNS, caseMs: CASE_MS, seeds: seeds.safetensors, mutations: withStructure(jsonMutationArb), stage: stageAlone(path.join(dir, 'st')), load: (f) => readSafetensors(f).tensors, check: checkStateDict }, 2);
  });

  test('.npy', async () => {
    fs.mkdirSync(path.join(dir, 'npy'), { recursive: true });
    await fuzz({ title: 'npy', runs: RUNS, caseMs: CASE_MS, seeds: seeds.npy, stage: stageAlone(path.join(dir, 'npy')), load: (f) => readNpy(f), check: (t) => checkTensor('array', t as HostTensor) }, 3);
  });

  // float16 weights take longer to widen, and share all but the weights reader's dtype branch: a quarter as many
  test.each([
    ['float32', 'onnx', RUNS],
    ['float16', 'onnx16', Math.ceil(RUNS / 4)],
  ])('an exported .onnx and its %s weights file, read as weights', async (dtype, key, runs) => {
    const folder = path.join(dir, `onnx-${dtype}`);
    fs.mkdirSync(folder, { recursive: true });
    const [graph, bin] = seeds[key];
    const stage = stageIn(folder, seeds[key]);
    await fuzz(
      {
        title: `onnx weights (${dtype})`,
        runs: runs as number,
        caseMs: CASE_MS,
        // the graph (names, dims, external-data entries) three times as often as the raw weights
        seeds: [graph, graph, graph, bin],
        mutations: withStructure(onnxMutationArb),
        stage: (seed, bytes) => ({ ...stage(seed, bytes), file: path.join(folder, 'dynet-s.onnx') }),
        load: (file) => loadParameters(file, specs),
        check: checkStateDict,
      },
      dtype === 'float32' ? 4 : 5,
    );
  });

  test('an exported model folder, loaded by loadRestorer (metadata, weights digest, session)', async () => {
    const folder = path.join(dir, 'restorer');
    fs.mkdirSync(folder, { recursive: true });
    const stage = stageIn(folder, seeds.onnx);
    await fuzz(
      {
        title: 'loadRestorer (.onnx + metadata)',
        runs: SESSION_RUNS,
        caseMs: SESSION_CASE_MS,
        seeds: [seeds.onnx[0], seeds.onnx[0], seeds.onnx[0], seeds.onnx[1]],
        mutations: withStructure(onnxMutationArb),
        stage: (seed, bytes) => ({ ...stage(seed, bytes), file: folder }),
        load: async (model) => {
          const r = await loadRestorer({ model, threads: 1 });
          await r.release();
          return r;
        },
      },
      6,
    );
  });

  test.each(['png', 'jpeg', 'webp'])('%s images', async (format) => {
    const folder = path.join(dir, `img-${format}`);
    fs.mkdirSync(folder, { recursive: true });
    await fuzz(
      {
        title: `${format} images`,
        runs: RUNS,
        caseMs: CASE_MS,
        seeds: seeds[format],
        mutations: format === 'png' ? withStructure(pngMutationArb) : undefined,
        stage: stageAlone(folder),
        load: (file) => readImage(file),
        check: (v) => {
          const { pixels } = v as Awaited<ReturnType<typeof readImage>>;
          if (pixels.samples.length !== pixels.width * pixels.height * pixels.channels) throw new Error(`decoded ${pixels.samples.length} samples for ${pixels.width}x${pixels.height}x${pixels.channels}`);
        },
      },
      { png: 7, jpeg: 8, webp: 9 }[format]!,
    );
  });

  test("a training run's run.json", async () => {
    const folder = path.join(dir, 'run-spec');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'checkpoint.safetensors'), seeds.checkpoint[0].bytes);
    await fuzz({ title: 'run.json', runs: RUNS, caseMs: CASE_MS, seeds: seeds.runJson, mutations: withStructure(jsonMutationArb), stage: (s, b) => ({ ...stageAlone(folder)(s, b), file: folder }), load: (d) => readRunSpec(d) }, 10);
  });

  test("a training run's checkpoint.safetensors", async () => {
    const folder = path.join(dir, 'run-ckpt');
    fs.mkdirSync(folder, { recursive: true });
    await fuzz(
      {
        title: 'checkpoint.safetensors',
        runs: RUNS,
        caseMs: CASE_MS,
        seeds: seeds.checkpoint,
        mutations: withStructure(jsonMutationArb),
        stage: stageAlone(folder),
        load: (file) => loadCheckpoint(file, specs, TRAINED),
        check: (v) => {
          const c = v as ReturnType<typeof loadCheckpoint>;
          checkStateDict(c.params);
          checkStateDict(c.expAvg);
          checkStateDict(c.expAvgSq);
          if (!Number.isSafeInteger(c.step) || c.step < 0) throw new Error(`step ${c.step}`);
        },
      },
      11,
    );
  });

  test("a curation folder's manifest.jsonl (read on resume, unterminated tail cut off)", async () => {
    const folder = path.join(dir, 'curated');
    fs.mkdirSync(folder, { recursive: true });
    await fuzz(
      {
        title: 'curation manifest.jsonl',
        runs: RUNS,
        caseMs: CASE_MS,
        seeds: seeds.manifest,
        mutations: withStructure(jsonMutationArb),
        stage: (seed, bytes) => {
          const s = stageAlone(folder)(seed, bytes);
          lastManifest = Buffer.from(bytes);
          return s;
        },
        load: (file) => {
          try {
            return repairManifest(file);
          } finally {
            // loaded or not, the repair keeps exactly the terminated lines, byte for byte
            const kept = fs.readFileSync(file);
            const end = lastManifest.lastIndexOf(0x0a) + 1;
            if (!kept.equals(lastManifest.subarray(0, end))) throw new Error(`the repair left ${kept.length} bytes, not the ${end} up to the last newline`);
          }
        },
      },
      12,
    );
  });

  test("a curation folder's curate.json", async () => {
    const folder = path.join(dir, 'curated-run');
    fs.mkdirSync(folder, { recursive: true });
    await fuzz({ title: 'curation curate.json', runs: RUNS, caseMs: CASE_MS, seeds: seeds.curateJson, mutations: withStructure(jsonMutationArb), stage: (s, b) => ({ ...stageAlone(folder)(s, b), file: folder }), load: (d) => readRun(d), check: (r) => expect((r as { format: string }).format).toBe('dynet-curate') }, 13);
  });

  test('resident memory stayed bounded over the whole run', () => {
    expect(rssMax - rssAtStart).toBeLessThan(RSS_BUDGET);
  });
});

let lastManifest = Buffer.alloc(0);

// ---------------------------------------------------------------------------------------------
// Regressions: deterministic inputs for what the fuzzer (and the review it prompted) found

/** A torch.save-style archive: `pickle` as t/data.pkl, `blob` as t/data/0, stored like torch stores them. */
function torchZip(pickle: Uint8Array, blob: Uint8Array = new Uint8Array(4)): Uint8Array {
  return zipSync({ 't/data.pkl': [pickle, { level: 0 }], 't/byteorder': [Buffer.from('little'), { level: 0 }], 't/data/0': [blob, { level: 0 }] });
}

const latin1 = (s: string) => Buffer.from(s, 'latin1');
const binunicode = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(b.length);
  return concat(Uint8Array.of(0x58), len, b);
};
const global = (module: string, name: string) => latin1(`c${module}\n${name}\n`);

/**
 * `{key: tensor}` for `_rebuild_tensor_v2` on a FloatStorage 't/data/0' claiming `numel` elements,
 * then `extra` (more dict items), as protocol 2 pickles it.
 */
function tensorPickle(key: string, numel: bigint, shape: bigint[], stride: bigint[], extra: Uint8Array = new Uint8Array(0)): Uint8Array {
  const tuple = (items: bigint[]) => concat(Uint8Array.of(0x28), ...items.map(long1), Uint8Array.of(0x74));
  return concat(
    Uint8Array.of(0x80, 0x02, 0x7d, 0x28),
    binunicode(key),
    global('torch._utils', '_rebuild_tensor_v2'),
    Uint8Array.of(0x28, 0x28),
    binunicode('storage'),
    global('torch', 'FloatStorage'),
    binunicode('0'),
    binunicode('cpu'),
    long1(numel),
    Uint8Array.of(0x74, 0x51), // TUPLE, BINPERSID
    long1(0n),
    tuple(shape),
    tuple(stride),
    Uint8Array.of(0x89),
    global('collections', 'OrderedDict'),
    Uint8Array.of(0x29, 0x52, 0x74, 0x52), // EMPTY_TUPLE REDUCE; TUPLE REDUCE
    extra,
    Uint8Array.of(0x75, 0x2e), // SETITEMS STOP
  );
}

/** Loads `bytes` saved as `name`; returns the refusal (asserting the one-line contract and the time bound). */
function refusal(name: string, bytes: Uint8Array, load: (file: string) => unknown, bound = CASE_MS): Error {
  const folder = path.join(dir, 'regressions');
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, name);
  fs.writeFileSync(file, bytes);
  const t0 = performance.now();
  let error: unknown;
  try {
    load(file);
  } catch (err) {
    error = err;
  }
  expect(performance.now() - t0).toBeLessThan(bound);
  expect(error).toBeDefined();
  checkRefusal(error, [name]);
  return error as Error;
}

describe('regressions (deterministic inputs)', () => {
  test('a pickle claiming a 1 TB storage and a [2^38] float tensor fails fast, allocating nothing', () => {
    const rss = process.memoryUsage.rss();
    const tb = 2n ** 38n; // float32 elements in 1 TiB
    const err = refusal('claims-1tb.pt', torchZip(tensorPickle('w', tb, [tb], [1n])), (f) => readTorchCheckpoint(f));
    expect(err).toBeInstanceOf(WeightFileError);
    expect(err.message).toMatch(/storage data\/0 for 'w' holds 4 bytes but the tensor needs 1099511627776/);
    expect(process.memoryUsage.rss() - rss).toBeLessThan(64 * 1048576);
  });

  test('a stride-0 view claiming 1 TB (or 1 GB) of one stored float is refused, not materialised', () => {
    // before: new Float32Array(2^38) threw a RangeError; 2^28 allocated and filled 1 GB
    const rss = process.memoryUsage.rss();
    for (const n of [2n ** 38n, 2n ** 28n]) {
      const err = refusal(`stride0-${n}.pt`, torchZip(tensorPickle('w', 1n, [n], [0n])), (f) => readTorchCheckpoint(f));
      expect(err).toBeInstanceOf(WeightFileError);
      expect(err.message).toMatch(/repeats 1 stored elements of data\/0 into \d+; views that large are not supported/);
    }
    expect(process.memoryUsage.rss() - rss).toBeLessThan(64 * 1048576);
    // a small broadcast view still loads
    fs.writeFileSync(path.join(dir, 'regressions', 'stride0-small.pt'), torchZip(tensorPickle('w', 1n, [3n], [0n]), new Uint8Array(Float32Array.of(2.5).buffer)));
    expect([...readTorchCheckpoint(path.join(dir, 'regressions', 'stride0-small.pt')).get('w')!.data]).toEqual([2.5, 2.5, 2.5]);
  });

  test('a zip64 directory claiming 0xFFFFFFFF entries is refused at once (fflate walked them: a hang)', () => {
    const ok = withZip64Records(seeds.torch[2].bytes);
    const bad = Buffer.from(ok);
    const record = bad.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]));
    bad.writeUInt32LE(0xffffffff, record + 32);
    const err = refusal('zip64-count.pt', bad, (f) => readTorchCheckpoint(f));
    expect(err.message).toMatch(/corrupt or truncated zip \(the directory claims 4294967295 entries/);
  });

  test("a global's name with a line break (STACK_GLOBAL) is refused in one line", () => {
    const extra = concat(binunicode('x'), binunicode('os\nsystem'), binunicode('run'), Uint8Array.of(0x93));
    const err = refusal('newline-global.pt', torchZip(tensorPickle('w', 1n, [1n], [1n], extra)), (f) => readTorchCheckpoint(f));
    expect(err.message).toMatch(/pickle names 'os\\nsystem run', which is not/);
  });

  test('a \\U escape beyond U+10FFFF in a UNICODE opcode is a WeightFileError, not a RangeError', () => {
    const extra = concat(binunicode('u'), latin1('V\\U00110000\n'));
    const err = refusal('bad-codepoint.pt', torchZip(tensorPickle('w', 1n, [1n], [1n], extra)), (f) => readTorchCheckpoint(f));
    expect(err).toBeInstanceOf(WeightFileError);
    expect(err.message).toMatch(/beyond U\+10FFFF/);
  });

  test('a list of 300000 items (APPENDS) loads without overflowing the call stack', () => {
    const extra = concat(binunicode('items'), Uint8Array.of(0x5d, 0x28), new Uint8Array(300000).fill(0x4e), Uint8Array.of(0x65));
    const file = path.join(dir, 'regressions', 'long-list.pt');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, torchZip(tensorPickle('w', 1n, [1n], [1n], extra)));
    expect(readTorchCheckpoint(file).get('w')!.shape).toEqual([1]);
  });

  test('a 1 MB LONG4 integer decodes in linear time (it took minutes)', () => {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(1 << 20);
    const extra = concat(binunicode('big'), Uint8Array.of(0x8b), len, new Uint8Array(1 << 20).fill(0x11));
    const file = path.join(dir, 'regressions', 'long4.pt');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, torchZip(tensorPickle('w', 1n, [1n], [1n], extra)));
    const t0 = performance.now();
    expect(readTorchCheckpoint(file).size).toBe(1);
    expect(performance.now() - t0).toBeLessThan(CASE_MS);
  });

  test('a safetensors header whose JSON error quotes a line break is refused in one line', () => {
    const header = Buffer.from('{"a":\n x}   ');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    const err = refusal('newline.safetensors', concat(len, header), (f) => readSafetensors(f));
    expect(err.message).toMatch(/header is not valid UTF-8 JSON \(Unexpected token 'x', .*\\n x/);
  });

  test('a .npy dtype with a line break is refused in one line', () => {
    const npy = Buffer.from(seeds.npy[0].bytes);
    npy.write("'<f\n4'", npy.indexOf("'<f4'"), 'latin1'); // one byte longer: runs into the next character
    const err = refusal('newline.npy', npy, (f) => readNpy(f));
    expect(err.message).toMatch(/dtype '<f\\n4' is not supported/);
  });

  test("an exported model's external-data offset that is not a number is refused (it loaded as an empty tensor)", () => {
    const model = onnx.ModelProto.decode(seeds.onnx[0].bytes);
    const init = model.graph!.initializer!.find((i) => i.externalData?.some((e) => e.key === 'offset'))!;
    init.externalData!.find((e) => e.key === 'offset')!.value = 'x';
    const folder = path.join(dir, 'regressions', 'offset');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'dynet.weights.bin'), seeds.onnx[1].bytes);
    const err = refusal('offset/dynet-s.onnx', onnx.ModelProto.encode(model).finish(), (f) => loadParameters(f, specs));
    expect(err.message).toMatch(new RegExp(`initializer '${init.name!.replace(/\./g, '\\.')}' .* does not fit dynet\\.weights\\.bin \\(offset x,`));
    init.externalData!.find((e) => e.key === 'offset')!.value = '0';
    init.dims = [-1, ...init.dims!.slice(1)];
    const neg = refusal('offset/dynet-s.onnx', onnx.ModelProto.encode(model).finish(), (f) => loadParameters(f, specs));
    expect(neg.message).toMatch(/has dims \[-1,/);
  });

  test("a model whose metadata names no file beside it (the folder itself, outside, a line break) is refused naming the graph", async () => {
    // found by the long run: a byte near the end of dynet-s.onnx made dynet.weights_file name the
    // folder, and hashing it threw a bare "EISDIR: illegal operation on a directory, read"
    const folder = path.join(dir, 'regressions', 'weights-name');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'dynet.weights.bin'), seeds.onnx[1].bytes);
    const found = applyMutation(seeds.onnx[0].bytes, { kind: 'overwrite', region: 'tail', edits: [{ at: 10712202, byte: 21 }, { at: 0, byte: 0 }] });
    const model = onnx.ModelProto.decode(seeds.onnx[0].bytes);
    const prop = model.metadataProps!.find((p) => p.key === 'dynet.weights_file')!;
    const named = (value: string) => {
      prop.value = value;
      return onnx.ModelProto.encode(model).finish();
    };
    for (const bytes of [found, named(''), named('.'), named('../dynet.weights.bin'), named('/etc/passwd'), named('dynet.weights\n.bin')]) {
      fs.writeFileSync(path.join(folder, 'dynet-s.onnx'), bytes);
      const t0 = performance.now();
      const err = await loadRestorer({ model: folder, threads: 1 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(performance.now() - t0).toBeLessThan(CASE_MS);
      checkRefusal(err, ['dynet-s.onnx']);
      expect((err as Error).message).toMatch(/dynet-s\.onnx: metadata dynet\.weights_file .* does not name a file beside the model/);
    }
  });

  test('run.json that is not JSON, or not a run description, is refused naming the file', () => {
    const folder = path.join(dir, 'regressions', 'run');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'checkpoint.safetensors'), '');
    for (const [text, want] of [
      ['{\n  "mode": fine', /run\.json: not valid JSON \(.*\); the run folder is damaged$/],
      ['null', /run\.json: not a run description written by dynet train \(not a JSON object\)/],
      [Buffer.from(seeds.runJson[0].bytes).toString().replace('"mode": "finetune"', '"mode": "train"'), /\(mode "train"\)/],
      [Buffer.from(seeds.runJson[0].bytes).toString().replace('"batch": 2', '"batch": "2"'), /\(batch "2"\)/],
      [Buffer.from(seeds.runJson[0].bytes).toString().replace('"nchwc": true', '"nchwc": 1'), /\(nchwc 1\)/],
      [Buffer.from(seeds.runJson[0].bytes).toString().replace('"holdout": 0', '"holdout": 0, "mix": {"denoise": 1, "derain": "x", "dehaze": 1}'), /\(data\.mix: derain: expected a weight >= 0, got "x"\)/],
    ] as const) {
      const err = refusal('run/run.json', Buffer.from(text), () => readRunSpec(folder));
      expect(err).toBeInstanceOf(WeightFileError);
      expect(err.message).toMatch(want);
    }
  });

  test("curate.json whose JSON error quotes line breaks, or that is not a run description, is refused in one line", () => {
    const folder = path.join(dir, 'regressions', 'curated');
    fs.mkdirSync(folder, { recursive: true });
    const err = refusal('curated/curate.json', Buffer.from('z\n  "format": 1\n'), () => readRun(folder));
    expect(err.message).toMatch(/curate\.json: not valid JSON \(Unexpected token 'z', "z\\n {2}"forma/);
    expect(refusal('curated/curate.json', Buffer.from('[1]\n'), () => readRun(folder)).message).toMatch(/not a dynet data curate run description/);
  });

  test('repairing a manifest with a damaged byte cuts the unterminated tail at the right byte', () => {
    // before: the cut was placed by the decoded text's UTF-8 length, where the damaged byte had
    // become U+FFFD (3 bytes): 2 bytes of the cut-off line stayed, and the next append joined them
    const lines = Buffer.from(seeds.manifest[0].bytes).toString().split('\n').filter(Boolean);
    const damaged = Buffer.from(lines[0]);
    damaged[damaged.indexOf('"key":"') + 8] = 0xff; // inside the key string: still a record
    const whole = Buffer.concat([damaged, Buffer.from('\n'), Buffer.from(lines[1]), Buffer.from('\n')]);
    const file = path.join(dir, 'regressions', MANIFEST);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.concat([whole, Buffer.from('{"key":"cut sh')]));
    expect(repairManifest(file)).toHaveLength(2);
    expect(fs.readFileSync(file).equals(whole)).toBe(true);
  });

  test('manifest records that resume or merge could not use are refused naming the file', () => {
    // before: they loaded, then the resume crashed in addToSummary (reasons not iterable) or
    // merge linked a patch from outside the folder
    const record = JSON.parse(Buffer.from(seeds.manifest[0].bytes).toString().split('\n')[0]);
    const cases: [unknown, RegExp][] = [
      [{ ...record, reasons: undefined }, /reasons is not a list of strings/],
      [{ ...record, status: 'done' }, /status "done"/],
      [{ ...record, patches: [null] }, /a patch is not an object/],
      [{ ...record, patches: [{ x: 0, y: 0, flat: 0, status: 'kept', file: '../../elsewhere.png' }] }, /patch file "\.\.\/\.\.\/elsewhere\.png"/],
    ];
    for (const [r, want] of cases) {
      const err = refusal(MANIFEST, Buffer.from(`${JSON.stringify(r)}\n`), (f) => repairManifest(f));
      expect(err.message).toMatch(want);
    }
  });
});
