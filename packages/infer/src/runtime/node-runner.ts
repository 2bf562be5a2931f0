/**
 * Sessions on onnxruntime-node (cpu, cuda, webgpu) from the graph's path, so the runtime finds the
 * external weights file beside it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelRunner } from '../core/model-runner';
import { firstLine, OrtRunner } from './ort-runner';

export type NodeDevice = 'cpu' | 'cuda' | 'webgpu';

/** Inside the offline GPU kit (its launcher sets DYNET_KIT) the provider comes from the kit's CUDA part set, not npm. */
const CUDA_HINT = process.env.DYNET_KIT
  ? `the CUDA execution provider did not load: unpack the kit's CUDA part set into ${process.env.DYNET_KIT} and make the CUDA 13 ` +
    `libraries findable (LD_LIBRARY_PATH, DYNET_CUDA_LIBS or nvidia-* pip wheels); ${process.env.DYNET_KIT}/tools/gpu-check.sh lists what is missing`
  : 'the CUDA execution provider is not installed: on a machine with CUDA 12 run ' +
    '`ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install` (docs/gpu.md)';

/** What Dawn needs to find an adapter, for the one line a missing one gets. */
export const WEBGPU_HINT =
  'no WebGPU adapter on this machine: onnxruntime-node\'s WebGPU runs on Vulkan, which needs the Vulkan loader ' +
  '(Debian: libvulkan1) and a Vulkan driver: a GPU driver\'s ICD, or for testing without a GPU SwiftShader ' +
  '(VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json from Debian\'s chromium; docs/gpu.md)';

export async function createNodeRunner(modelFile: string, device: NodeDevice, threads?: number, depth?: readonly number[]): Promise<ModelRunner> {
  if (device === 'cuda' && !cudaProviderInstalled()) throw new Error(`${modelFile}: ${CUDA_HINT}`);
  let session: ort.InferenceSession;
  try {
    // Failures come back as one error, reported below; keep onnxruntime's own log to fatal ones.
    session = await ort.InferenceSession.create(modelFile, {
      logSeverityLevel: 4,
      executionProviders: [device],
      graphOptimizationLevel: 'all',
      ...(threads !== undefined ? { intraOpNumThreads: threads } : {}),
      // Without the memory pattern (one pre-planned block per input shape) peak RSS for DyNet-S
      // (FULL) at 512x512 fell from 2.7 to 1.6 GB at no cost in speed; turning the arena off
      // instead made each session's first run about 10x slower.
      enableMemPattern: false,
    });
  } catch (err) {
    const why = firstLine(err);
    if (device === 'cuda' && /cuda|provider|\.so/i.test(why)) throw new Error(`${modelFile}: ${CUDA_HINT} (${why})`);
    if (device === 'webgpu' && /adapter/i.test(why)) throw new Error(`--device webgpu: ${WEBGPU_HINT}`);
    throw new Error(`${modelFile}: onnxruntime-node (${device}) could not load the model: ${why}`);
  }
  try {
    OrtRunner.checkSignature(session, modelFile, depth !== undefined);
  } catch (err) {
    await session.release();
    throw err;
  }
  return new OrtRunner(`onnxruntime-node ${device}`, session, ort.Tensor as unknown as ConstructorParameters<typeof OrtRunner>[2], depth);
}

/** Whether onnxruntime-node's CUDA provider library was installed beside its binding. */
function cudaProviderInstalled(): boolean {
  const bin = path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin');
  const search = (dir: string): boolean =>
    fs.readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? search(path.join(dir, e.name)) : /onnxruntime_providers_cuda\.(so|dll)$/.test(e.name)));
  return fs.existsSync(bin) && search(bin);
}
