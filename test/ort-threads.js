/**
 * DYNET_TEST_ORT_THREADS=N makes every ONNX Runtime session a test opens in-process use N
 * intra-op threads, whatever the test or the code under test asked for: numerical tests must
 * hold under any thread count (ORT's sums change their order with it), and this shakes out the
 * ones that do not. CLI commands the tests spawn are not affected.
 */
const threads = Number(process.env.DYNET_TEST_ORT_THREADS || 0);
if (threads > 0) {
  const { InferenceSession } = require('onnxruntime-node');
  const create = InferenceSession.create.bind(InferenceSession);
  const isOptions = (a) => a !== null && typeof a === 'object' && !ArrayBuffer.isView(a) && !(a instanceof ArrayBuffer);
  InferenceSession.create = (...args) => {
    const last = args[args.length - 1];
    if (isOptions(last)) args[args.length - 1] = { ...last, intraOpNumThreads: threads };
    else if (args.length === 1) args.push({ intraOpNumThreads: threads });
    return create(...args);
  };
}
