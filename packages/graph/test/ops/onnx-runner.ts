/**
 * Test helper: serialises a built Graph (parameters in an external weights file, as
 * export-dynet does), loads it in onnxruntime-node and runs it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Graph } from '../../src/ir/graph';
import { serializeGraph } from '../../src/onnx/serialize';
import { encodeWeights, layoutWeights } from '../../src/onnx/weights-layout';
import { HostTensor } from '../../src/weights/types';

export interface HostArray {
  dims: number[];
  data: Float32Array;
}

export interface CompiledGraph {
  run(feeds: Record<string, HostArray>): Promise<Record<string, HostArray>>;
  release(): Promise<void>;
}

export async function compileGraph(g: Graph, params: ReadonlyMap<string, HostTensor> = new Map()): Promise<CompiledGraph> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-graph-test-'));
  const specs = [...g.params.values()].map((p) => ({ name: p.name, shape: p.shape as number[] }));
  const layout = layoutWeights('weights.bin', specs);
  fs.writeFileSync(path.join(dir, 'weights.bin'), encodeWeights(layout, params));
  const modelPath = path.join(dir, 'model.onnx');
  fs.writeFileSync(modelPath, serializeGraph(g, { weights: layout, metadata: {}, producerVersion: 'test' }));
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  return {
    async run(feeds) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor('float32', v.data, v.dims);
      const out = await session.run(ortFeeds);
      const result: Record<string, HostArray> = {};
      for (const [k, t] of Object.entries(out)) result[k] = { dims: t.dims.map(Number), data: t.data as Float32Array };
      return result;
    },
    async release() {
      await session.release();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Deterministic values in [lo, hi), rounded to float32 (mulberry32). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = lo + (hi - lo) * u;
  }
  return out;
}

/**
 * Asserts |actual - expected| <= rtol * |expected| + atol elementwise, reporting the worst
 * element so a failure says where.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const excess = Math.abs(a - e) - (rtol * Math.abs(e) + atol);
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`element ${worst}: got ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}
