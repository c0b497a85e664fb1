import type { TypedArray } from './dtype.js';
import { Tensor } from './tensor.js';

/*
 * Version counters of storages, as PyTorch's `tensor._version`. Every in-place write (an optimizer
 * step, an `init` function, `copy_`, `loadStateDict`) bumps the counter of the storage it writes —
 * a Tensor's `data`, which all its views share — so autograd can tell that a tensor it saved for
 * backward has changed since. The counters live beside the storages in a WeakMap rather than on
 * them: the typed arrays the kernels loop over keep one shape, and a storage never written costs
 * nothing.
 */
const versions = new WeakMap<TypedArray, number>();

function storageOf(t: Tensor | TypedArray): TypedArray {
  return t instanceof Tensor ? t.data : t;
}

/** How many in-place writes `t`'s storage has had (0 for one never written since it was made). */
export function storageVersion(t: Tensor | TypedArray): number {
  return versions.get(storageOf(t)) ?? 0;
}

/**
 * Records an in-place write to `t`'s storage. Call it after writing into a tensor's typed array
 * yourself (`t.data[i] = v`); Torchlet's own in-place writes already do.
 */
export function bumpVersion(t: Tensor | TypedArray): void {
  const storage = storageOf(t);
  versions.set(storage, (versions.get(storage) ?? 0) + 1);
}
