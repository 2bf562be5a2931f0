/** Loads an exported model folder into a Restorer on onnxruntime-node, or onnxruntime-web under Node. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkDepth, checkVariant, graphFileName, LoadOptions, ModelVariant } from '../core/load-options';
import { DEFAULT_MODEL_DIR } from './default-model';
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
  const depth = options.depth ? checkDepth(options.depth) : anyDepthFor(options.model ?? DEFAULT_MODEL_DIR, variant);
  const model = locateModel(options.model, depth ? 'any' : variant);
  if (options.verifyWeights !== false) await verifyWeights(model);
  const runner = device === 'wasm' ? await webRunnerOnNode(model, options.threads, depth) : await nodeRunner(model, device, options.threads, depth);
  return new RestorerImpl(runner, model.metadata, depth);
}

async function nodeRunner(model: ModelFiles, device: 'cpu' | 'cuda' | 'webgpu', threads?: number, depth?: readonly number[]): Promise<ModelRunner> {
  // Required here, not at the top, so that using onnxruntime-web under Node never loads the native
  // addon, and works without it installed (an optional peer dependency).
  requirePeer('onnxruntime-node');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createNodeRunner } = require('../runtime/node-runner') as typeof import('../runtime/node-runner');
  return createNodeRunner(model.graph, device, threads, depth);
}

async function webRunnerOnNode(model: ModelFiles, threads?: number, depth?: readonly number[]): Promise<ModelRunner> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ort = require('onnxruntime-web') as OrtWebModule;
  const weights = model.weights && { path: model.weights.name, data: fs.readFileSync(model.weights.file) };
  return createWebRunner(ort, { name: model.graph, bytes: model.graphBytes, weights }, 'wasm', threads, depth);
}

/**
 * In a folder that has dynet-any.onnx but not the variant's own graph, S and L name the two
 * depths the any-graph records (metadata dynet.reuse_S, dynet.reuse_L); otherwise undefined.
 */
function anyDepthFor(folder: string, variant: ModelVariant): number[] | undefined {
  if (fs.existsSync(path.join(folder, graphFileName(variant))) || !fs.existsSync(path.join(folder, graphFileName('any')))) return undefined;
  const recorded = locateModel(folder, 'any').metadata[`dynet.reuse_${variant}`];
  return recorded === undefined ? undefined : checkDepth(JSON.parse(recorded) as number[]);
}
