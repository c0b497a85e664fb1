import fc from 'fast-check';
import { Generator, randn, Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../src/io/safetensors.js';

const arbShape = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });
const arbStateDict = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__metadata__'),
  fc.tuple(arbShape, fc.constantFrom('float32' as const, 'float64' as const, 'int32' as const), fc.integer()),
  { maxKeys: 5 },
);

function build(spec: Record<string, [number[], 'float32' | 'float64' | 'int32', number]>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, [shape, dtype, seed]] of Object.entries(spec)) {
    const values = randn(shape, { dtype: 'float64', generator: new Generator(seed) });
    const data =
      dtype === 'float32'
        ? Float32Array.from(values.data)
        : dtype === 'float64'
          ? Float64Array.from(values.data)
          : Int32Array.from(values.data, (v) => Math.round(v * 1000));
    Object.defineProperty(out, k, { value: new Tensor(data, shape), enumerable: true });
  }
  return out;
}

/** Decoding either succeeds or throws SafetensorsError — never another error, a hang or a huge allocation. */
function decodeCleanly(bytes: Uint8Array): void {
  try {
    decodeSafetensors(bytes);
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
  }
}

describe('safetensors properties', () => {
  it('encode → decode is bit-exact for any state dict', () => {
    fc.assert(
      fc.property(arbStateDict, (spec) => {
        const sd = build(spec);
        const back = decodeSafetensors(encodeSafetensors(sd, { n: String(Object.keys(sd).length) }));
        expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(sd).sort());
        for (const [k, t] of Object.entries(sd)) {
          const got = back.tensors[k]!;
          expect(got.dtype).toBe(t.dtype);
          expect(got.shape).toEqual(t.shape);
          expect(new Uint8Array(got.data.buffer, got.data.byteOffset, got.data.byteLength)).toEqual(
            new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
          );
        }
      }),
      { numRuns: 100 },
    );
  });

  it('every strict truncation of a valid file is rejected with a SafetensorsError', () => {
    fc.assert(
      fc.property(arbStateDict, fc.nat(), (spec, cutSeed) => {
        const file = encodeSafetensors(build(spec));
        const cut = cutSeed % file.length;
        const short = file.slice(0, cut);
        expect(() => decodeSafetensors(short)).toThrow(SafetensorsError);
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes, and valid files with random bytes overwritten, never fail any other way', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => decodeCleanly(bytes)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        arbStateDict,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (spec, edits) => {
          const file = encodeSafetensors(build(spec));
          for (const [at, value] of edits) file[at % file.length] = value;
          decodeCleanly(file);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hostile headers: any header length and any offsets are checked before allocation', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.nat(), fc.nat()),
        fc.array(
          fc.record({
            dtype: fc.constantFrom('F32', 'F64', 'I32', 'I64', 'U8', 7),
            shape: fc.array(fc.oneof(fc.nat(), fc.constant(2 ** 40)), { maxLength: 3 }),
            data_offsets: fc.array(fc.oneof(fc.nat(64), fc.constant(2 ** 53)), { maxLength: 3 }),
          }),
          { maxLength: 4 },
        ),
        fc.nat(64),
        ([lo, hi], entries, dataLength) => {
          const header: Record<string, unknown> = {};
          entries.forEach((e, i) => (header[`t${i}`] = e));
          const json = new TextEncoder().encode(JSON.stringify(header));
          const file = new Uint8Array(8 + json.length + dataLength);
          file.set(json, 8);
          const view = new DataView(file.buffer);
          view.setUint32(0, json.length, true);
          decodeCleanly(file);
          // and a random (usually absurd) header length
          view.setUint32(0, lo, true);
          view.setUint32(4, hi % 4, true);
          decodeCleanly(file);
        },
      ),
      { numRuns: 300 },
    );
  });
});
