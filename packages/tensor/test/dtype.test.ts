import { describe, expect, it } from 'vitest';
import { uninitializedArrayFor, type DType } from '../src/index.js';

describe('uninitializedArrayFor', () => {
  const cases: [DType, new (n: number) => { length: number }][] = [
    ['float32', Float32Array],
    ['float64', Float64Array],
    ['int32', Int32Array],
  ];

  it.each(cases)('%s: the typed array of that dtype and length, small and large', (dtype, ctor) => {
    for (const length of [0, 3, 1 << 10, (1 << 16) + 5, 1 << 20]) {
      const a = uninitializedArrayFor(dtype, length);
      expect(a).toBeInstanceOf(ctor);
      expect(a.length).toBe(length);
      // A view on a buffer of its own: writes cannot reach another array.
      expect(a.byteOffset).toBe(0);
      expect(a.buffer.byteLength).toBe(a.byteLength);
    }
  });

  it('arrays do not share memory', () => {
    const n = 1 << 18;
    const a = uninitializedArrayFor('float32', n);
    const b = uninitializedArrayFor('float32', n);
    a.fill(1);
    b.fill(2);
    expect(a.every((v) => v === 1)).toBe(true);
    expect(b[n - 1]).toBe(2);
  });

  it('small arrays are cleared, as new Float32Array', () => {
    expect([...uninitializedArrayFor('float32', 100)].every((v) => v === 0)).toBe(true);
  });
});
