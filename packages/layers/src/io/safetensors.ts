import { contiguousData, formatShape, Tensor, typeError, type DType } from '@torchlet/tensor';

/**
 * The safetensors checkpoint format (Hugging Face): an 8-byte little-endian header length N, N
 * bytes of UTF-8 JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }`,
 * then the tensors' raw little-endian bytes, offsets counted from the start of that data region.
 * Works on Uint8Array only, so it runs in browsers and workers as well as in Node.
 */

/** Thrown for a malformed or hostile safetensors file; the message names the entry and numbers. */
export class SafetensorsError extends RangeError {
  override name = 'SafetensorsError';
}

/** Tensors by name, as a Module's `stateDict()`. */
export type TensorMap = Record<string, Tensor>;
export type SafetensorsMetadata = Record<string, string>;

/** The spec's bound on the JSON header (100 MB): a larger length is a corrupt or hostile file. */
export const MAX_HEADER_BYTES = 100_000_000;
/** Ranks above this are rejected (PyTorch allows 64 dimensions). */
export const MAX_RANK = 64;
/**
 * The most tensors one header may list (and the most keys in any one object of it). JSON.parse makes
 * several objects per entry, so without a bound an 89 MB header of 1.5 million empty tensors took
 * 85 s and 1.9 GB of memory to read; now it is rejected in 0.6 s, and 100,000 entries read in 4.4 s
 * with 86 MB (packages/layers/test/io/safetensors.test.ts builds such headers; times on a shared
 * 2-core machine).
 */
export const MAX_HEADER_ENTRIES = 100_000;
/**
 * The most JSON keys and array elements a header may hold in all: an honest entry has about 10
 * (three keys, its shape, two offsets), so this leaves room for 100,000 entries of rank 16.
 */
export const MAX_HEADER_ITEMS = 2_000_000;

type FileDType = 'F32' | 'F64' | 'I32' | 'I64';

const ELEMENT_BYTES: Record<FileDType, number> = { F32: 4, F64: 8, I32: 4, I64: 8 };
const FILE_DTYPE: Record<DType, FileDType> = { float32: 'F32', float64: 'F64', int32: 'I32' };
// The reference writer orders tensors by dtype (widest first), then by name; larger elements
// first keeps every tensor aligned to its element size once the header is padded to 8 bytes.
const WRITE_ORDER: Record<FileDType, number> = { F64: 0, I64: 0, F32: 1, I32: 1 };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(message: string): SafetensorsError {
  return new SafetensorsError(`safetensors: ${message}`);
}

/** One tensor's entry in a validated header. */
export interface SafetensorsEntry {
  name: string;
  dtype: FileDType;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Entries sorted by their offset in the data region. */
  entries: SafetensorsEntry[];
  metadata: SafetensorsMetadata | null;
}

/**
 * Reads and bounds-checks the 8-byte header length.
 * @param prefix at least the file's first 8 bytes
 * @param fileLength the whole file's length in bytes
 * @throws SafetensorsError if the file is shorter than 8 bytes, or the length exceeds
 *   `MAX_HEADER_BYTES` or the rest of the file
 */
