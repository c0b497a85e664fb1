/**
 * One line of training progress: batch count, images/s, running loss and ETA. On a terminal the
 * line redraws in place; in a log (not a TTY) a line is printed every `logEverySeconds`, so CI
 * output stays short but shows that work goes on.
 */
export class ProgressBar {
  private readonly start = performance.now();
  private lastLog = 0;
  private readonly isTTY: boolean;

  constructor(
    private readonly label: string,
    private readonly totalBatches: number,
    private readonly stream: NodeJS.WriteStream = process.stdout,
    private readonly logEverySeconds = 5,
  ) {
    this.isTTY = Boolean(stream.isTTY);
  }

  /** Call after each batch. `images` is how many images have been processed so far in this epoch. */
  update(batchesDone: number, images: number, runningLoss: number): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const done = batchesDone === this.totalBatches;
    if (!this.isTTY && !done && elapsed - this.lastLog < this.logEverySeconds) return;
    this.lastLog = elapsed;
    const line = this.render(batchesDone, images, runningLoss, elapsed);
    if (this.isTTY) this.stream.write(`\r${line}\x1b[K${done ? '\n' : ''}`);
    else this.stream.write(`${line}\n`);
  }

  private render(batchesDone: number, images: number, runningLoss: number, elapsed: number): string {
    const width = 24;
    const fraction = batchesDone / this.totalBatches;
    const filled = Math.round(fraction * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const rate = elapsed > 0 ? images / elapsed : 0;
    const eta = fraction > 0 ? elapsed * (1 / fraction - 1) : NaN;
    return (
      `${this.label} ${bar} ${String(batchesDone).padStart(String(this.totalBatches).length)}/${this.totalBatches}` +
      ` | ${rate.toFixed(0)} img/s | loss ${runningLoss.toFixed(4)} | ${batchesDone === this.totalBatches ? `${formatSeconds(elapsed)} total` : `ETA ${formatSeconds(eta)}`}`
    );
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return `${m}:${String(sec).padStart(2, '0')}`;
}
