/**
 * A data-only unpickler for Python pickle protocols 2–5, enough to read what `torch.save` writes.
 *
 * Python's own unpickler imports and calls whatever a pickle names, so loading an untrusted
 * checkpoint can run arbitrary code. This one never executes anything: GLOBAL/STACK_GLOBAL are
 * looked up in an allow-list the caller supplies, where each name maps either to a pure JS function
 * that builds a data value from its arguments or to a marker (e.g. a storage type). Any other name
 * is refused before anything is built.
 *
 * Python values come out as:
 *   None → null, bool → boolean, float → number,
 *   int → number when it is a safe integer, otherwise bigint,
 *   str → string, bytes/bytearray → Uint8Array (protocol-2 bytes arrive via the `_codecs encode`
 *   global, which the caller can allow), list and tuple → Array (tuples are frozen),
 *   dict → Map (insertion order kept, so OrderedDict needs no special type), set/frozenset → Set.
 */

/** A problem with the pickle stream itself; the message is one line (text quoted from the stream has its line breaks escaped). */
export class PickleError extends Error {
  constructor(message: string) {
    super(message.replace(/\r/g, '\\r').replace(/\n/g, '\\n'));
    this.name = 'PickleError';
  }
}

/** Builds a data value from a REDUCE/NEWOBJ argument tuple. Must not have side effects. */
export type PickleCallable = (args: readonly unknown[]) => unknown;

/** What an allow-listed global name resolves to: a builder, or any non-function marker value. */
export type PickleGlobalTarget = PickleCallable | object;

/** The value pushed for an allowed GLOBAL, so later opcodes (and persistent ids) can see its name. */
export class PickleGlobal {
  constructor(
    /** `"module name"`, exactly as written in the pickle, e.g. `"torch FloatStorage"`. */
    readonly name: string,
    readonly target: PickleGlobalTarget,
  ) {}
}

export interface UnpickleOptions {
  /** `"module name"` → builder or marker. Names not present are refused. */
  allow: ReadonlyMap<string, PickleGlobalTarget>;
  /** Resolves BINPERSID/PERSID ids (torch uses them for storages). Without it they are refused. */
  persistentLoad?: (pid: unknown) => unknown;
  /**
   * BUILD (`obj.__setstate__(state)`): returns the object to keep on the stack. The default accepts
   * dicts (the state is instance attributes such as a state dict's `_metadata`, which are not items
   * and are dropped) and refuses anything else.
   */
  build?: (obj: unknown, state: unknown) => unknown;
  /** Words for the refusal message; default "an allowed callable". */
  allowListDescription?: string;
}

const utf8 = new TextDecoder('utf-8');

