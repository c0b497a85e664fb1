import fc from 'fast-check';
import { arange, Generator, reshape, Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { DataLoader } from '../../src/data/data-loader.js';
import { TensorDataset, type Dataset } from '../../src/data/dataset.js';

const x = reshape(arange(0, 20), [10, 2]);
const y = arange(0, 10, 1, { dtype: 'int32' });
const ds = new TensorDataset(x, y);

function labels(loader: Iterable<Tensor[]>): number[][] {
  return [...loader].map(([, yb]) => Array.from(yb!.data));
}

describe('DataLoader', () => {
  it('in order: batches of batchSize, a smaller last one, or none with dropLast', () => {
    expect(labels(new DataLoader(ds, { batchSize: 4 }))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(labels(new DataLoader(ds, { batchSize: 4, dropLast: true }))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(new DataLoader(ds, { batchSize: 4 }).length).toBe(3);
    expect(new DataLoader(ds, { batchSize: 4, dropLast: true }).length).toBe(2);
    const [xb] = [...new DataLoader(ds, { batchSize: 3 })][1]!;
    expect(xb!.toArray()).toEqual([
      [6, 7],
      [8, 9],
      [10, 11],
    ]);
  });

  it('shuffle: same seed → same epochs; each epoch a fresh permutation of all items', () => {
    const a = new DataLoader(ds, { batchSize: 3, shuffle: true, generator: new Generator(7) });
    const b = new DataLoader(ds, { batchSize: 3, shuffle: true, generator: new Generator(7) });
    const a1 = labels(a).flat();
    const a2 = labels(a).flat();
    expect(labels(b).flat()).toEqual(a1);
    expect(labels(b).flat()).toEqual(a2);
    expect(a1).not.toEqual(a2);
    expect([...a1].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(labels(new DataLoader(ds, { batchSize: 3, shuffle: true, generator: new Generator(8) })).flat()).not.toEqual(
      a1,
    );
  });

  it('rows stay paired with their labels under shuffling', () => {
    for (const [xb, yb] of new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(1) })) {
      for (let i = 0; i < yb!.size; i++) expect(xb!.get(i, 0)).toBe(2 * yb!.get(i));
    }
  });

  it('without getBatch, items are fetched one by one and collated', () => {
    const plain: Dataset<[number, number]> = { length: 5, get: (i) => [i, i * 0.5] };
    const batches = [...new DataLoader(plain, { batchSize: 2 })];
    expect(batches.length).toBe(3);
    expect(batches[0]![0].dtype).toBe('int32');
    expect(batches[0]![1].toArray()).toEqual([0, 0.5]);
    // The batch type follows a custom collate when the dataset has no getBatch.
    const custom = new DataLoader(
      { length: 5, get: (i: number) => i },
      { batchSize: 5, collate: (items) => items.length },
    );
    expect([...custom]).toEqual([5]);
  });

  it('property: any batch size / dropLast / seed visits every item at most once, all when !dropLast', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.integer(),
        (n, batchSize, dropLast, seed) => {
          const data = new TensorDataset(arange(0, n, 1, { dtype: 'int32' }));
          const loader = new DataLoader(data, { batchSize, dropLast, shuffle: true, generator: new Generator(seed) });
          const batches = [...loader].map(([b]) => Array.from(b!.data));
          expect(batches.length).toBe(loader.length);
          expect(batches.every((b) => b.length === batchSize || (!dropLast && b === batches.at(-1)))).toBe(true);
          const seen = batches.flat();
          expect(new Set(seen).size).toBe(seen.length);
          expect(seen.length).toBe(dropLast ? Math.floor(n / batchSize) * batchSize : n);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('errors name the option', () => {
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(RangeError);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/DataLoader: batchSize must be >= 1, got 0/);
    expect(() => new DataLoader(ds, { batchSize: 1.5 })).toThrow(/batchSize must be an integer, got 1.5/);
    expect(() => new DataLoader(ds, { shuffle: 'yes' as never })).toThrow(/shuffle must be a boolean/);
    expect(() => new DataLoader(ds, { generator: 3 as never })).toThrow(/generator must be a Generator/);
    expect(() => new DataLoader({} as never)).toThrow(/dataset must have an integer length and a get\(index\) method/);
  });
});