export function readHeaderLength(prefix: Uint8Array, fileLength: number): number {
  if (fileLength < 8 || prefix.length < 8)
    throw fail(`file is ${fileLength} bytes, shorter than the 8-byte header length`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const headerBytes = high * 2 ** 32 + low;
  if (headerBytes > MAX_HEADER_BYTES)
    throw fail(
      `header length ${headerBytes} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt or not a safetensors file)`,
    );
  if (8 + headerBytes > fileLength)
    throw fail(`header length ${headerBytes} runs past the end of the ${fileLength}-byte file (truncated?)`);
  if (headerBytes < 2) throw fail(`header length ${headerBytes} is too short for a JSON object`);
  return headerBytes;
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * One pass over the header text before JSON.parse builds anything: counts the entries, keys and
 * array elements against MAX_HEADER_ENTRIES and MAX_HEADER_ITEMS, and rejects a key that appears
 * twice in one object (JSON.parse would silently keep the last, so a tensor could be replaced
 * unseen). Malformed text is left for JSON.parse to reject.
 * @throws SafetensorsError naming the repeated key or the bound
 */
function scanHeader(text: string): void {
  const keysInObject: Set<string>[] = [];
  const inObject: boolean[] = []; // per open bracket: an object (true) or an array (false)
  let expectKey = false;
  let items = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      if (!expectKey) continue;
      expectKey = false;
      const raw = text.slice(start, i + 1);
      let key = raw.slice(1, -1);
      if (raw.includes('\\')) {
        try {
          key = JSON.parse(raw) as string;
        } catch {
          return; // JSON.parse of the whole header reports it
        }
      }
      const keys = keysInObject[keysInObject.length - 1];
      if (keys === undefined) return;
      if (keys.has(key)) {
        const where = keysInObject.length === 1 ? 'tensor name' : 'key';
        throw fail(`${where} '${key}' appears more than once in the header (a later copy would replace the first)`);
      }
      keys.add(key);
      if (keys.size > MAX_HEADER_ENTRIES) {
        const what = keysInObject.length === 1 ? 'tensors' : 'keys in one object';
        throw fail(`the header lists more than ${MAX_HEADER_ENTRIES} ${what} (MAX_HEADER_ENTRIES)`);
      }
      items += 1;
    } else if (c === 0x7b /* { */) {
      inObject.push(true);
      keysInObject.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      inObject.push(false);
      items += 1;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (inObject.pop()) keysInObject.pop();
    } else if (c === 0x2c /* , */) {
      if (inObject[inObject.length - 1]) expectKey = true;
      else items += 1;
    }
    if (items > MAX_HEADER_ITEMS)
      throw fail(`the header holds more than ${MAX_HEADER_ITEMS} keys and array elements (MAX_HEADER_ITEMS)`);
  }
}

/**
 * Parses and validates the JSON header against the data region's length: no repeated names, at most
 * MAX_HEADER_ENTRIES tensors and MAX_HEADER_ITEMS keys and array elements (checked before JSON.parse
 * allocates), dtypes, shapes, offsets inside the region, offsets agreeing with shape × element size,
 * no overlaps and no gaps. Nothing is allocated for tensor data here.
 * @throws SafetensorsError naming the entry and the numbers that disagree
 */
export function parseHeader(headerBytes: Uint8Array, dataLength: number): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw fail('header is not valid UTF-8');
  }
  if (!text.startsWith('{'))
    throw fail(`header must be a JSON object starting with '{', got ${JSON.stringify(text.slice(0, 16))}`);
  scanHeader(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw fail('header must be a JSON object');
  let metadata: SafetensorsMetadata | null = null;
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
        throw fail('__metadata__ must be an object of strings');
      metadata = {};
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw fail(`__metadata__.${k} must be a string, got ${typeof v}`);
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw fail(`entry '${name}' must be an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in ELEMENT_BYTES)) {
      throw fail(`entry '${name}' has dtype ${JSON.stringify(dtype)}; supported: F32, F64, I32, I64`);
    }
    if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every(isNonNegativeInt)) {
      throw fail(
        `entry '${name}' has shape ${JSON.stringify(shape)}; expected at most ${MAX_RANK} non-negative integers`,
      );
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt)) {
      throw fail(
        `entry '${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end], non-negative integers`,
      );
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) {
      throw fail(`entry '${name}' has data_offsets [${begin}, ${end}] outside the ${dataLength}-byte data region`);
    }
    const elementBytes = ELEMENT_BYTES[dtype as FileDType];
    let count = 1;
    for (const d of shape as number[]) count *= d;
    if (count * elementBytes !== end - begin) {
      throw fail(
        `entry '${name}': shape ${formatShape(shape as number[])} of ${dtype} needs ${count * elementBytes} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`,
      );
    }
    entries.push({ name, dtype: dtype as FileDType, shape: (shape as number[]).slice(), begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of entries) {
    if (e.begin < covered)
      throw fail(`entry '${e.name}' at [${e.begin}, ${e.end}] overlaps the tensor before it, which ends at ${covered}`);
    if (e.begin > covered)
      throw fail(`bytes [${covered}, ${e.begin}] of the data region belong to no tensor (before '${e.name}')`);
    covered = e.end;
  }
  if (covered !== dataLength)
    throw fail(
      `the tensors cover ${covered} bytes but the data region has ${dataLength} (trailing bytes or truncated header)`,
    );
  return { entries, metadata };
}

/**
 * Copies the tensors out of a data region whose header `parseHeader` validated. I64 is converted
 * to int32 (PyTorch stores counters such as BatchNorm's `num_batches_tracked` as int64).
 * @throws SafetensorsError if an I64 value does not fit in int32
 */
