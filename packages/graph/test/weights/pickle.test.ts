import * as fs from 'node:fs';
import * as path from 'node:path';
import { PickleError, PickleGlobal, unpickle } from '../../src/weights/pickle';
import { TORCH_ALLOWED_GLOBALS } from '../../src/weights/torch-checkpoint';

const FIXTURES = path.join(__dirname, '../fixtures/torch');
const torchOptions = { allow: TORCH_ALLOWED_GLOBALS, allowListDescription: 'a tensor-rebuild callable' };

/** Builds a pickle from opcodes given as strings (latin-1) and byte arrays. */
function bytes(...parts: (string | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (const ch of p) out.push(ch.charCodeAt(0));
    else out.push(...p);
  }
  return Uint8Array.from(out);
}

const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const u64 = (n: number) => [...u32(n), 0, 0, 0, 0];

describe('unpickle: values written by Python at every protocol', () => {
  // The same literal as VALUES in tools/make-torch-test-fixtures.py.
  const shared = [7];
  const expected = new Map<unknown, unknown>([
    ['ints', [0, 1, -1, 255, 256, 65535, 65536, -(2 ** 31), 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1, BigInt('9007199254740992'), BigInt('-9223372036854775808'), BigInt('1267650600228229401496703205376')]],
    ['floats', [0, -0, 1.5, -2.25e-300, Infinity]],
    ['strs', ['', 'ascii', 'ünïcödé ✓ 🚀', 'x'.repeat(300)]],
    ['bytes', [new Uint8Array(0), Uint8Array.of(0, 1, 255), Uint8Array.of(97, 98)]],
    ['tuple', [1, [2, 3], []]],
    ['nested', new Map<unknown, unknown>([['a', [null, true, false]], [1, 'one'], [[1, 2], 'pair']])],
    ['set', new Set([1, 2])],
    ['frozenset', new Set(['z'])],
    ['shared', [shared, shared]],
    ['ordered', new Map([['b', 1], ['a', 2]])],
  ]);

  for (const protocol of [2, 3, 4, 5]) {
    test(`protocol ${protocol}`, () => {
      const value = unpickle(fs.readFileSync(path.join(FIXTURES, `values-p${protocol}.pkl`)), torchOptions);
      expect(value).toEqual(expected);
      const map = value as Map<string, unknown>;
      // Memoised objects come back as one object, and dict order is kept.
      const sharedOut = map.get('shared') as unknown[][];
      expect(sharedOut[0]).toBe(sharedOut[1]);
      expect([...(map.get('ordered') as Map<string, number>).keys()]).toEqual(['b', 'a']);
      expect(Object.is((map.get('floats') as number[])[1], -0)).toBe(true);
      expect(Object.isFrozen(map.get('tuple'))).toBe(true);
    });
  }
});

describe('unpickle: refuses what it must not run', () => {
  test("GLOBAL outside the allow-list ('os system') is refused with its name", () => {
    const evil = bytes('\x80\x02cos\nsystem\nq\x00X', u32(10), 'echo pwnedq\x01\x85q\x02Rq\x03.');
    expect(() => unpickle(evil, torchOptions)).toThrow(
      new PickleError("pickle names 'os system', which is not a tensor-rebuild callable; refusing to load"),
    );
  });

  test('STACK_GLOBAL outside the allow-list is refused before anything is built', () => {
    const calls: unknown[] = [];
    const allow = new Map([['collections OrderedDict', (args: readonly unknown[]) => calls.push(args)]]);
    const evil = bytes('\x80\x04\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94\x8c\x011\x85R.');
    expect(() => unpickle(evil, { allow })).toThrow("pickle names 'builtins eval', which is not an allowed callable");
    expect(calls).toEqual([]);
  });

  test('unknown opcodes are named with their offset', () => {
    expect(() => unpickle(bytes('\x80\x02', [0xff]), torchOptions)).toThrow('unsupported pickle opcode 0xff at offset 2');
    // INST (protocol 0 object creation) is deliberately unsupported.
    expect(() => unpickle(bytes('\x80\x02(ios\nsystem\n.'), torchOptions)).toThrow("unsupported pickle opcode 0x69 'i' at offset 3");
  });

  test('every truncation of a real pickle reports "truncated pickle"', () => {
    for (const protocol of [2, 4]) {
      const full = fs.readFileSync(path.join(FIXTURES, `values-p${protocol}.pkl`));
      for (let n = 0; n < full.length; n++) {
        expect(() => unpickle(full.subarray(0, n), torchOptions)).toThrow(/^truncated pickle/);
      }
    }
  });

  test('REDUCE on a marker (non-callable) global is refused', () => {
    const p = bytes('\x80\x02ctorch\nFloatStorage\n)R.');
    expect(() => unpickle(p, torchOptions)).toThrow("'torch FloatStorage' is not callable");
  });

  test('BUILD on a non-dict is refused by default', () => {
    expect(() => unpickle(bytes('\x80\x02]}b.'), torchOptions)).toThrow(/cannot set state/);
  });
});

