/**
 * @dynet/infer for browsers (and onnxruntime-web under Node): the runtime-agnostic core plus a
 * loader over onnxruntime-web. Imports neither sharp nor onnxruntime-node.
 */
import * as ort from 'onnxruntime-web';
import { LoadOptions } from './core/load-options';
import { Restorer } from './core/restorer';
import { loadWebRestorer } from './web/load-web-restorer';

export * from './core';
export { hasWebGpu } from './web/load-web-restorer';

/** Loads `options.model` (a folder URL) with onnxruntime-web; see LoadOptions. */
export function loadRestorer(options: LoadOptions): Promise<Restorer> {
  return loadWebRestorer(ort, options);
}

/** The onnxruntime-web module this entry uses (for env settings such as wasm paths). */
export { ort };