export function decodeTensors(header: SafetensorsHeader, data: Uint8Array): TensorMap {
  const out: TensorMap = {};
  for (const e of header.entries) {
    const bytes = data.subarray(e.begin, e.end);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let array: Float32Array | Float64Array | Int32Array;
    switch (e.dtype) {
      case 'F32':
      case 'F64':
      case 'I32': {
        const size = ELEMENT_BYTES[e.dtype];
        const n = bytes.length / size;
        if (LITTLE_ENDIAN) {
          // slice() gives an aligned copy of its own; the file offset may not be aligned.
          const copy = bytes.slice().buffer;
          array =
            e.dtype === 'F32'
              ? new Float32Array(copy, 0, n)
              : e.dtype === 'F64'
                ? new Float64Array(copy, 0, n)
                : new Int32Array(copy, 0, n);
        } else {
          array = e.dtype === 'F32' ? new Float32Array(n) : e.dtype === 'F64' ? new Float64Array(n) : new Int32Array(n);
          for (let i = 0; i < n; i++) {
            array[i] =
              e.dtype === 'F32'
                ? view.getFloat32(i * 4, true)
                : e.dtype === 'F64'
                  ? view.getFloat64(i * 8, true)
                  : view.getInt32(i * 4, true);
          }
        }
        break;
      }
      case 'I64': {
        const n = bytes.length / 8;
        array = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const v = view.getBigInt64(i * 8, true);
          if (v > 2147483647n || v < -2147483648n)
            throw fail(`entry '${e.name}' holds the I64 value ${v} at element ${i}, which does not fit in int32`);
          array[i] = Number(v);
        }
        break;
      }
    }
    Object.defineProperty(out, e.name, {
      value: new Tensor(array, e.shape),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * Decodes a whole safetensors file, validating the header before allocating tensor storage.
 * @returns tensors by name and the `__metadata__` strings (null when the file has none)
 * @throws SafetensorsError for a truncated, corrupt or hostile file
 */
export function decodeSafetensors(bytes: Uint8Array): { tensors: TensorMap; metadata: SafetensorsMetadata | null } {
  if (!(bytes instanceof Uint8Array)) throw typeError('decodeSafetensors', 'bytes must be a Uint8Array');
  const headerBytes = readHeaderLength(bytes, bytes.length);
  const header = parseHeader(bytes.subarray(8, 8 + headerBytes), bytes.length - 8 - headerBytes);
  return { tensors: decodeTensors(header, bytes.subarray(8 + headerBytes)), metadata: header.metadata };
}

/**
 * Encodes tensors (e.g. `model.stateDict()`) as a safetensors file. Entries are ordered as the
 * reference implementation does (wider dtypes first, then by name), the header padded with
 * spaces to a multiple of 8 bytes, data little-endian. float32 → F32, float64 → F64, int32 → I32.
 * @throws TypeError for a non-Tensor value, a reserved name or non-string metadata
 */
export function encodeSafetensors(tensors: TensorMap, metadata?: SafetensorsMetadata): Uint8Array {
  const op = 'encodeSafetensors';
  if (tensors === null || typeof tensors !== 'object') throw typeError(op, 'tensors must be an object of Tensors');
  const items: { name: string; dtype: FileDType; tensor: Tensor }[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor))
      throw typeError(op, `'${name}' must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    if (name === '__metadata__') throw typeError(op, "the name '__metadata__' is reserved by the format");
    items.push({ name, dtype: FILE_DTYPE[t.dtype], tensor: t });
  }
  items.sort((a, b) => WRITE_ORDER[a.dtype] - WRITE_ORDER[b.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object') throw typeError(op, 'metadata must be an object of strings');
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw typeError(op, `metadata.${k} must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const { name, dtype, tensor } of items) {
    const end = offset + tensor.size * ELEMENT_BYTES[dtype];
    Object.defineProperty(header, name, {
      value: { dtype, shape: tensor.shape.slice(), data_offsets: [offset, end] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded % 2 ** 32, true);
  view.setUint32(4, Math.floor(padded / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const { tensor } of items) {
    const values = contiguousData(tensor);
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
    } else {
      for (let i = 0; i < values.length; i++) {
        if (tensor.dtype === 'float32') view.setFloat32(at + 4 * i, values[i]!, true);
        else if (tensor.dtype === 'float64') view.setFloat64(at + 8 * i, values[i]!, true);
        else view.setInt32(at + 4 * i, values[i]!, true);
      }
    }
    at += values.byteLength;
  }
  return out;
}
