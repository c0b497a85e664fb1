import { describe, expect, it } from 'vitest';
import { decodeDigits, encodeDigits, type Digits } from '../src/digits.js';

function sample(nTrain: number, nTest: number, rows = 2, cols = 3): Digits {
  const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed) % 256);
  return {
    rows,
    cols,
    trainImages: bytes(nTrain * rows * cols, 1),
    trainLabels: bytes(nTrain, 2).map((v) => v % 10),
    testImages: bytes(nTest * rows * cols, 3),
    testLabels: bytes(nTest, 4).map((v) => v % 10),
  };
}

describe('digits.bin', () => {
  it('decode(encode(d)) gives d back; the header is 24 bytes and the rest raw bytes', () => {
    const d = sample(5, 2);
    const bytes = encodeDigits(d);
    expect(bytes.length).toBe(24 + 7 * (6 + 1));
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('TLMN');
    const back = decodeDigits(bytes);
    expect(back).toEqual(d);
  });

  it('rejects files that are not digits files, or whose length disagrees with the header', () => {
    const bytes = encodeDigits(sample(3, 1));
    expect(() => decodeDigits(bytes.subarray(0, 10))).toThrow(
      /decodeDigits: 10 bytes is shorter than the 24-byte header/,
    );
    expect(() => decodeDigits(bytes.subarray(0, bytes.length - 1))).toThrow(RangeError);
    expect(() => decodeDigits(bytes.subarray(0, bytes.length - 1))).toThrow(
      /3 \+ 1 digits of 2×3 need 52 bytes, got 51/,
    );
    const wrongMagic = bytes.slice();
    wrongMagic[0] = 0;
    expect(() => decodeDigits(wrongMagic)).toThrow(/not a digits file/);
    const wrongVersion = bytes.slice();
    wrongVersion[4] = 9;
    expect(() => decodeDigits(wrongVersion)).toThrow(/version 9 is not supported/);
    expect(() => encodeDigits({ ...sample(2, 1), trainImages: new Uint8Array(5) })).toThrow(
      /encodeDigits: 5 \+ 6 image bytes do not match 2 \+ 1 images of 2×3/,
    );
  });
});