describe('unpickle: opcodes', () => {
  test('BINPERSID hands the id to persistentLoad and pushes its result', () => {
    const seen: unknown[] = [];
    const p = bytes('\x80\x02(X', u32(7), 'storageK\x05tQ.');
    const value = unpickle(p, { allow: new Map(), persistentLoad: (pid) => (seen.push(pid), 'loaded') });
    expect(value).toBe('loaded');
    expect(seen).toEqual([['storage', 5]]);
    expect(() => unpickle(p, { allow: new Map() })).toThrow(/persistent id without a loader/);
  });

  test('allowed callables receive the argument tuple (REDUCE, NEWOBJ) and markers pass through', () => {
    const marker = { marker: true };
    const allow = new Map<string, object>([
      ['m f', (args: readonly unknown[]) => ({ built: args })],
      ['m Marker', marker],
    ]);
    const value = unpickle(bytes('\x80\x02(cm\nf\nK\x01cm\nMarker\n\x86Rcm\nf\n)\x81l.'), { allow }) as unknown[];
    expect(value).toEqual([{ built: [1, expect.any(PickleGlobal)] }, { built: [] }]);
    const global = (value[0] as { built: unknown[] }).built[1] as PickleGlobal;
    expect(global.name).toBe('m Marker');
    expect(global.target).toBe(marker);
  });

  test('long forms: BINUNICODE8, BINBYTES8, LONG4, BININT, BININT2, BINFLOAT, text INT/LONG/FLOAT/UNICODE', () => {
    const p = bytes(
      '\x80\x04(',
      '\x8d', u64(3), 'abc',
      '\x8e', u64(2), [1, 2],
      '\x8b', u32(2), [0x00, 0x80], // -32768
      'J', u32(0xfffffffe), // -2
      'M', [0x34, 0x12],
      'G', [0x3f, 0xf8, 0, 0, 0, 0, 0, 0], // 1.5, big-endian
      'I42\n', 'I01\n', 'L-12345678901234567890L\n', 'F-2.5\n', 'Vcaf\\u00e9\n',
      'l.',
    );
    expect(unpickle(p, { allow: new Map() })).toEqual([
      'abc', Uint8Array.of(1, 2), -32768, -2, 0x1234, 1.5, 42, true, BigInt('-12345678901234567890'), -2.5, 'café',
    ]);
  });

  test('memo: BINPUT/BINGET, LONG_BINPUT/LONG_BINGET, MEMOIZE, DUP, POP, POP_MARK', () => {
    // ']' stored as memo 5, 300 and (MEMOIZE: next index = memo size) 2; then fetched back thrice.
    const p = bytes('\x80\x04]q\x05r', u32(300), '\x94(K\x01K\x021h\x05j', u32(300), 'h\x022K\x090\x87.');
    const value = unpickle(p, { allow: new Map() }) as unknown[][];
    expect(value).toEqual([[], [], []]);
    expect(value[0]).toBe(value[1]);
    expect(value[1]).toBe(value[2]);
  });

  test('malformed streams are reported, not crashed on', () => {
    expect(() => unpickle(bytes('\x80\x02.'), torchOptions)).toThrow(/stack underflow/);
    expect(() => unpickle(bytes('\x80\x02t.'), torchOptions)).toThrow(/no MARK/);
    expect(() => unpickle(bytes('\x80\x02h\x07.'), torchOptions)).toThrow(/memo index 7 was never stored/);
    expect(() => unpickle(bytes('\x80\x02)K\x01a.'), torchOptions)).toThrow(/append target is not a list/);
  });
});
