/** Maps `--device` to onnxruntime-node execution providers, with the install step when one is missing. */
import * as ort from 'onnxruntime-node';

export type Device = 'cpu' | 'cuda' | 'webgpu';
export const DEVICES: readonly Device[] = ['cpu', 'cuda', 'webgpu'];

const INSTALL_HINT: Record<Device, string> = {
  cpu: '',
  // inside the offline GPU kit (its launcher sets DYNET_KIT) the provider comes from the kit's CUDA part set, not npm
  cuda: process.env.DYNET_KIT
    ? `the CUDA execution provider did not load: unpack the kit's CUDA part set into ${process.env.DYNET_KIT} and make the CUDA 13 ` +
      `libraries findable (LD_LIBRARY_PATH, DYNET_CUDA_LIBS or nvidia-* pip wheels); ${process.env.DYNET_KIT}/tools/gpu-check.sh lists what is missing`
    : 'the CUDA execution provider is not installed; on a machine with an NVIDIA GPU and CUDA 12 run ' +
      '`ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install` (see docs/gpu.md)',
  webgpu: 'the WebGPU execution provider is not available in this onnxruntime-node build on this machine',
};

/** What Dawn needs to find an adapter: said in one line when there is none. */
const NO_ADAPTER =
  'no WebGPU adapter on this machine: onnxruntime-node\'s WebGPU runs on Vulkan, which needs the Vulkan loader ' +
  '(Debian: libvulkan1) and a Vulkan driver: a GPU driver\'s ICD, or for testing without a GPU SwiftShader ' +
  '(VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json from Debian\'s chromium; docs/gpu.md)';

/** Extra session settings: `profilePrefix` turns on ORT's profiler, writing PREFIX_<time>.json. */
export interface SessionExtras {
  profilePrefix?: string;
}

export function sessionOptions(device: Device, threads?: number, extras: SessionExtras = {}): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [device],
    ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // errors only: under WebGPU, ORT warns at every session that it keeps some nodes on the CPU
    // (shape arithmetic, the L1 gradient's Sign; docs/gpu.md)
    logSeverityLevel: 3,
    // Training graphs keep most activations alive until the backward pass. The memory pattern
    // plans one block for all of them on top of the first run's allocations, nearly doubling
    // peak RSS (5.4 GB vs 3.4 GB for DyNet-S at batch 1, 128x128) for no measurable speed.
    enableMemPattern: false,
    ...(extras.profilePrefix ? { enableProfiling: true, profileFilePrefix: extras.profilePrefix } : {}),
  };
}

/** Opens a session, turning a missing provider into an error that names the install step. */
export async function openSession(file: string, device: Device, threads?: number, extras?: SessionExtras): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(file, sessionOptions(device, threads, extras));
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (device === 'webgpu' && /adapter/i.test(message)) throw new Error(`--device webgpu: ${NO_ADAPTER}`);
    if (device !== 'cpu' && /provider|backend|cuda|webgpu|\.so/i.test(message)) {
      throw new Error(`--device ${device}: ${INSTALL_HINT[device]} (${message.split('\n')[0]})`);
    }
    throw new Error(`${file}: ${message.split('\n')[0]}`);
  }
}
