import { checkInt, checkOptions, rangeError, typeError } from '@torchlet/tensor';

/** Where a progress bar writes: `process.stdout`, or anything with `write` (and `isTTY` for in-place redraws). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressBarOptions {
  /** Where to write. Default `process.stdout` under Node, else `console.log` line by line. */
  stream?: ProgressStream;
  /** Off a terminal, print a line at most this often (and always the last). Default 5 s. */
  logEverySeconds?: number;
  /** Weight of the newest loss in the running average. Default 0.05. */
  smoothing?: number;
  /** Milliseconds since some origin; default `performance.now`. Tests pass a fake clock. */
  now?: () => number;
}

/**
 * One line of training progress: batches done, images/s, running loss and ETA. On a terminal the
 * line redraws in place; in a log (not a TTY) a plain line is printed every `logEverySeconds` and
 * at the end, so CI output stays short but shows that work goes on.
 * @example
 * const bar = new ProgressBar(`epoch ${epoch}`, loader.length);
 * for (const [x, y] of loader) { ...; bar.update(x.shape[0], loss.item()); }
 */
export class ProgressBar {
  readonly label: string;
  readonly totalBatches: number;
  private readonly stream: ProgressStream;
  private readonly logEverySeconds: number;
  private readonly smoothing: number;
  private readonly now: () => number;
  private readonly start: number;
  private lastLog = 0;
  private batches = 0;
  private images = 0;
  /** Exponential moving average of the batch losses (NaN before the first). */
  runningLoss = NaN;

  constructor(label: string, totalBatches: number, options: ProgressBarOptions = {}) {
    const op = 'ProgressBar';
    const o = checkOptions(op, options, ['stream', 'logEverySeconds', 'smoothing', 'now']);
    if (typeof label !== 'string') throw typeError(op, `label must be a string, got ${typeof label}`);
    this.label = label;
    this.totalBatches = checkInt(op, totalBatches, 'totalBatches', 1);
    this.stream = o.stream ?? defaultStream();
    if (typeof this.stream?.write !== 'function') throw typeError(op, 'stream must have a write(text) method');
    this.logEverySeconds = o.logEverySeconds ?? 5;
    if (!(this.logEverySeconds >= 0)) throw rangeError(op, `logEverySeconds must be >= 0, got ${this.logEverySeconds}`);
    this.smoothing = o.smoothing ?? 0.05;
    if (!(this.smoothing > 0 && this.smoothing <= 1))
      throw rangeError(op, `smoothing must be in (0, 1], got ${this.smoothing}`);
    this.now = o.now ?? (() => performance.now());
    this.start = this.now();
  }

  /** Call after each batch with its size and loss; draws when due. */
  update(batchSize: number, loss: number): void {
    this.batches += 1;
    this.images += batchSize;
    this.runningLoss = Number.isNaN(this.runningLoss)
      ? loss
      : (1 - this.smoothing) * this.runningLoss + this.smoothing * loss;
    const elapsed = (this.now() - this.start) / 1000;
    const done = this.batches >= this.totalBatches;
    if (!this.stream.isTTY && !done && elapsed - this.lastLog < this.logEverySeconds) return;
    this.lastLog = elapsed;
    const line = this.render(elapsed);
    if (this.stream.isTTY) this.stream.write(`\r${line}\x1b[K${done ? '\n' : ''}`);
    else this.stream.write(`${line}\n`);
  }

  /** Images per second so far. */
  get imagesPerSecond(): number {
    const elapsed = (this.now() - this.start) / 1000;
    return elapsed > 0 ? this.images / elapsed : 0;
  }

  private render(elapsed: number): string {
    const width = 24;
    const fraction = Math.min(1, this.batches / this.totalBatches);
    const filled = Math.round(fraction * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const rate = elapsed > 0 ? this.images / elapsed : 0;
    const done = this.batches >= this.totalBatches;
    const eta = fraction > 0 ? elapsed * (1 / fraction - 1) : NaN;
    const count = `${String(this.batches).padStart(String(this.totalBatches).length)}/${this.totalBatches}`;
    const time = done ? `${formatSeconds(elapsed)} total` : `ETA ${formatSeconds(eta)}`;
    return `${this.label} ${bar} ${count} | ${rate.toFixed(0)} img/s | loss ${this.runningLoss.toFixed(4)} | ${time}`;
  }
}

/** `m:ss` (`--:--` when unknown). */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return `${m}:${String(sec).padStart(2, '0')}`;
}

function defaultStream(): ProgressStream {
  const stdout = (globalThis as { process?: { stdout?: ProgressStream } }).process?.stdout;
  if (stdout && typeof stdout.write === 'function') return stdout;
  // A browser console has no carriage return: one line per write.
  return { write: (text: string) => console.log(text.replace(/\n$/, '')), isTTY: false };
}
