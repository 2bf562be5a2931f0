/**
 * Loads the model with the onnxruntime-web build that suits the browser: the WebGPU build where
 * an adapter is offered (device auto or webgpu), else the wasm-only build, whose binary is half
 * the size and compiles faster. The builds are served beside app.js and imported by URL.
 */
import type { LoadOptions, Restorer } from '../src/core';
import { hasWebGpu, loadWebRestorer } from '../src/web/load-web-restorer';
import type { OrtWebModule } from '../src/runtime/web-runner';

const BUILDS = { webgpu: 'ort.bundle.min.mjs', wasm: 'ort.wasm.bundle.min.mjs' };

export async function loadOrt(options: LoadOptions): Promise<Restorer> {
  const gpu = options.device !== 'wasm' && (await hasWebGpu());
  if (options.device === 'webgpu' && !gpu) throw new Error('this browser offers no WebGPU adapter; use device=wasm');
  const url = new URL(gpu ? BUILDS.webgpu : BUILDS.wasm, import.meta.url).href;
  const ort = (await import(url)) as OrtWebModule;
  return loadWebRestorer(ort, { ...options, device: gpu ? options.device : 'wasm' });
}
