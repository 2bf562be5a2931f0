// Restores the picked image (or ?src=URL) in the browser with @dynet/infer/web on WebAssembly.
import { fromPlanar, loadRestorer, ort, toPlanar } from '@dynet/infer/web';

ort.env.wasm.wasmPaths = new URL('./ort/', import.meta.url).href;
ort.env.wasm.numThreads = 1; // more threads need a cross-origin-isolated page

const status = document.getElementById('status');
const canvas = document.getElementById('result');
const restorerReady = loadRestorer({ model: './model/', device: 'wasm' });

async function pixelsOf(blob) {
  const bitmap = await createImageBitmap(blob);
  const ctx = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d');
  ctx.drawImage(bitmap, 0, 0);
  const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  return { width: bitmap.width, height: bitmap.height, channels: 4, bitDepth: 8, samples: data };
}

async function restore(blob) {
  const restorer = await restorerReady;
  const pixels = await pixelsOf(blob);
  const started = performance.now();
  const restored = fromPlanar(await restorer.restore(toPlanar(pixels)), pixels);
  const seconds = (performance.now() - started) / 1000;
  canvas.width = pixels.width;
  canvas.height = pixels.height;
  canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(restored.samples), pixels.width, pixels.height), 0, 0);
  status.textContent = `restored ${pixels.width}x${pixels.height} in ${seconds.toFixed(2)} s`;
  return { input: pixels, output: restored, seconds };
}

document.getElementById('file').addEventListener('change', (e) => {
  const file = e.target.files[0];
  if (file) restore(file).catch((err) => (status.textContent = `failed: ${err.message}`));
});

// ?src=URL restores that image on load; the result is left on window.restored (for tests).
const src = new URLSearchParams(location.search).get('src');
window.restored = src
  ? fetch(src).then((r) => r.blob()).then(restore).then(({ input, output, seconds }) => ({
      width: input.width, height: input.height, seconds,
      input: Array.from(input.samples), output: Array.from(output.samples),
    }))
  : null;
window.restored?.catch((err) => (status.textContent = `failed: ${err.message}`));
