import { Tensor, tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import {
  decodeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  MAX_HEADER_ENTRIES,
  MAX_HEADER_ITEMS,
  SafetensorsError,
} from '../../src/io/safetensors.js';

/** A file from a header object and a data region, as another writer would produce it. */
export function buildFile(header: unknown, data: Uint8Array | number = 0, rawHeader?: string): Uint8Array {
  const json = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

function bytesOf(t: Tensor): number[] {
  const d = t.toTypedArray();
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
}

describe('safetensors round trip', () => {
  it('is bit-exact for float32, float64 and int32, including NaN, -0, ±Infinity and subnormals', () => {
    const special = [NaN, -0, 0, Infinity, -Infinity, 5e-324, 1.401298464324817e-45, Math.PI, -1e-300];
    const sd = {
      'conv.weight': new Tensor(Float32Array.from(special), [3, 3]),
      'fc.bias': new Tensor(Float64Array.from(special), [9]),
      'bn.num_batches_tracked': new Tensor(new Int32Array([-2147483648]), []),
      empty: new Tensor(new Float32Array(0), [0, 4]),
    };
    const back = decodeSafetensors(encodeSafetensors(sd)).tensors;
    expect(Object.keys(back).sort()).toEqual(Object.keys(sd).sort());
    for (const [k, t] of Object.entries(sd)) {
      expect(back[k]!.dtype).toBe(t.dtype);
      expect(back[k]!.shape).toEqual(t.shape);
      expect(bytesOf(back[k]!)).toEqual(bytesOf(t));
    }
  });

  it('writes a non-contiguous tensor by its logical (row-major) elements', () => {
    const base = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const transposed = new Tensor(base.data, [3, 2], [1, 3], 0);
    const back = decodeSafetensors(encodeSafetensors({ t: transposed })).tensors.t!;
    expect(back.toArray()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });

  it('keeps metadata and returns null when there is none', () => {
    const file = encodeSafetensors({ a: tensor([1]) }, { epoch: '3', format: 'pt' });
    expect(decodeSafetensors(file).metadata).toEqual({ epoch: '3', format: 'pt' });
    expect(decodeSafetensors(encodeSafetensors({ a: tensor([1]) })).metadata).toBeNull();
  });

  it('lays the file out as the reference writer: padded header, wide dtypes first, names sorted', () => {
    const file = encodeSafetensors({
      b: tensor([1, 2]),
      a: tensor([3]),
      c: tensor([1], { dtype: 'float64' }),
      i: tensor([7], { dtype: 'int32' }),
    });
    const n = new DataView(file.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n)));
    expect(header.c).toEqual({ dtype: 'F64', shape: [1], data_offsets: [0, 8] });
    expect(header.a).toEqual({ dtype: 'F32', shape: [1], data_offsets: [8, 12] });
    expect(header.b).toEqual({ dtype: 'F32', shape: [2], data_offsets: [12, 20] });
    expect(header.i).toEqual({ dtype: 'I32', shape: [1], data_offsets: [20, 24] });
    expect(file.length).toBe(8 + n + 24);
    // little-endian data: 3.0f at offset 8 of the data region
    expect(new DataView(file.buffer).getFloat32(8 + n + 8, true)).toBe(3);
  });

  it('decodes a file written by another tool, converting I64 to int32', () => {
    const data = new Uint8Array(8 + 8);
    const view = new DataView(data.buffer);
    view.setBigInt64(0, 12345n, true);
    view.setFloat64(8, -2.5, true);
    const file = buildFile(
      {
        __metadata__: { format: 'pt' },
        'bn.num_batches_tracked': { dtype: 'I64', shape: [], data_offsets: [0, 8] },
        w: { dtype: 'F64', shape: [1, 1], data_offsets: [8, 16] },
      },
      data,
    );
    const { tensors, metadata } = decodeSafetensors(file);
    expect(tensors['bn.num_batches_tracked']!.dtype).toBe('int32');
    expect(tensors['bn.num_batches_tracked']!.item()).toBe(12345);
    expect(tensors.w!.toArray()).toEqual([[-2.5]]);
    expect(metadata).toEqual({ format: 'pt' });
  });

  it('accepts header padding with spaces, and data that starts at an unaligned byte', () => {
    const json = '{"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}';
    expect(json.length % 4).not.toBe(0); // so the float sits at an unaligned file offset
    const unaligned = buildFile(null, new Uint8Array([0, 0, 0xa0, 0x3f]), json);
    expect(decodeSafetensors(unaligned).tensors.x!.item()).toBe(1.25);
    const padded = buildFile(null, new Uint8Array([0, 0, 0x80, 0x3f]), json + '   ');
    expect(decodeSafetensors(padded).tensors.x!.item()).toBe(1);
  });
});

describe('safetensors errors name the problem', () => {
  const expectBad = (file: Uint8Array, message: RegExp) => {
    expect(() => decodeSafetensors(file)).toThrow(SafetensorsError);
    expect(() => decodeSafetensors(file)).toThrow(message);
  };
  const entry = (dtype: unknown, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

  it('file shorter than the length prefix', () => {
    expectBad(new Uint8Array(5), /safetensors: file is 5 bytes, shorter than the 8-byte header length/);
  });
  it('header length beyond the 100 MB bound, or past the end of the file', () => {
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setUint32(4, 1, true); // 2^32
    expectBad(huge, new RegExp(`header length 4294967296 exceeds the ${MAX_HEADER_BYTES}-byte limit`));
    const past = new Uint8Array(16);
    new DataView(past.buffer).setUint32(0, 100, true);
    expectBad(past, /header length 100 runs past the end of the 16-byte file \(truncated\?\)/);
  });
  it('header that is not JSON, not UTF-8 or not an object', () => {
    expectBad(buildFile(null, 0, '{"a": '), /header is not valid JSON/);
    expectBad(buildFile(null, 0, '[1, 2]'), /header must be a JSON object starting with '\{'/);
    expectBad(
      buildFile(null, 0, '{}'.padEnd(4, ' ')).map((b, i) => (i === 9 ? 0xff : b)),
      /header is not valid UTF-8/,
    );
  });
  it('bad dtype, shape or offsets', () => {
    expectBad(
      buildFile({ w: entry('F16', [2], [0, 4]) }, 4),
      /entry 'w' has dtype "F16"; supported: F32, F64, I32, I64/,
    );
    expectBad(buildFile({ w: entry('F32', [2.5], [0, 4]) }, 4), /entry 'w' has shape \[2.5\]/);
    expectBad(buildFile({ w: entry('F32', [-1], [0, 4]) }, 4), /entry 'w' has shape \[-1\]/);
    expectBad(buildFile({ w: entry('F32', [1], [0]) }, 4), /entry 'w' has data_offsets \[0\]; expected \[begin, end\]/);
    expectBad(buildFile({ w: 7 }, 4), /entry 'w' must be an object with dtype, shape and data_offsets/);
  });
  it('offsets outside the data region', () => {
    expectBad(
      buildFile({ w: entry('F32', [2], [0, 8]) }, 4),
      /entry 'w' has data_offsets \[0, 8\] outside the 4-byte data region/,
    );
    expectBad(buildFile({ w: entry('F32', [0], [4, 2]) }, 4), /entry 'w' has data_offsets \[4, 2\] outside/);
  });
  it('offsets that disagree with shape × element size', () => {
    expectBad(
      buildFile({ w: entry('F32', [2, 3], [0, 8]) }, 8),
      /entry 'w': shape \[2, 3\] of F32 needs 24 bytes but data_offsets \[0, 8\] span 8/,
    );
    expectBad(buildFile({ w: entry('F32', [1e6, 1e6, 1e6], [0, 8]) }, 8), /needs 4000000000000000000 bytes/);
  });
  it('overlapping tensors, gaps and trailing bytes', () => {
    expectBad(
      buildFile({ a: entry('F32', [2], [0, 8]), b: entry('F32', [1], [4, 8]) }, 8),
      /entry 'b' at \[4, 8\] overlaps the tensor before it, which ends at 8/,
    );
    expectBad(
      buildFile({ a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) }, 12),
      /bytes \[4, 8\] of the data region belong to no tensor \(before 'b'\)/,
    );
    expectBad(buildFile({ a: entry('F32', [1], [0, 4]) }, 6), /the tensors cover 4 bytes but the data region has 6/);
  });
  it('metadata that is not strings; I64 values out of int32 range', () => {
    expectBad(buildFile({ __metadata__: { epoch: 3 } }, 0), /__metadata__.epoch must be a string, got number/);
    const data = new Uint8Array(8);
    new DataView(data.buffer).setBigInt64(0, 2n ** 40n, true);
    expectBad(
      buildFile({ n: entry('I64', [1], [0, 8]) }, data),
      /entry 'n' holds the I64 value 1099511627776 at element 0, which does not fit in int32/,
    );
  });
  it('encode rejects non-tensors, the reserved name and non-string metadata', () => {
    expect(() => encodeSafetensors({ a: [1, 2] as never })).toThrow(TypeError);
    expect(() => encodeSafetensors({ a: [1, 2] as never })).toThrow(
      /encodeSafetensors: 'a' must be a Tensor, got object/,
    );
    expect(() => encodeSafetensors({ __metadata__: tensor([1]) })).toThrow(/'__metadata__' is reserved/);
    expect(() => encodeSafetensors({}, { n: 1 as never })).toThrow(/metadata.n must be a string, got number/);
    expect(() => decodeSafetensors('abc' as never)).toThrow(/decodeSafetensors: bytes must be a Uint8Array/);
  });
  it('a tensor name, metadata key or entry field given twice (JSON.parse would keep the last silently)', () => {
    const a = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    const b = '{"dtype":"F32","shape":[1],"data_offsets":[4,8]}';
    expectBad(buildFile(null, 8, `{"w":${a},"w":${b}}`), /tensor name 'w' appears more than once in the header/);
    // The same name spelled with an escape is the same name.
    expectBad(buildFile(null, 8, `{"w":${a},"\\u0077":${b}}`), /tensor name 'w' appears more than once/);
    expectBad(
      buildFile(null, 4, `{"__metadata__":{"epoch":"1","epoch":"2"},"w":${a}}`),
      /key 'epoch' appears more than once/,
    );
    expectBad(
      buildFile(null, 4, '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"dtype":"F64"}}'),
      /key 'dtype' appears more than once/,
    );
    // Braces and quotes inside strings are not structure.
    const tricky = `{"__metadata__":{"note":"a \\"quoted\\" {w} [x]"},"w":${a}}`;
    expect(decodeSafetensors(buildFile(null, 4, tricky)).metadata).toEqual({ note: 'a "quoted" {w} [x]' });
  });
  it(`more than MAX_HEADER_ENTRIES (${MAX_HEADER_ENTRIES}) tensors or MAX_HEADER_ITEMS keys and elements`, () => {
    const empties = Array.from(
      { length: MAX_HEADER_ENTRIES + 1 },
      (_, i) => `"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`,
    );
    expectBad(
      buildFile(null, 0, `{${empties.join(',')}}`),
      new RegExp(`more than ${MAX_HEADER_ENTRIES} tensors \\(MAX_HEADER_ENTRIES\\)`),
    );
    const longShape = `{"w":{"dtype":"F32","shape":[${'1,'.repeat(MAX_HEADER_ITEMS)}1],"data_offsets":[0,4]}}`;
    expectBad(buildFile(null, 4, longShape), /more than 2000000 keys and array elements \(MAX_HEADER_ITEMS\)/);
  });
  it('a name like __proto__ stays a plain entry', () => {
    const file = encodeSafetensors({ ['__proto__']: tensor([1]) } as never);
    const back = decodeSafetensors(file).tensors;
    expect(Object.keys(back)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });
});
