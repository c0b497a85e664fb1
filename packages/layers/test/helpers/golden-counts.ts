import { expect, it } from 'vitest';

/** How many cases fall under each value of `key`: `{ conv1d: 32, conv2d: 35 }`. */
export function tally<C>(cases: readonly C[], key: (c: C) => unknown): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of cases) {
    const k = String(key(c));
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

/**
 * A test that a golden file still holds every case it was generated with, counted per op (or per
 * `key`). An empty file fails on its own (no tests), but one truncated to a few cases, or
 * regenerated without some of them, would otherwise pass with fewer tests.
 */
export function itHasCases<C>(
  file: string,
  cases: readonly C[],
  expected: Record<string, number>,
  key: (c: C) => unknown = (c) => (c as { op?: string }).op,
): void {
  const total = Object.values(expected).reduce((a, b) => a + b, 0);
  it(`${file} holds its ${total} cases (${Object.entries(expected)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')})`, () => {
    expect(tally(cases, key)).toEqual(expected);
  });
}
