/**
 * The demo page: loads DyNet with onnxruntime-web (WebGPU where the browser has it, wasm
 * otherwise), restores a picked or dropped image, shows before and after with a divider, reports
 * the time taken and offers the result for download. Query parameters: `variant` (S or L),
 * `depth` (four reuse counts, e.g. 3,4,4,6: runs the folder's dynet-any.onnx; where the folder has
 * one, a selector on the page sets it),
 * `device` (auto, webgpu, wasm), `model` (the model folder's URL, default `model/`), `tile`,
 * `threads` (wasm threads; default all cores, the page being cross-origin isolated).
 */
import { Pixels, Restorer } from '../src/core';
import { loadOrt } from './load-ort';
import { decodeFile, drawPixels, drawPlanar, planarOf } from './canvas-pixels';
import { wireDrop, wireSlider } from './compare-slider';
import { exposeTestHooks, PageResult } from './test-hooks';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const status = $<HTMLParagraphElement>('status');
const timing = $<HTMLParagraphElement>('timing');
const before = $<HTMLCanvasElement>('before');
const after = $<HTMLCanvasElement>('after');
const slider = $<HTMLInputElement>('slider');
const download = $<HTMLAnchorElement>('download');
const cancel = $<HTMLButtonElement>('cancel');
const depthNote = $<HTMLParagraphElement>('depth-note');
const results: PageResult[] = [];

const modelUrl = params.get('model') ?? 'model/';
const depth = params.get('depth')?.split(',').map(Number);

const ready = (async () => {
  const t0 = performance.now();
  const restorer = await loadOrt({
    model: modelUrl,
    variant: (params.get('variant') ?? 'S') as 'S' | 'L',
    depth,
    device: (params.get('device') ?? 'auto') as 'auto' | 'webgpu' | 'wasm',
    threads: params.has('threads') ? Number(params.get('threads')) : Math.min(8, navigator.hardwareConcurrency || 1),
  });
  const loadMs = performance.now() - t0;
  status.textContent = `DyNet-${restorer.variant} loaded in ${(loadMs / 1000).toFixed(2)} s on ${restorer.backend}. Choose or drop an image.`;
  return { restorer, loadMs };
})();
ready.catch((err: Error) => showError(`Could not load the model: ${err.message}`));
void offerDepths();

/** Where the model folder has dynet-any.onnx, a selector of depths; choosing one reloads the page with it. */
async function offerDepths(): Promise<void> {
  const any = await fetch(new URL('dynet-any.onnx', new URL(modelUrl.endsWith('/') ? modelUrl : `${modelUrl}/`, location.href)), { method: 'HEAD' }).catch(() => null);
  if (!any?.ok) return;
  const select = $<HTMLSelectElement>('depth');
  const current = depth?.join(',') ?? '';
  const choices = [['', `DyNet-${params.get('variant') ?? 'S'} (fixed graph)`], ['1,1,1,1', '1,1,1,1 (fastest)'], ['1,2,2,3', '1,2,2,3'], ['2,3,3,4', '2,3,3,4 (= DyNet-S)'], ['3,4,4,6', '3,4,4,6'], ['4,6,6,8', '4,6,6,8 (= DyNet-L)']];
  if (current && !choices.some(([v]) => v === current)) choices.push([current, current]);
  for (const [value, label] of choices) select.add(new Option(label, value, false, value === current));
  select.onchange = () => {
    const next = new URLSearchParams(location.search);
    if (select.value) next.set('depth', select.value);
    else next.delete('depth');
    location.search = next.toString();
  };
  $('depth-choice').hidden = false;
}

let queue = Promise.resolve();
const onFile = (file: File) => {
  queue = queue.then(() => restoreFile(file)).catch((err: Error) => showError(`${file.name}: ${err.message}`));
};
$<HTMLInputElement>('file').addEventListener('change', (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file) onFile(file);
});
wireDrop($('frame'), onFile);
wireSlider(slider, after);
exposeTestHooks(ready, results);

async function restoreFile(file: File): Promise<void> {
  const { restorer } = await ready;
  const pixels = await decodeFile(file);
  const bits = await pngBitDepth(file);
  depthNote.hidden = bits !== 16;
  depthNote.textContent = `${file.name} has 16 bits per channel; the page works in 8 bits, so the result is 8-bit (\`dynet restore\` keeps 16).`;
  $('hint').hidden = true;
  drawPixels(before, pixels);
  show(before);
  status.textContent = `Restoring ${file.name} (${pixels.width}x${pixels.height})…`;
  const t0 = performance.now();
  const aborter = new AbortController();
  cancel.onclick = () => aborter.abort();
  cancel.hidden = false;
  let out;
  try {
    out = await restoreWithProgress(restorer, pixels, file.name, aborter.signal);
  } catch (err) {
    if (aborter.signal.aborted) {
      status.textContent = `Cancelled ${file.name}. Choose another image to go on.`;
      return;
    }
    throw err;
  } finally {
    cancel.hidden = true;
  }
  const ms = performance.now() - t0;
  drawPlanar(after, out, pixels);
  show(after);
  slider.hidden = false;
  await offerDownload(file.name);
  const result = { name: file.name, width: pixels.width, height: pixels.height, ms, atMs: performance.now(), backend: restorer.backend };
  results.push(result);
  status.textContent = `Restored ${file.name}. Drag the divider to compare; choose another image to go on.`;
  timing.textContent = `${pixels.width}x${pixels.height} in ${(ms / 1000).toFixed(2)} s on ${restorer.backend}`;
}

function restoreWithProgress(restorer: Restorer, pixels: Pixels, name: string, signal: AbortSignal) {
  // without ?tile=, the restorer uses the model's recommended tiling, else DEFAULT_TILE
  const tile = params.get('tile');
  return restorer.restore(planarOf(pixels), {
    tile: tile === null ? undefined : Number(tile),
    signal,
    onProgress: (done, total) => {
      if (total > 1) status.textContent = `Restoring ${name}: tile ${done} of ${total}… (Cancel stops after this tile)`;
    },
  });
}

async function offerDownload(name: string): Promise<void> {
  const blob = await new Promise<Blob | null>((resolve) => after.toBlob(resolve, 'image/png'));
  if (!blob) return;
  if (download.href) URL.revokeObjectURL(download.href);
  download.href = URL.createObjectURL(blob);
  download.download = `${name.replace(/\.[^.]*$/, '')}-restored.png`;
  download.hidden = false;
}

/** Bits per channel of a PNG file (its IHDR), or null for other formats. */
async function pngBitDepth(file: Blob): Promise<number | null> {
  const head = new Uint8Array(await file.slice(0, 25).arrayBuffer());
  const png = [0x89, 0x50, 0x4e, 0x47].every((b, i) => head[i] === b);
  return png && head.length === 25 ? head[24] : null;
}

function show(canvas: HTMLCanvasElement): void {
  canvas.classList.add('shown');
}

function showError(message: string): void {
  status.textContent = message;
  status.classList.add('error');
}
