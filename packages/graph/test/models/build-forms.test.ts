/**
 * The fast build (`dynet export`) and the reference build (op for op as the authors' code)
 * compute the same function; the fast one only pads and splits the GDFN for the runtime.
 */
import { graphCost } from '../../src/analysis/cost';
import { FAST_BUILD, REFERENCE_BUILD } from '../../src/models/dynet/build-options';
import { FULL, SMALL, Variant } from '../../src/models/dynet/config';
import { buildDynet } from '../../src/models/dynet/dynet';
import { initParameters } from '../../src/models/dynet/init';
import { dynetParameterSpecs } from '../../src/models/dynet/parameters';
import { compileGraph, expectClose, randomArray } from '../ops/onnx-runner';

describe.each(['S', 'L'] as Variant[])('SMALL %s', (variant) => {
  test('fast and reference builds agree within 1e-5 on x=[2,3,32,24]', async () => {
    const params = initParameters(dynetParameterSpecs(SMALL), 7);
    const input = { dims: [2, 3, 32, 24], data: randomArray(2 * 3 * 32 * 24, 3, 0, 1) };
    const outputs = [];
    for (const opts of [FAST_BUILD, REFERENCE_BUILD]) {
      const compiled = await compileGraph(buildDynet(SMALL, variant, opts), params);
      outputs.push((await compiled.run({ input })).output.data);
      await compiled.release();
    }
    expectClose(outputs[0], outputs[1], 0, 1e-5);
  });
});

test('FULL S at 224x224: the fast build executes at most 1% more MACs than the network counts', () => {
  const sizes = { N: 1, H: 224, W: 224 };
  const fast = graphCost(buildDynet(FULL, 'S', FAST_BUILD), sizes).macs;
  const reference = graphCost(buildDynet(FULL, 'S', REFERENCE_BUILD), sizes).macs;
  expect(reference).toBe(90806997792);
  expect(fast).toBeGreaterThan(reference);
  expect(fast / reference).toBeLessThan(1.01);
});
