/** Progress of a training run: a bar on a terminal, a line per update otherwise. */
import { SingleBar } from 'cli-progress';

export class Progress {
  private bar: SingleBar | null = null;
  private lastLine = 0;

  constructor(
    useBar: boolean,
    start: number,
    private readonly total: number,
  ) {
    if (useBar) {
      this.bar = new SingleBar({
        format: 'step {value}/{total} |{bar}| loss {loss} | {variant} | {rate} steps/s | ETA {eta_formatted}',
        hideCursor: true,
        etaBuffer: 50,
      });
      this.bar.start(total, start, { loss: '-', variant: '-', rate: '-' });
    }
  }

  update(step: number, loss: number, variant: string, rate: number): void {
    const payload = { loss: loss.toFixed(5), variant, rate: rate.toFixed(2) };
    if (this.bar) {
      this.bar.update(step, payload);
      return;
    }
    const now = Date.now();
    if (now - this.lastLine > 10_000 || step === this.total) {
      this.lastLine = now;
      const eta = rate > 0 ? Math.round((this.total - step) / rate) : 0;
      process.stderr.write(`step ${step}/${this.total} loss ${payload.loss} ${variant} ${payload.rate} steps/s ETA ${eta}s\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
  }
}
