/** Loads an exported model folder into a Restorer on onnxruntime-node, or onnxruntime-web under Node. */
import * as fs from 'node:fs';
import { checkVariant, LoadOptions } from '../core/load-options';
import { ModelRunner } from '../core/model-runner';
import { Restorer } from '../core/restorer';
import { RestorerImpl } from '../core/restorer-impl';
import { createWebRunner, OrtWebModule } from '../runtime/web-runner';
import { locateModel, ModelFiles, verifyWeights } from './model-files';
import { requirePeer } from './optional-peer';

export async function loadRestorer(options: LoadOptions = {}): Promise<Restorer> {
  const variant = checkVariant(options.variant ?? 'S');
  const device = options.device ?? 'cpu';
  if (device === 'auto') throw new RangeError("device 'auto' is for browsers; on Node use cpu, cuda, webgpu or wasm");
  const model = locateModel(options.model, variant);
  if (options.verifyWeights !== false) await verifyWeights(model);
  const runner = device === 'wasm' ? await webRunnerOnNode(model, options.threads) : await nodeRunner(model, device, options.threads);
  return new RestorerImpl(runner, model.metadata);
}

async function nodeRunner(model: ModelFiles, device: 'cpu' | 'cuda' | 'webgpu', threads?: number): Promise<ModelRunner> {
  // Required here, not at the top, so that using onnxruntime-web under Node never loads the native
  // addon, and works without it installed (an optional peer dependency).
  requirePeer('onnxruntime-node');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createNodeRunner } = require('../runtime/node-runner') as typeof import('../runtime/node-runner');
  return createNodeRunner(model.graph, device, threads);
}

async function webRunnerOnNode(model: ModelFiles, threads?: number): Promise<ModelRunner> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ort = require('onnxruntime-web') as OrtWebModule;
  const weights = model.weights && { path: model.weights.name, data: fs.readFileSync(model.weights.file) };
  return createWebRunner(ort, { name: model.graph, bytes: model.graphBytes, weights }, 'wasm', threads);
}
