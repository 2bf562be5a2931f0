/** Before/after comparison: the after canvas lies over the before one, clipped left of the divider. */
export function wireSlider(slider: HTMLInputElement, after: HTMLCanvasElement): void {
  const update = () => {
    after.style.clipPath = `inset(0 0 0 ${slider.value}%)`;
  };
  slider.addEventListener('input', update);
  update();
}

/** Calls `onFile` for files dropped on `zone`, highlighting it while something is dragged over. */
export function wireDrop(zone: HTMLElement, onFile: (file: File) => void): void {
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    const file = e.dataTransfer?.files[0];
    if (file) onFile(file);
  });
}
