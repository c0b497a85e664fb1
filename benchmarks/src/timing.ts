/** How long to time one (workload, implementation) pair. */
export interface TimingPolicy {
  /** Untimed runs first (JIT, scratch buffers, wasm memory growth); skipped for runs slower than `slowMs`. */
  warmup: number;
  /**
   * ...and more untimed runs until this much time has passed: V8 optimises a function only after many
   * calls, so two runs leave a small step (LeNet's, 2–4 ms) timed half in unoptimised code, as it was
   * when it ran first in its process (a child timing one backend read 1.3–1.5× its time after others).
   */
  warmupMs: number;
  /** Aim for at least this much timed work... */
  targetMs: number;
  /** ...with at least this many runs... */
  minRuns: number;
  maxRuns: number;
  /** ...but stop adding runs past this budget (a slow peer gets 1–3 runs, never fewer than 1). */
  budgetMs: number;
  /** A run this slow is its own warm-up: JIT time is noise next to it. */
  slowMs: number;
}

export const FULL: TimingPolicy = {
  warmup: 2,
  warmupMs: 500,
  targetMs: 1500,
  minRuns: 5,
  maxRuns: 50,
  budgetMs: 12_000,
  slowMs: 1000,
};
export const QUICK: TimingPolicy = {
  warmup: 1,
  warmupMs: 0,
  targetMs: 250,
  minRuns: 3,
  maxRuns: 15,
  budgetMs: 2_500,
  slowMs: 500,
};

export interface Timing {
  medianMs: number;
  runs: number;
}

/** Milliseconds one call of `fn` takes. */
export function timeOnce(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/**
 * Warm-up, then the median of N timed runs, N chosen from the first timed run so the total is about
 * `targetMs` (between `minRuns` and `maxRuns`, and within `budgetMs`). The median, not the mean:
 * the machine may be shared, and one descheduled run should not move the result.
 * `firstMs` is a run already made (the correctness check, or the probe that sized the batch); it
 * counts as one warm-up.
 */
export function measure(fn: () => void, policy: TimingPolicy, firstMs?: number): Timing {
  // A run already made that took half the budget is the measurement: JIT and first-touch costs are
  // noise next to it, and repeating it is what would blow the bench's time (TF.js cpu conv backward).
  if (firstMs !== undefined && firstMs >= policy.budgetMs / 2) return { medianMs: firstMs, runs: 1 };
  let last = firstMs ?? 0;
  const warmups = firstMs === undefined ? policy.warmup : policy.warmup - 1;
  const warmupEnd = performance.now() + policy.warmupMs;
  for (let i = 0; (i < warmups || performance.now() < warmupEnd) && last < policy.slowMs; i++) last = timeOnce(fn);
  const times: number[] = [timeOnce(fn)];
  const per = times[0]!;
  const wanted = Math.max(policy.minRuns, Math.ceil(policy.targetMs / Math.max(per, 1e-3)));
  const affordable = Math.max(1, Math.floor(policy.budgetMs / Math.max(per, 1e-3)));
  const runs = Math.min(policy.maxRuns, wanted, affordable);
  while (times.length < runs) times.push(timeOnce(fn));
  return { medianMs: median(times), runs: times.length };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
