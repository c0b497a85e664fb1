import type { Row } from './runner.js';

/** What the table's columns mean (printed under it, and under the browser bench page's). */
export const LEGEND =
  'median ms: median of N timed runs after warm-up. GFLOP/s: 2 flops per multiply–add; forward + backward counts 3 forward passes. ' +
  "speed-up: peer time ÷ the fastest Torchlet time (higher = Torchlet faster); PyTorch's, when its note says rounds, is the median " +
  'of rounds that time that Torchlet backend and PyTorch back to back, so a drift of the machine falls on both. ' +
  "max |Δ|: largest difference from Torchlet's plain-JS " +
  'kernels on the same inputs (outputs; gradients; or the loss and all weights after one SGD step), checked before timing.';

/** The table's column headings. */
export const HEAD = [
  'workload',
  'implementation',
  'median ms',
  'runs',
  'GFLOP/s',
  'images/s',
  'speed-up',
  'max |Δ|',
  'note',
];

function num(x: number, digits: number): string {
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function ms(x: number): string {
  return x < 10 ? num(x, 2) : x < 100 ? num(x, 1) : num(x, 0);
}

/** One row's cells, as printed (`cannot` for an implementation that could not run). */
export function cells(r: Row): string[] {
  return [
    r.workload,
    r.impl,
    r.ms === null ? 'cannot' : ms(r.ms),
    r.runs ? String(r.runs) : '',
    r.gflops === null ? '' : num(r.gflops, r.gflops < 10 ? 2 : 1),
    r.imagesPerSecond === null ? '' : num(r.imagesPerSecond, 0),
    r.speedup === null ? (r.best ? 'best' : '') : `×${num(r.speedup, r.speedup < 10 ? 2 : r.speedup < 100 ? 1 : 0)}`,
    r.scale !== null
      ? `reference (|x| ≤ ${r.scale.toPrecision(3)})`
      : r.maxDiff === null
        ? ''
        : r.maxDiff.toExponential(1),
    r.note ?? '',
  ];
}

/** Columns printed right-aligned (the numbers). */
export const RIGHT = new Set([2, 3, 4, 5, 6]);

/** Fixed-width text table, one block per workload. */
export function textTable(rows: readonly Row[]): string {
  const body = rows.map(cells);
  const width = HEAD.map((h, i) => Math.max(h.length, ...body.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c
      .map((s, i) => (RIGHT.has(i) ? s.padStart(width[i]!) : s.padEnd(width[i]!)))
      .join(' │ ')
      .trimEnd();
  const out = [line(HEAD), width.map((w) => '─'.repeat(w)).join('─┼─')];
  let last = '';
  for (const [i, c] of body.entries()) {
    const name = rows[i]!.workload;
    if (last && name !== last) out.push('');
    out.push(line(name === last ? ['', ...c.slice(1)] : c));
    last = name;
  }
  return out.join('\n');
}

/** The same table in GitHub markdown, for the README. */
export function markdownTable(rows: readonly Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const align = HEAD.map((_, i) => (RIGHT.has(i) ? '---:' : '---'));
  const out = [`| ${HEAD.map(esc).join(' | ')} |`, `| ${align.join(' | ')} |`];
  let last = '';
  for (const r of rows) {
    const c = cells(r);
    out.push(`| ${(r.workload === last ? ['', ...c.slice(1)] : c).map(esc).join(' | ')} |`);
    last = r.workload;
  }
  return out.join('\n');
}
