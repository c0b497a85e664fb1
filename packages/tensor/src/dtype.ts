import { MAX_ELEMENTS } from './shape.js';
import { rangeError } from './errors.js';

/** Element types a tensor can hold. */
export type DType = 'float32' | 'float64' | 'int32';
export type TypedArray = Float32Array | Float64Array | Int32Array;

/** Storage of a float tensor: what the conv and pool kernels read and write. */
export type FloatArray = Float32Array | Float64Array;

/** A zeroed float array for `dtype` (callers have rejected int32 at the public entry). */
export function floatArray(dtype: DType, length: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
}

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

/**
 * The last line of defence: every op checks its sizes at its entry (`checkSize`, naming the op and the
 * argument); a length that still gets here past MAX_ELEMENTS is a RangeError of ours, not the engine's
 * "Invalid typed array length" or Buffer's "size is out of range".
 */
function checkLength(length: number): void {
  if (!(length >= 0 && length <= MAX_ELEMENTS))
    throw rangeError('Tensor', `cannot allocate ${length} elements, more than the ${MAX_ELEMENTS} a tensor can hold`);
}

/** The typed-array constructor that stores `dtype`. */
export function arrayFor(dtype: DType, length: number): TypedArray {
  checkLength(length);
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int32':
      return new Int32Array(length);
  }
}

// Node's Buffer.allocUnsafeSlow, when present: memory that is not cleared first (elsewhere null).
const allocUnsafe =
  (globalThis as { Buffer?: { allocUnsafeSlow(size: number): Uint8Array } }).Buffer?.allocUnsafeSlow ?? null;
// Below this many bytes clearing costs nothing worth saving.
const UNINITIALIZED_MIN_BYTES = 1 << 16;

/**
 * An array of `length` elements whose contents are unspecified, for a result that writes every
 * element (as torch.empty). Under Node, large ones skip the clearing `new Float32Array` does: it is a
 * pass over memory of its own (LeNet-5's training step makes about 7 MB of activations and gradients
 * a step; 12 arrays of its sizes, each filled once: 1.99 ms cleared, 1.80 ms not).
 */
export function uninitializedArrayFor(dtype: DType, length: number): TypedArray {
  checkLength(length);
  const bytes = dtype === 'float64' ? 8 : 4;
  if (allocUnsafe === null || length * bytes < UNINITIALIZED_MIN_BYTES) return arrayFor(dtype, length);
  const buffer = allocUnsafe(length * bytes).buffer;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, 0, length);
    case 'float64':
      return new Float64Array(buffer, 0, length);
    case 'int32':
      return new Int32Array(buffer, 0, length);
  }
}

export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  return 'int32';
}

export function isDType(value: unknown): value is DType {
  return value === 'float32' || value === 'float64' || value === 'int32';
}

export function isFloat(dtype: DType): boolean {
  return dtype !== 'int32';
}

// int32 < float32 < float64, as torch.result_type for tensors of these kinds.
const RANK: Record<DType, number> = { int32: 0, float32: 1, float64: 2 };

/** The dtype two tensors' values are combined in. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The dtype of `tensor op scalar`: a scalar never widens a float tensor (as in PyTorch), but a
 * non-integer scalar turns an int32 tensor into float32.
 */
export function promoteWithScalar(dtype: DType, scalar: number): DType {
  if (dtype === 'int32' && !Number.isInteger(scalar)) return 'float32';
  return dtype;
}
