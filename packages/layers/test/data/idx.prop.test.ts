import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeIdx, IdxFormatError, parseIdx } from '../../src/data/idx.js';

describe('parseIdx on hostile bytes', () => {
  it('random bytes either parse consistently or throw IdxFormatError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (bytes, idxLike) => {
        // Half the time start with a plausible magic so the deeper checks are reached.
        if (idxLike && bytes.length >= 4) {
          bytes[0] = 0;
          bytes[1] = 0;
          bytes[2] = [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e][bytes[2]! % 6]!;
          bytes[3] = 1 + (bytes[3]! % 3);
        }
        try {
          const got = parseIdx(bytes);
          expect(got.data.length).toBe(got.shape.reduce((a, b) => a * b, 1));
        } catch (e) {
          expect(e).toBeInstanceOf(IdxFormatError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('every truncation and every extension of a valid file is rejected', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.integer({ min: 1, max: 16 }),
        (shape, cutSeed, extra) => {
          const size = shape.reduce((a, b) => a * b, 1);
          const file = encodeIdx({ dtype: 'float32', shape, data: new Float32Array(size).fill(1) });
          const cut = cutSeed % file.length;
          expect(() => parseIdx(file.subarray(0, cut))).toThrow(IdxFormatError);
          const longer = new Uint8Array(file.length + extra);
          longer.set(file);
          expect(() => parseIdx(longer)).toThrow(/needs/);
          expect(parseIdx(file).shape).toEqual(shape);
        },
      ),
      { numRuns: 200 },
    );
  });
});
