/**
 * Builds the demo page (packages/infer/page) with esbuild into memory: index.html, style.css,
 * app.js (our code, a few tens of kB), and onnxruntime-web's own ES modules and wasm binaries,
 * which app.js imports by relative URL (kept out of the bundle so ONNX Runtime's worker threads
 * can load the module by itself).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requirePeer } from './optional-peer';

/**
 * onnxruntime-web builds the page may load, each with the binary it fetches: with WebGPU (JSEP),
 * and wasm only (half the size, so it compiles faster where there is no WebGPU adapter).
 */
export const ORT_BUILDS = {
  webgpu: { module: 'ort.bundle.min.mjs', wasm: 'ort-wasm-simd-threaded.jsep.wasm' },
  wasm: { module: 'ort.wasm.bundle.min.mjs', wasm: 'ort-wasm-simd-threaded.wasm' },
} as const;

export interface PageFile {
  readonly type: string;
  readonly bytes: Uint8Array;
}

export const PAGE_SOURCE_DIR = path.resolve(__dirname, '..', '..', 'page');

/** The page's files by URL path (without the leading slash). */
export async function buildWebPage(): Promise<Map<string, PageFile>> {
  const esbuild = requirePeer<typeof import('esbuild')>('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(PAGE_SOURCE_DIR, 'app.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    outfile: 'app.js',
    logLevel: 'silent',
    // The page imports onnxruntime-web by URL at run time (page/load-ort.ts); a static import
    // would pull the whole runtime into app.js.
    plugins: [
      {
        name: 'no-bundled-onnxruntime',
        setup(build) {
          build.onResolve({ filter: /^onnxruntime-(web|node)$|^sharp$/ }, (a) => ({ errors: [{ text: `${a.path} must not be bundled into the page (imported from ${a.importer})` }] }));
        },
      },
    ],
  });
  const ortDir = path.dirname(require.resolve('onnxruntime-web'));
  const files = new Map<string, PageFile>();
  files.set('index.html', { type: 'text/html; charset=utf-8', bytes: fs.readFileSync(path.join(PAGE_SOURCE_DIR, 'index.html')) });
  files.set('style.css', { type: 'text/css; charset=utf-8', bytes: fs.readFileSync(path.join(PAGE_SOURCE_DIR, 'style.css')) });
  files.set('app.js', { type: 'text/javascript; charset=utf-8', bytes: result.outputFiles[0].contents });
  for (const build of Object.values(ORT_BUILDS)) {
    files.set(build.module, { type: 'text/javascript; charset=utf-8', bytes: fs.readFileSync(path.join(ortDir, build.module)) });
    files.set(build.wasm, { type: 'application/wasm', bytes: fs.readFileSync(path.join(ortDir, build.wasm)) });
  }
  return files;
}