/** Unpickles `bytes`, returning the value at STOP. Throws PickleError on anything unsupported. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): unknown {
  return new Unpickler(bytes, options).load();
}

class Unpickler {
  private pos = 0;
  private stack: unknown[] = [];
  private readonly metastack: unknown[][] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly view: DataView;
  private readonly bytes: Uint8Array;

  constructor(
    bytes: Uint8Array,
    private readonly options: UnpickleOptions,
  ) {
    // A Node Buffer's slice() is a view, not a copy; work on a plain Uint8Array so bytes values
    // are independent, ordinary Uint8Arrays.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  load(): unknown {
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      switch (op) {
        // ---- framing and protocol ----
        case 0x80: // PROTO
          this.u8();
          break;
        case 0x95: // FRAME: an 8-byte length; frames are only a buffering hint
          this.take(8);
          break;
        case 0x2e: // STOP
          return this.pop(op, at);

        // ---- stack shuffling ----
        case 0x28: // MARK
          this.metastack.push(this.stack);
          this.stack = [];
          break;
        case 0x30: // POP
          if (this.stack.length > 0) this.stack.pop();
          else this.popMark(op, at);
          break;
        case 0x31: // POP_MARK
          this.popMark(op, at);
          break;
        case 0x32: // DUP
          this.push(this.top(op, at));
          break;

        // ---- constants and numbers ----
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x4a: // BININT (signed 32-bit)
          this.push(this.need(4, () => this.view.getInt32(this.pos, true)));
          break;
        case 0x4b: // BININT1
          this.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.push(this.need(2, () => this.view.getUint16(this.pos, true)));
          break;
        case 0x8a: // LONG1
          this.push(decodeLong(this.take(this.u8())));
          break;
        case 0x8b: // LONG4
          this.push(decodeLong(this.take(this.len32(op, at))));
          break;
        case 0x49: // INT (text); "01"/"00" are protocol-0 booleans
          this.push(parseTextInt(this.line(), true, op, at));
          break;
        case 0x4c: // LONG (text, trailing L)
          this.push(parseTextInt(this.line().replace(/L$/, ''), false, op, at));
          break;
        case 0x47: // BINFLOAT (big-endian double)
          this.push(this.need(8, () => this.view.getFloat64(this.pos, false)));
          break;
        case 0x46: // FLOAT (text)
          this.push(parseTextFloat(this.line(), op, at));
          break;

        // ---- strings and bytes ----
        case 0x58: // BINUNICODE
          this.push(utf8.decode(this.take(this.len32(op, at))));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(utf8.decode(this.take(this.u8())));
          break;
        case 0x8d: // BINUNICODE8
          this.push(utf8.decode(this.take(this.len64(op, at))));
          break;
        case 0x56: // UNICODE (raw-unicode-escape, newline-terminated)
          this.push(decodeRawUnicodeEscape(this.line()));
          break;
        case 0x54: // BINSTRING (Python 2 str; decoded as latin-1 like Python 3's encoding='latin1')
          this.push(latin1(this.take(this.len32(op, at))));
          break;
        case 0x55: // SHORT_BINSTRING
          this.push(latin1(this.take(this.u8())));
          break;
        case 0x42: // BINBYTES
          this.push(this.take(this.len32(op, at)).slice()); // a copy, not a view into the pickle
          break;
        case 0x43: // SHORT_BINBYTES
          this.push(this.take(this.u8()).slice()); // a copy, not a view into the pickle
          break;
        case 0x8e: // BINBYTES8
        case 0x96: // BYTEARRAY8
          this.push(this.take(this.len64(op, at)).slice()); // a copy, not a view into the pickle
          break;

        // ---- containers ----
        case 0x29: // EMPTY_TUPLE
          this.push(Object.freeze([]));
          break;
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x7d: // EMPTY_DICT
          this.push(new Map());
          break;
        case 0x8f: // EMPTY_SET
          this.push(new Set());
          break;
        case 0x74: // TUPLE
          this.push(Object.freeze(this.popMark(op, at)));
          break;
        case 0x85: // TUPLE1
          this.push(Object.freeze(this.popN(1, op, at)));
          break;
        case 0x86: // TUPLE2
          this.push(Object.freeze(this.popN(2, op, at)));
          break;
        case 0x87: // TUPLE3
          this.push(Object.freeze(this.popN(3, op, at)));
          break;
        case 0x6c: // LIST
          this.push(this.popMark(op, at));
          break;
        case 0x64: // DICT
          this.push(this.setItems(new Map(), this.popMark(op, at), op, at));
          break;
        case 0x91: // FROZENSET
          this.push(new Set(this.popMark(op, at)));
          break;
        case 0x61: {
          // APPEND
          const item = this.pop(op, at);
          this.list(this.top(op, at), op, at).push(item);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark(op, at);
          const list = this.list(this.top(op, at), op, at);
          for (const item of items) list.push(item); // not push(...items): a long list would overflow the call stack
          break;
        }
        case 0x73: {
          // SETITEM
          const [key, value] = this.popN(2, op, at);
          this.setItems(this.top(op, at), [key, value], op, at);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark(op, at);
          this.setItems(this.top(op, at), items, op, at);
          break;
        }
        case 0x90: {
          // ADDITEMS
          const items = this.popMark(op, at);
          const set = this.top(op, at);
          if (!(set instanceof Set)) throw this.malformed('ADDITEMS target is not a set', op, at);
          for (const item of items) set.add(item);
          break;
        }

        // ---- memo ----
        case 0x71: // BINPUT
          this.memo.set(this.u8(), this.top(op, at));
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.len32(op, at), this.top(op, at));
          break;
        case 0x70: // PUT (text)
          this.memo.set(parseMemoIndex(this.line(), op, at), this.top(op, at));
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top(op, at));
          break;
        case 0x68: // BINGET
          this.push(this.memoGet(this.u8(), op, at));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.memoGet(this.len32(op, at), op, at));
          break;
        case 0x67: // GET (text)
          this.push(this.memoGet(parseMemoIndex(this.line(), op, at), op, at));
          break;

        // ---- globals and object construction (allow-listed, never executed) ----
        case 0x63: {
          // GLOBAL: "module\nname\n"
          const module = this.line();
          const name = this.line();
          this.push(this.resolve(module, name));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const [module, name] = this.popN(2, op, at);
          if (typeof module !== 'string' || typeof name !== 'string') {
            throw this.malformed('STACK_GLOBAL needs two strings', op, at);
          }
          this.push(this.resolve(module, name));
          break;
        }
        case 0x52: {
          // REDUCE: callable(*args)
          const args = this.pop(op, at);
          const fn = this.pop(op, at);
          this.push(this.call(fn, args, op, at));
          break;
        }
        case 0x81: {
          // NEWOBJ: cls.__new__(cls, *args) — for allow-listed classes the builder plays __new__
          const args = this.pop(op, at);
          const cls = this.pop(op, at);
          this.push(this.call(cls, args, op, at));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs); no allowed builder takes kwargs
          const kwargs = this.pop(op, at);
          const args = this.pop(op, at);
          const cls = this.pop(op, at);
          if (!(kwargs instanceof Map) || kwargs.size > 0) {
            throw this.malformed('NEWOBJ_EX with keyword arguments is not supported', op, at);
          }
          this.push(this.call(cls, args, op, at));
          break;
        }
        case 0x62: {
          // BUILD: obj.__setstate__(state)
          const state = this.pop(op, at);
          const obj = this.pop(op, at);
          this.push(this.build(obj, state, op, at));
          break;
        }
        case 0x51: {
          // BINPERSID
          const pid = this.pop(op, at);
          this.push(this.persistent(pid, op, at));
          break;
        }
        case 0x50: // PERSID (text id)
          this.push(this.persistent(this.line(), op, at));
          break;

        default:
          throw new PickleError(
            `unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}` +
              `${printable(op)} at offset ${at}`,
          );
      }
    }
  }

  // ---- reading ----

  private need<T>(n: number, read: () => T): T {
    if (this.pos + n > this.bytes.length) throw truncated(this.pos, n);
    const value = read();
    this.pos += n;
    return value;
  }

  private u8(): number {
    if (this.pos >= this.bytes.length) throw truncated(this.pos, 1);
    return this.bytes[this.pos++];
  }

  private take(n: number): Uint8Array {
    if (n > this.bytes.length - this.pos) throw truncated(this.pos, n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private len32(op: number, at: number): number {
    const n = this.need(4, () => this.view.getInt32(this.pos, true));
    if (n < 0) throw this.malformed(`negative length ${n}`, op, at);
    return n;
  }

  private len64(op: number, at: number): number {
    const n = this.need(8, () => this.view.getBigUint64(this.pos, true));
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw this.malformed(`length ${n} too large`, op, at);
    return Number(n);
  }

  /** A newline-terminated text argument (protocol-0 style opcodes, GLOBAL). */
  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw truncated(this.pos, this.bytes.length - this.pos + 1);
    const text = latin1(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }

  // ---- stack ----

  private push(value: unknown): void {
    this.stack.push(value);
  }

  private pop(op: number, at: number): unknown {
    if (this.stack.length === 0) throw this.malformed('stack underflow', op, at);
    return this.stack.pop();
  }

  private popN(n: number, op: number, at: number): unknown[] {
    if (this.stack.length < n) throw this.malformed('stack underflow', op, at);
    return this.stack.splice(this.stack.length - n, n);
  }

  private top(op: number, at: number): unknown {
    if (this.stack.length === 0) throw this.malformed('stack underflow', op, at);
    return this.stack[this.stack.length - 1];
  }

  /** Returns the items pushed since the last MARK and restores the stack below it. */
  private popMark(op: number, at: number): unknown[] {
    const items = this.stack;
    const below = this.metastack.pop();
    if (below === undefined) throw this.malformed('no MARK to pop to', op, at);
    this.stack = below;
    return items;
  }

  private memoGet(index: number, op: number, at: number): unknown {
    if (!this.memo.has(index)) throw this.malformed(`memo index ${index} was never stored`, op, at);
    return this.memo.get(index);
  }

  // ---- containers ----

  private list(target: unknown, op: number, at: number): unknown[] {
    if (!Array.isArray(target) || Object.isFrozen(target)) {
      throw this.malformed('append target is not a list', op, at);
    }
    return target;
  }

  private setItems(target: unknown, items: unknown[], op: number, at: number): Map<unknown, unknown> {
    if (!(target instanceof Map)) throw this.malformed('setitem target is not a dict', op, at);
    if (items.length % 2 !== 0) throw this.malformed('odd number of dict items', op, at);
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
    return target;
  }

  // ---- globals ----

  private resolve(module: string, name: string): PickleGlobal {
    const full = `${module} ${name}`;
    const target = this.options.allow.get(full);
    if (target === undefined) {
      const what = this.options.allowListDescription ?? 'an allowed callable';
      throw new PickleError(`pickle names '${shorten(full)}', which is not ${what}; refusing to load`);
    }
    return new PickleGlobal(full, target);
  }

  private call(fn: unknown, args: unknown, op: number, at: number): unknown {
    if (!(fn instanceof PickleGlobal) || typeof fn.target !== 'function') {
      const what = fn instanceof PickleGlobal ? `'${fn.name}'` : describe(fn);
      throw this.malformed(`${what} is not callable`, op, at);
    }
    if (!Array.isArray(args)) throw this.malformed(`arguments to '${fn.name}' are not a tuple`, op, at);
    try {
      return (fn.target as PickleCallable)(args);
    } catch (err) {
      if (err instanceof PickleError) throw err;
      throw new PickleError(`'${fn.name}' at offset ${at}: ${(err as Error).message}`);
    }
  }

  private build(obj: unknown, state: unknown, op: number, at: number): unknown {
    if (this.options.build) return this.options.build(obj, state);
    if (obj instanceof Map) return obj;
    throw this.malformed(`cannot set state on ${describe(obj)}`, op, at);
  }

  private persistent(pid: unknown, op: number, at: number): unknown {
    if (!this.options.persistentLoad) throw this.malformed('persistent id without a loader', op, at);
    return this.options.persistentLoad(pid);
  }

  private malformed(problem: string, op: number, at: number): PickleError {
    return new PickleError(
      `malformed pickle: ${problem} (opcode 0x${op.toString(16).padStart(2, '0')} at offset ${at})`,
    );
  }
}

