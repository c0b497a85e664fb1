import { floatArray, type DType, type FloatArray } from '../../dtype.js';
import type { ResidentMemory } from '../seam.js';
import { getBackend } from '../backend.js';

/*
 * Where convolution columns live. The WebAssembly GEMM copies every operand into its own memory per
 * call unless the operand already lies there (its `resident` capability); im2col columns are the
 * largest operands of a conv and are refilled call after call, so under a backend with resident memory
 * float32 columns are allocated inside it and read in place (LeNet-5 at batch 64: 4.4M floats a step no longer
 * copied). Elsewhere (the JS kernel, float64, or a memory that is not shared) they are ordinary arrays.
 *
 * Two kinds of buffer: one scratch per dtype for the columns of one sample at a time, and whole-batch
 * columns that a forward keeps for its weight gradient, taken from a pool and given back when the
 * graph is freed, so training reuses the same warm memory every step instead of mapping fresh megabytes.
 */

// Resident memory belongs to the kernel for its lifetime (it is never freed), so at most this many
// floats (64 MB) are handed out per kernel; past that, ordinary arrays.
const RESIDENT_MAX = 1 << 24;
// Ordinary arrays the pool holds per dtype; more are left to the GC.
const POOL_MAX = 1 << 23;

interface Store {
  readonly memory: ResidentMemory | null;
  residentFloats: number;
  readonly resident: WeakSet<FloatArray>;
  scratch32: Float32Array;
  scratch64: Float64Array;
  readonly pool32: Float32Array[];
  readonly pool64: Float64Array[];
}

// One store per backend: resident buffers are only resident for the backend that made them.
const stores = new WeakMap<object, Store>();

function currentStore(): Store {
  const backend = getBackend();
  let store = stores.get(backend);
  if (!store) {
    store = {
      memory: backend.resident ?? null,
      residentFloats: 0,
      resident: new WeakSet(),
      scratch32: new Float32Array(0),
      scratch64: new Float64Array(0),
      pool32: [],
      pool64: [],
    };
    stores.set(backend, store);
  }
  return store;
}

/** A new float32 array inside the backend's memory, or null when it has none or no room. */
function residentArray(store: Store, length: number): Float32Array | null {
  if (store.memory === null || store.residentFloats + length > RESIDENT_MAX) return null;
  const array = store.memory.array(length);
  if (array) {
    store.residentFloats += length;
    store.resident.add(array);
  }
  return array;
}

/**
 * Scratch columns of at least `length` elements in `like`'s dtype, reused across calls (the conv
 * kernels are synchronous and never re-entered).
 */
export function columnScratch(like: FloatArray, length: number): FloatArray {
  const store = currentStore();
  if (like instanceof Float32Array) {
    if (store.scratch32.length < length) store.scratch32 = residentArray(store, length) ?? new Float32Array(length);
    return store.scratch32;
  }
  if (store.scratch64.length < length) store.scratch64 = new Float64Array(length);
  return store.scratch64;
}

/**
 * Exactly `length` elements for columns kept across a forward and its backward: the smallest pooled
 * buffer that fits, else a new one. Its contents are stale; the caller overwrites them. `give` puts
 * the buffer back once nothing reads it any more.
 */
export function takeColumns(dtype: DType, length: number): { columns: FloatArray; give(): void } {
  const store = currentStore();
  const pool: FloatArray[] = dtype === 'float32' ? store.pool32 : store.pool64;
  let best = -1;
  for (let i = 0; i < pool.length; i++) {
    const len = pool[i]!.length;
    if (len >= length && (best < 0 || len < pool[best]!.length)) best = i;
  }
  let whole: FloatArray;
  if (best >= 0) whole = pool.splice(best, 1)[0]!;
  else whole = (dtype === 'float32' ? residentArray(store, length) : null) ?? floatArray(dtype, length);
  const give = () => {
    // Resident buffers always go back: their memory stays the kernel's whether pooled or not.
    const held = pool.reduce((n, b) => n + b.length, 0);
    if (store.resident.has(whole) || held + whole.length <= POOL_MAX) pool.push(whole as Float32Array & Float64Array);
  };
  return { columns: whole.length === length ? whole : whole.subarray(0, length), give };
}
