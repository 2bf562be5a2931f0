/**
 * Locates and checks an exported model folder on disk: the graph of the variant, its metadata and
 * the weights file it names, with one-line errors for a missing, truncated or stale file.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GraphKind, graphFileName } from '../core/load-options';
import { readModelMetadataOf } from '../core/model-metadata';
import { checkWeightsDigest, WEIGHTS_FILE_PROP } from '../core/weights-check';
import { DEFAULT_MODEL_DIR } from './default-model';

export interface ModelFiles {
  readonly graph: string;
  readonly graphBytes: Uint8Array;
  readonly metadata: Record<string, string>;
  /** the external weights file the graph names, if it names one */
  readonly weights?: { readonly name: string; readonly file: string };
}

export function locateModel(dir: string | undefined, variant: GraphKind): ModelFiles {
  const folder = dir ?? DEFAULT_MODEL_DIR;
  const graph = path.join(folder, graphFileName(variant));
  if (!fs.existsSync(graph)) {
    if (path.resolve(folder) === DEFAULT_MODEL_DIR) {
      // the bundled folder ships S, L and any; a missing graph means a damaged install
      throw new Error(`${graph}: missing from the bundled model folder (the installation is incomplete: reinstall the package), or pass --model DIR`);
    }
    throw new Error(`${graph}: no DyNet-${variant} model there; write one with \`npx dynet export${variant === 'any' ? ' --variant any' : ''}\` or pass --model DIR`);
  }
  const graphBytes = fs.readFileSync(graph);
  const metadata = readModelMetadataOf(graphBytes, graph);
  const name = metadata[WEIGHTS_FILE_PROP];
  if (name === undefined) return { graph, graphBytes, metadata };
  // a file beside the graph, as `dynet export` writes it; a damaged name could point at the folder itself or outside it
  if (!name || path.isAbsolute(name) || name.split(/[\\/]/).some((p) => p === '..' || p === '.' || p === '') || /[\x00-\x1f]/.test(name)) {
    throw new Error(`${graph}: metadata ${WEIGHTS_FILE_PROP} ${JSON.stringify(name)} does not name a file beside the model; export the model again with \`npx dynet export\``);
  }
  const file = path.join(folder, name);
  if (!fs.existsSync(file)) {
    throw new Error(`${file}: weights file missing (${graph} reads its weights from it); export the model again with \`npx dynet export\``);
  }
  if (!fs.statSync(file).isFile()) throw new Error(`${file}: not a file (${graph} reads its weights from it); export the model again with \`npx dynet export\``);
  return { graph, graphBytes, metadata, weights: { name, file } };
}

/** Throws when the weights file is not the one the graph was exported with. */
export async function verifyWeights(model: ModelFiles): Promise<void> {
  if (!model.weights) return;
  const hash = createHash('sha256');
  try {
    for await (const chunk of fs.createReadStream(model.weights.file)) hash.update(chunk as Buffer);
  } catch (err) {
    throw new Error(`${model.weights.file}: cannot read the weights file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  checkWeightsDigest(model.metadata, hash.digest('hex'), model.weights.file, model.graph);
}