function truncated(pos: number, n: number): PickleError {
  return new PickleError(`truncated pickle (needed ${n} more byte(s) at offset ${pos})`);
}

function printable(op: number): string {
  return op >= 0x21 && op <= 0x7e ? ` '${String.fromCharCode(op)}'` : '';
}

/** Text quoted from the stream in a message: control characters escaped, at most 80 characters. */
function shorten(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1);
  return escaped.length > 80 ? `${escaped.slice(0, 80)}...` : escaped;
}

function describe(value: unknown): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return 'a list/tuple';
  if (value instanceof Map) return 'a dict';
  return `a value of type ${typeof value}`;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x4000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x4000));
  }
  return s;
}

/** Little-endian two's-complement integer (LONG1/LONG4) → number when safe, else bigint. */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  // One hex string parsed at once: shifting byte by byte is quadratic, minutes for a 1 MB LONG4.
  let hex = '';
  for (let i = bytes.length - 1; i >= 0; i--) hex += HEX[bytes[i]];
  // BigInt() rather than literals: ts-jest compiles for ES2015, which has no bigint literals.
  let v = BigInt(`0x${hex}`);
  if (bytes[bytes.length - 1] & 0x80) v -= BigInt(1) << BigInt(8 * bytes.length);
  return normalizeInt(v);
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function normalizeInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseTextInt(text: string, boolAllowed: boolean, op: number, at: number): number | bigint | boolean {
  if (boolAllowed && text === '00') return false;
  if (boolAllowed && text === '01') return true;
  if (!/^[-+]?\d+$/.test(text)) {
    throw new PickleError(`malformed pickle: bad integer '${text}' (opcode 0x${op.toString(16)} at offset ${at})`);
  }
  return normalizeInt(BigInt(text));
}

function parseTextFloat(text: string, op: number, at: number): number {
  const v = Number(text);
  if (Number.isNaN(v) && !/^[-+]?nan$/i.test(text)) {
    throw new PickleError(`malformed pickle: bad float '${text}' (opcode 0x${op.toString(16)} at offset ${at})`);
  }
  return v;
}

function parseMemoIndex(text: string, op: number, at: number): number {
  const v = parseTextInt(text, false, op, at);
  if (typeof v !== 'number' || v < 0) {
    throw new PickleError(`malformed pickle: bad memo index '${text}' (offset ${at})`);
  }
  return v;
}

/** Python's raw-unicode-escape: only \uXXXX and \UXXXXXXXX are escapes; other bytes are latin-1. */
function decodeRawUnicodeEscape(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (m: string, u4: string, u8: string) => {
    const code = parseInt(u4 ?? u8, 16);
    if (code > 0x10ffff) throw new PickleError(`malformed pickle: escape ${m} is beyond U+10FFFF`);
    return String.fromCodePoint(code);
  });
}
