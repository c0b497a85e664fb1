import { describe, expect, it } from 'vitest';
import { encodeIdx, IdxFormatError, parseIdx, type IdxArray } from '../../src/data/idx.js';

function header(type: number, dims: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
  return out;
}

function withBody(head: Uint8Array, bodyBytes: number): Uint8Array {
  const out = new Uint8Array(head.length + bodyBytes);
  out.set(head);
  return out;
}

describe('parseIdx', () => {
  it('reads a ubyte file as a view of the input (no copy), with its shape', () => {
    const file = withBody(header(0x08, [2, 2, 3]), 12);
    for (let i = 0; i < 12; i++) file[16 + i] = i * 20;
    const got = parseIdx(file);
    expect(got.dtype).toBe('uint8');
    expect(got.shape).toEqual([2, 2, 3]);
    expect(Array.from(got.data)).toEqual(Array.from({ length: 12 }, (_, i) => i * 20));
    expect(got.data.buffer).toBe(file.buffer);
  });

  it('reads big-endian multi-byte types (hand-built bytes)', () => {
    const file = withBody(header(0x0b, [2]), 4);
    file.set([0x01, 0x02, 0xff, 0xfe], 8); // 0x0102 = 258, 0xfffe = -2
    expect(Array.from(parseIdx(file).data)).toEqual([258, -2]);
    const f = withBody(header(0x0d, [1]), 4);
    f.set([0x3f, 0xc0, 0x00, 0x00], 8); // 1.5f big-endian
    expect(Array.from(parseIdx(f).data)).toEqual([1.5]);
  });

  it('round-trips every type through encodeIdx', () => {
    const cases: IdxArray[] = [
      { dtype: 'uint8', shape: [3], data: new Uint8Array([0, 128, 255]) },
      { dtype: 'int8', shape: [3], data: new Int8Array([-128, 0, 127]) },
      { dtype: 'int16', shape: [1, 3], data: new Int16Array([-32768, 1, 32767]) },
      { dtype: 'int32', shape: [2, 1], data: new Int32Array([-2147483648, 2147483647]) },
      { dtype: 'float32', shape: [2], data: new Float32Array([Math.PI, -0.1]) },
      { dtype: 'float64', shape: [2, 2], data: new Float64Array([Math.PI, -0.1, 1e300, -0]) },
    ];
    for (const c of cases) {
      const back = parseIdx(encodeIdx(c));
      expect(back.dtype).toBe(c.dtype);
      expect(back.shape).toEqual(c.shape);
      expect(Array.from(back.data)).toEqual(Array.from(c.data));
      expect(back.data.constructor).toBe(c.data.constructor);
    }
  });

  it('accepts zero-size dimensions', () => {
    expect(parseIdx(header(0x08, [0, 28, 28])).shape).toEqual([0, 28, 28]);
  });

  it('reads from an unaligned view into a larger buffer', () => {
    const file = encodeIdx({ dtype: 'int32', shape: [2], data: new Int32Array([7, -9]) });
    const big = new Uint8Array(file.length + 3);
    big.set(file, 3);
    expect(Array.from(parseIdx(big.subarray(3)).data)).toEqual([7, -9]);
  });
});

describe('parseIdx errors name the numbers', () => {
  const expectIdx = (bytes: Uint8Array, message: RegExp) => {
    expect(() => parseIdx(bytes)).toThrow(IdxFormatError);
    expect(() => parseIdx(bytes)).toThrow(RangeError);
    expect(() => parseIdx(bytes)).toThrow(message);
  };

  it('truncated MNIST header: the length the header needs', () => {
    const file = withBody(header(0x08, [60000, 28, 28]), 1000 - 16);
    expectIdx(file, /^idx: file is 1000 bytes but the header \[60000, 28, 28\] needs 47040016/);
  });
  it('trailing bytes are also a length mismatch', () => {
    expectIdx(
      withBody(header(0x0c, [2]), 9),
      /idx: file is 17 bytes but the header \[2\] needs 16 \(8-byte header \+ 2 int32 elements\)/,
    );
  });
  it('too short for the magic number', () => {
    expectIdx(new Uint8Array([0, 0]), /idx: file is 2 bytes, shorter than the 4-byte magic number/);
  });
  it('bad magic (e.g. a gzip file)', () => {
    expectIdx(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), /idx: bad magic number: .*got 0x1f 0x8b .*gzip/);
  });
  it('unknown type code', () => {
    expectIdx(new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 0]), /idx: unknown type code 0x0a/);
  });
  it('dimension count out of bounds', () => {
    expectIdx(new Uint8Array([0, 0, 8, 0]), /idx: dimension count 0 is outside 1..16/);
    expectIdx(new Uint8Array([0, 0, 8, 200]), /idx: dimension count 200 is outside 1..16/);
  });
  it('header cut short', () => {
    expectIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]), /idx: file is 8 bytes but a header with 3 dimensions needs 16/);
  });
  it('huge dimensions fail before allocating', () => {
    const file = withBody(header(0x0e, [0xffffffff, 0xffffffff, 0xffffffff]), 8);
    expectIdx(file, /idx: file is 24 bytes but the header \[4294967295, 4294967295, 4294967295\] needs/);
  });
  it('non-Uint8Array input is a TypeError', () => {
    expect(() => parseIdx([0, 0, 8, 1] as never)).toThrow(TypeError);
    expect(() => parseIdx([0, 0, 8, 1] as never)).toThrow(/idx: bytes must be a Uint8Array/);
  });
});

describe('encodeIdx errors', () => {
  it('rejects a data length that disagrees with the shape', () => {
    expect(() => encodeIdx({ dtype: 'uint8', shape: [2, 2], data: new Uint8Array(3) })).toThrow(RangeError);
    expect(() => encodeIdx({ dtype: 'uint8', shape: [2, 2], data: new Uint8Array(3) })).toThrow(
      /encodeIdx: shape \[2, 2\] holds 4 elements but data has 3/,
    );
    expect(() => encodeIdx({ dtype: 'uint8', shape: [], data: new Uint8Array(1) })).toThrow(
      /1..16 dimensions, got \[\]/,
    );
  });
});
