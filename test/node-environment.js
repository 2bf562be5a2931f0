/**
 * Jest's node environment runs tests in a separate realm, so typed arrays made by native addons
 * (onnxruntime-node's output tensors) fail `instanceof Float32Array` checks inside the test.
 * Sharing the host realm's typed-array constructors removes the mismatch.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Uint8Array', 'Uint8ClampedArray', 'Int8Array', 'Uint16Array',
  'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class SharedTypedArrayEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}
module.exports = SharedTypedArrayEnvironment;
