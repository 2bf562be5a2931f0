/**
 * Loads an exported model folder served over HTTP into a Restorer on onnxruntime-web: fetches the
 * graph and the weights file it names, checks the weights' sha256, and picks WebGPU when the
 * browser offers an adapter (device 'auto'), wasm otherwise or when WebGPU fails to start.
 */
import { checkDepth, checkVariant, graphFileName, LoadOptions } from '../core/load-options';
import { readModelMetadataOf } from '../core/model-metadata';
import { Restorer } from '../core/restorer';
import { RestorerImpl } from '../core/restorer-impl';
import { checkWeightsDigest, sha256Hex, WEIGHTS_FILE_PROP } from '../core/weights-check';
import { createWebRunner, OrtWebModule } from '../runtime/web-runner';

export async function loadWebRestorer(ort: OrtWebModule, options: LoadOptions): Promise<Restorer> {
  if (!options.model) throw new TypeError("option 'model' (the URL of the model folder) is required in the browser");
  const variant = checkVariant(options.variant ?? 'S');
  const depth = options.depth && checkDepth(options.depth);
  const base = options.model.endsWith('/') ? options.model : `${options.model}/`;
  const graphUrl = `${base}${graphFileName(depth ? 'any' : variant)}`;
  const bytes = await fetchBytes(graphUrl);
  const metadata = readModelMetadataOf(bytes, graphUrl);
  const weightsName = metadata[WEIGHTS_FILE_PROP];
  let weights: { path: string; data: Uint8Array } | undefined;
  if (weightsName !== undefined) {
    const weightsUrl = `${base}${weightsName}`;
    weights = { path: weightsName, data: await fetchBytes(weightsUrl) };
    if (options.verifyWeights !== false) checkWeightsDigest(metadata, await sha256Hex(weights.data), weightsUrl, graphUrl);
  }
  const source = { name: graphUrl, bytes, weights };
  const device = options.device ?? 'auto';
  if (device !== 'auto' && device !== 'wasm' && device !== 'webgpu') {
    throw new RangeError(`device '${device}' is for Node; in the browser use auto, webgpu or wasm`);
  }
  if (device === 'auto' && (await hasWebGpu())) {
    try {
      return new RestorerImpl(await createWebRunner(ort, source, 'webgpu', options.threads, depth), metadata, depth);
    } catch {
      // WebGPU present but unusable for this graph: fall back to wasm.
    }
  }
  const chosen = device === 'auto' ? 'wasm' : device;
  return new RestorerImpl(await createWebRunner(ort, source, chosen, options.threads, depth), metadata, depth);
}

/** Whether the environment offers a WebGPU adapter. */
export async function hasWebGpu(): Promise<boolean> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(`${url}: cannot fetch (${(err as Error).message})`);
  }
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`.trim());
  return new Uint8Array(await response.arrayBuffer());
}
