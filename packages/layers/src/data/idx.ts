import { formatShape, rangeError } from '@torchlet/tensor';

/**
 * The IDX format of the MNIST files (LeCun et al.): a 4-byte magic `0x00 0x00 <type> <ndim>`,
 * then `ndim` big-endian uint32 sizes, then the elements, big-endian, row-major.
 */

export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: IdxDType;
  shape: number[];
  /** Row-major elements. For uint8 (MNIST) this is a view into the input bytes, not a copy. */
  data: IdxData;
}

/** Thrown for a malformed IDX file; the message names what is wrong with the numbers. */
export class IdxFormatError extends RangeError {
  override name = 'IdxFormatError';
}

const TYPES: Record<number, { dtype: IdxDType; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};

/** More axes than any real IDX file has; bounds the header before it is read. */
export const IDX_MAX_DIMS = 16;

function fail(message: string): IdxFormatError {
  return new IdxFormatError(`idx: ${message}`);
}

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

/**
 * Parses an IDX file. Every size in the header is checked against the file's length before
 * anything is allocated, so a truncated or hostile file fails fast with a clear message.
 *
 * @param bytes the whole file
 * @returns `{ dtype, shape, data }`, `data.length === product(shape)`
 * @throws IdxFormatError (a RangeError) for a bad magic number, an unknown type code, a dimension
 *   count outside 1..16, or a length that disagrees with the header:
 *   `idx: file is 1000 bytes but the header [60000, 28, 28] needs 47040016`
 */
export function parseIdx(bytes: Uint8Array): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('idx: bytes must be a Uint8Array');
  const length = bytes.length;
  if (length < 4) throw fail(`file is ${length} bytes, shorter than the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw fail(
      `bad magic number: the first two bytes must be 0x00 0x00, got ${hex(bytes[0]!)} ${hex(bytes[1]!)} (not an IDX file, or still gzip-compressed?)`,
    );
  }
  const code = bytes[2]!;
  const type = TYPES[code];
  if (!type) throw fail(`unknown type code ${hex(code)}; expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e`);
  const ndim = bytes[3]!;
  if (ndim < 1 || ndim > IDX_MAX_DIMS) throw fail(`dimension count ${ndim} is outside 1..${IDX_MAX_DIMS}`);
  const headerBytes = 4 + 4 * ndim;
  if (length < headerBytes)
    throw fail(`file is ${length} bytes but a header with ${ndim} dimensions needs ${headerBytes}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let k = 0; k < ndim; k++) shape.push(view.getUint32(4 + 4 * k, false));
  // Sizes are at most 2^32 − 1 each; the product is exact in a double up to 2^53, and anything
  // past the file length fails below, so nothing this large is ever allocated.
  let count = 1;
  for (const d of shape) count *= d;
  const needed = headerBytes + count * type.bytes;
  if (needed !== length) {
    throw fail(
      `file is ${length} bytes but the header ${formatShape(shape)} needs ${needed}` +
        ` (${headerBytes}-byte header + ${count} ${type.dtype} elements)`,
    );
  }
  const start = bytes.byteOffset + headerBytes;
  let data: IdxData;
  switch (type.dtype) {
    case 'uint8':
      data = bytes.subarray(headerBytes);
      break;
    case 'int8':
      data = new Int8Array(bytes.buffer, start, count);
      break;
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(headerBytes + 2 * i, false);
      data = out;
      break;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(headerBytes + 4 * i, false);
      data = out;
      break;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(headerBytes + 4 * i, false);
      data = out;
      break;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(headerBytes + 8 * i, false);
      data = out;
      break;
    }
  }
  return { dtype: type.dtype, shape, data };
}

/**
 * Writes an IDX file (the inverse of `parseIdx`): big-endian header and elements.
 * @throws RangeError if `data.length` is not the product of `shape`
 */
export function encodeIdx(array: IdxArray): Uint8Array {
  const { dtype, shape, data } = array;
  const entry = Object.entries(TYPES).find(([, t]) => t.dtype === dtype);
  if (!entry) throw rangeError('encodeIdx', `unknown dtype '${String(dtype)}'`);
  const [code, type] = entry;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 32)) {
    throw rangeError(
      'encodeIdx',
      `shape must be an array of integers in [0, 2^32), got ${Array.isArray(shape) ? formatShape(shape) : String(shape)}`,
    );
  }
  if (shape.length < 1 || shape.length > IDX_MAX_DIMS)
    throw rangeError('encodeIdx', `shape must have 1..${IDX_MAX_DIMS} dimensions, got ${formatShape(shape)}`);
  let count = 1;
  for (const d of shape) count *= d;
  if (count !== data.length)
    throw rangeError('encodeIdx', `shape ${formatShape(shape)} holds ${count} elements but data has ${data.length}`);
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + count * type.bytes);
  const view = new DataView(out.buffer);
  out[2] = Number(code);
  out[3] = shape.length;
  shape.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
  for (let i = 0; i < count; i++) {
    const v = data[i]!;
    const at = headerBytes + i * type.bytes;
    switch (dtype) {
      case 'uint8':
        view.setUint8(at, v);
        break;
      case 'int8':
        view.setInt8(at, v);
        break;
      case 'int16':
        view.setInt16(at, v, false);
        break;
      case 'int32':
        view.setInt32(at, v, false);
        break;
      case 'float32':
        view.setFloat32(at, v, false);
        break;
      case 'float64':
        view.setFloat64(at, v, false);
        break;
    }
  }
  return out;
}
