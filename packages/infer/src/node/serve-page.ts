/**
 * Serves the demo page and a model folder over HTTP on localhost: the page at `/`, the model's
 * files under `/model/`. The page is cross-origin isolated (COOP/COEP headers) so onnxruntime-web
 * can run wasm on several threads.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { graphFileName } from '../core/load-options';
import { DEFAULT_MODEL_DIR } from './default-model';
import { buildWebPage, PageFile } from './web-page';

export interface ServeOptions {
  /** the model folder (default DEFAULT_MODEL_DIR) */
  model?: string;
  /** default 127.0.0.1 */
  host?: string;
  /** default 8080; 0 picks a free port */
  port?: number;
}

export interface PageServer {
  readonly url: string;
  close(): Promise<void>;
}

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.(onnx|bin)$/;

export async function servePage(options: ServeOptions = {}): Promise<PageServer> {
  const modelDir = options.model ?? DEFAULT_MODEL_DIR;
  if (!(['S', 'L', 'any'] as const).some((v) => fs.existsSync(path.join(modelDir, graphFileName(v))))) {
    throw new Error(`${modelDir}: no DyNet model there (${graphFileName('S')}, ${graphFileName('L')} or ${graphFileName('any')}); write one with \`npx dynet export\` or pass --model DIR`);
  }
  const page = await buildWebPage();
  const server = http.createServer((req, res) => handle(req, res, page, modelDir));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function handle(req: http.IncomingMessage, res: http.ServerResponse, page: Map<string, PageFile>, modelDir: string): void {
  const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname).slice(1) || 'index.html';
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed');
  const file = page.get(urlPath);
  if (file) return send(res, 200, file.type, file.bytes, req.method === 'HEAD');
  const model = urlPath.startsWith('model/') ? urlPath.slice('model/'.length) : undefined;
  if (model && MODEL_NAME.test(model) && fs.existsSync(path.join(modelDir, model))) {
    const full = path.join(modelDir, model);
    res.writeHead(200, { ...ISOLATION, 'Content-Type': 'application/octet-stream', 'Content-Length': fs.statSync(full).size, 'Cache-Control': 'no-cache' });
    if (req.method === 'HEAD') return void res.end();
    return void fs.createReadStream(full).pipe(res);
  }
  send(res, 404, 'text/plain', 'not found');
}

function send(res: http.ServerResponse, status: number, type: string, body: Uint8Array | string, headOnly = false): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...ISOLATION, 'Content-Type': type, 'Content-Length': bytes.byteLength });
  res.end(headOnly ? undefined : bytes);
}
