import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator, randn, ShapeError, Tensor } from '@torchlet/tensor';
import {
  Adam,
  captureTrainingState,
  CheckpointError,
  decodeSafetensors,
  encodeIdx,
  encodeSafetensors,
  IdxFormatError,
  Linear,
  parseIdx,
  restoreTrainingState,
  SafetensorsError,
  Sequential,
  StateDictError,
  StepLR,
  type SafetensorsMetadata,
  type TensorMap,
} from '@torchlet/layers';
import { load, loadMnist, loadTrainingCheckpoint, MNIST_FILES } from '@torchlet/layers/node';

/*
 * File readers never trust a size from the file. Every reader (IDX, safetensors in memory and on
 * disk, training checkpoints, MNIST) is fed truncations, every single-bit flip of small valid files,
 * headers claiming billions of elements or bytes, random bytes and, for training checkpoints,
 * structurally hostile metadata with a correct checksum. Each must end in a clean typed error (or a
 * consistent result), allocate nothing large (array-buffer memory right after the call, before any
 * collection, stays within a small bound) and return promptly. (test/data/idx.prop.test.ts and
 * test/io/safetensors.prop.test.ts hold the format-level properties; this file adds exhaustive
 * flips and truncations, allocation bounds, the disk paths and the checkpoint metadata.)
 */

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const dir = mkdtempSync(join(tmpdir(), 'torchlet-readers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let tried = 0;
let largestGrowth = 0;
let slowest = 0;
afterAll(() => {
  console.log(
    `fuzz: ${tried} hostile files read, every one a typed error or a consistent result; ` +
      `largest array-buffer growth ${(largestGrowth / 1024).toFixed(0)} KB, slowest read ${slowest.toFixed(1)} ms of CPU`,
  );
});

const ALLOWED_GROWTH = 4 * 1024 * 1024;

/**
 * Runs a read, measuring array-buffer growth right after it (an allocation the reader made and
 * dropped on throwing is still counted, as no collection runs in between) and the CPU time it took.
 * Returns the result, or the error if it threw one of `errors`; anything else is rethrown.
 */
function hostileRead<R>(read: () => R, errors: readonly (new (...a: never[]) => Error)[]): R | Error {
  tried += 1;
  const before = process.memoryUsage().arrayBuffers;
  // CPU time, not wall-clock time: a loaded machine may deschedule this process for seconds, but a
  // reader that loops on a hostile length burns CPU.
  const start = process.cpuUsage();
  let out: R | Error;
  try {
    out = read();
  } catch (e) {
    if (!errors.some((E) => e instanceof E))
      throw new Error(`not a typed error: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`, { cause: e });
    out = e as Error;
  }
  const used = process.cpuUsage(start);
  const elapsed = (used.user + used.system) / 1000;
  const growth = process.memoryUsage().arrayBuffers - before;
  largestGrowth = Math.max(largestGrowth, growth);
  slowest = Math.max(slowest, elapsed);
  expect(growth).toBeLessThan(ALLOWED_GROWTH);
  expect(elapsed).toBeLessThan(2000);
  return out;
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3] = out[bit >> 3]! ^ (1 << (bit & 7));
  return out;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

describe('IDX reader', () => {
  const valid = encodeIdx({
    dtype: 'int16',
    shape: [3, 2, 2],
    data: Int16Array.from({ length: 12 }, (_, i) => i * 7 - 20),
  });

  it('every truncation is an IdxFormatError', () => {
    gc();
    for (let cut = 0; cut < valid.length; cut++) {
      expect(hostileRead(() => parseIdx(valid.subarray(0, cut)), [IdxFormatError])).toBeInstanceOf(IdxFormatError);
    }
  });

  it('every single-bit flip: an IdxFormatError, or the same header with consistent data', () => {
    gc();
    for (let bit = 0; bit < valid.length * 8; bit++) {
      const got = hostileRead(() => parseIdx(flipBit(valid, bit)), [IdxFormatError]);
      if (got instanceof Error) continue;
      // A flip past the header is a different value, not a different layout.
      expect(bit).toBeGreaterThanOrEqual(8 * (4 + 4 * 3));
      expect(got.shape).toEqual([3, 2, 2]);
      expect(got.data.length).toBe(12);
    }
  });

  it('headers claiming 2^31 and more elements fail before allocating', () => {
    gc();
    const claims: number[][] = [
      [65536, 32768],
      [2 ** 31],
      [0xffffffff, 0xffffffff, 0xffffffff],
      new Array(16).fill(0xffffffff),
      [46341, 46341],
      [2 ** 32 - 1],
    ];
    for (const dtype of [0x08, 0x0c, 0x0e]) {
      for (const dims of claims) {
        const header = new Uint8Array(4 + 4 * dims.length + 64);
        const view = new DataView(header.buffer);
        header[2] = dtype;
        header[3] = dims.length;
        dims.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
        const err = hostileRead(() => parseIdx(header), [IdxFormatError]);
        expect(err).toBeInstanceOf(IdxFormatError);
        expect((err as Error).message).toMatch(/^idx: file is \d+ bytes but the header \[.*\] needs \d+/);
      }
    }
  });

  it('random bytes, with and without a plausible magic', () => {
    gc();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 2 }), (bytes, mode) => {
        if (mode > 0 && bytes.length >= 4) {
          bytes[0] = 0;
          bytes[1] = 0;
          bytes[2] = [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e][bytes[2]! % 6]!;
          bytes[3] = mode === 1 ? 1 + (bytes[3]! % 16) : bytes[3]!;
        }
        const got = hostileRead(() => parseIdx(bytes), [IdxFormatError]);
        if (!(got instanceof Error)) expect(got.data.length).toBe(sizeOf(got.shape));
      }),
      { numRuns: 1500 },
    );
  });

  it('loadMnist names the damaged file and never loads a truncated or inflated one', () => {
    const mnist = join(dir, 'mnist');
    rmSync(mnist, { recursive: true, force: true });
    const fake = (n: number) => ({
      images: encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: new Uint8Array(n * 784) }),
      labels: encodeIdx({ dtype: 'uint8', shape: [n], data: new Uint8Array(n) }),
    });
    const write = (files: Record<string, Uint8Array>) => {
      rmSync(mnist, { recursive: true, force: true });
      mkdirSync(mnist);
      for (const [name, bytes] of Object.entries(files)) writeFileSync(join(mnist, name), bytes);
    };
    const train = fake(3);
    const test = fake(2);
    const good = {
      [MNIST_FILES.trainImages]: train.images,
      [MNIST_FILES.trainLabels]: train.labels,
      [MNIST_FILES.testImages]: test.images,
      [MNIST_FILES.testLabels]: test.labels,
    };
    write(good);
    expect(loadMnist(mnist).trainShape).toEqual([3, 28, 28]);
    // truncated images, then a header that claims 2^31 images
    write({ ...good, [MNIST_FILES.trainImages]: train.images.subarray(0, 100) });
    expect(hostileRead(() => loadMnist(mnist), [IdxFormatError])).toBeInstanceOf(IdxFormatError);
    expect(() => loadMnist(mnist)).toThrow(/train-images-idx3-ubyte/);
    const inflated = train.images.slice();
    new DataView(inflated.buffer).setUint32(4, 2 ** 31, false);
    write({ ...good, [MNIST_FILES.trainImages]: inflated });
    expect(hostileRead(() => loadMnist(mnist), [IdxFormatError])).toBeInstanceOf(IdxFormatError);
    // labels that disagree with the images
    write({ ...good, [MNIST_FILES.testLabels]: fake(5).labels });
    expect(hostileRead(() => loadMnist(mnist), [ShapeError])).toBeInstanceOf(ShapeError);
  });
});

describe('safetensors reader', () => {
  const g = new Generator(3);
  const tensors: TensorMap = {
    'features.0.weight': randn([2, 1, 2, 2], { generator: g }),
    'features.0.bias': randn([2], { generator: g, dtype: 'float64' }),
    steps: new Tensor(new Int32Array([7]), []),
  };
  const valid = encodeSafetensors(tensors, { note: 'x' });
  const headerLength = Number(new DataView(valid.buffer).getBigUint64(0, true));

  it('every truncation is a SafetensorsError, in memory and on disk', () => {
    gc();
    for (let cut = 0; cut < valid.length; cut++) {
      const bytes = valid.subarray(0, cut);
      expect(hostileRead(() => decodeSafetensors(bytes), [SafetensorsError])).toBeInstanceOf(SafetensorsError);
      if (cut % 7 === 0) {
        const path = join(dir, 'cut.safetensors');
        writeFileSync(path, bytes);
        expect(hostileRead(() => load(path), [SafetensorsError])).toBeInstanceOf(SafetensorsError);
      }
    }
  });

  it('every single-bit flip of the length and header: a SafetensorsError or a consistent decode', () => {
    gc();
    for (let bit = 0; bit < (8 + headerLength) * 8; bit++) {
      const got = hostileRead(() => decodeSafetensors(flipBit(valid, bit)), [SafetensorsError]);
      if (got instanceof Error) continue;
      // Survivors flipped a name, a metadata string or the padding: same tensor sizes, in bounds.
      const sizes = Object.values(got.tensors)
        .map((t) => t.size)
        .sort();
      expect(sizes).toEqual([1, 2, 8]);
    }
  });

  it('data-region flips decode to the same layout (what the training checkpoint checksum is for)', () => {
    for (let bit = (8 + headerLength) * 8; bit < valid.length * 8; bit += 5) {
      const got = hostileRead(() => decodeSafetensors(flipBit(valid, bit)), [SafetensorsError]);
      expect(got).not.toBeInstanceOf(Error);
    }
  });

  it('oversized header lengths and offsets, and shapes claiming 2^31 elements, fail before allocating', () => {
    gc();
    const withHeader = (header: unknown, dataBytes: number, lengthOverride?: bigint) => {
      const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
      const out = new Uint8Array(8 + json.length + dataBytes);
      new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
      out.set(json, 8);
      return out;
    };
    const cases: Uint8Array[] = [
      withHeader({}, 0, 2n ** 63n),
      withHeader({}, 0, 2n ** 32n + 2n),
      withHeader({}, 0, 100_000_001n),
      withHeader({}, 16, 99_999_999n),
      withHeader({ a: { dtype: 'F32', shape: [65536, 32768], data_offsets: [0, 2 ** 33] } }, 16),
      withHeader({ a: { dtype: 'F64', shape: [2 ** 31], data_offsets: [0, 16] } }, 16),
      withHeader({ a: { dtype: 'F32', shape: [2 ** 53], data_offsets: [0, 2 ** 53] } }, 16),
      withHeader({ a: { dtype: 'F32', shape: new Array(64).fill(2 ** 20), data_offsets: [0, 16] } }, 16),
      withHeader({ a: { dtype: 'F32', shape: new Array(65).fill(1), data_offsets: [0, 4] } }, 4),
      // I64 values of 2^63 − 1: each must fit in int32 to load.
      withHeader({ a: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, 16).map((b, i, all) =>
        i < all.length - 16 ? b : (all.length - i) % 8 === 1 ? 0x7f : 0xff,
      ),
      withHeader({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4),
      withHeader({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, 4),
      withHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, 4),
      withHeader(
        {
          a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
          b: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
        },
        4,
      ),
      // Nested 100,000 deep: the parser must not recurse into a stack overflow.
      withHeader(`{"__metadata__":{"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`, 0),
      withHeader(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`, 0),
    ];
    for (const bytes of cases) {
      expect(hostileRead(() => decodeSafetensors(bytes), [SafetensorsError])).toBeInstanceOf(SafetensorsError);
      const path = join(dir, 'hostile.safetensors');
      writeFileSync(path, bytes);
      expect(hostileRead(() => load(path), [SafetensorsError])).toBeInstanceOf(SafetensorsError);
    }
  });

  it('random bytes and random overwrites of a valid file', () => {
    gc();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, plausible) => {
        if (plausible && bytes.length >= 8)
          new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(
            0,
            BigInt(bytes[0]! % Math.max(1, bytes.length - 7)),
            true,
          );
        hostileRead(() => decodeSafetensors(bytes), [SafetensorsError]);
      }),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        (edits) => {
          const bytes = valid.slice();
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          hostileRead(() => decodeSafetensors(bytes), [SafetensorsError]);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Training checkpoints: metadata that is hostile but carries a correct checksum

/** CRC-32 as zlib computes it: an independent oracle for the checkpoint's checksum. */
function crc32(chunks: Uint8Array[]): string {
  let c = 0xffffffff;
  for (const bytes of chunks) {
    for (const byte of bytes) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
  }
  return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}

/** The checkpoint's checksum: every tensor (name, dtype, shape, bytes) in name order, then the JSON. */
function checkpointCrc(tensors: TensorMap, json: string): string {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const name of Object.keys(tensors).sort()) {
    const t = tensors[name]!;
    chunks.push(enc.encode(`${name}\0${t.dtype}\0[${t.shape.join(', ')}]\0`));
    const a = t.toTypedArray();
    chunks.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  chunks.push(enc.encode(json));
  return crc32(chunks);
}

describe('training checkpoint metadata', () => {
  function makeTargets(seed: number) {
    const g = new Generator(seed);
    const model = new Sequential(new Linear(3, 4, { generator: g }), new Linear(4, 2, { generator: g }));
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const scheduler = new StepLR(optimizer, { stepSize: 2 });
    return { model, optimizer, scheduler, generators: { g: new Generator(seed + 1) } };
  }
  const source = makeTargets(1);
  for (const p of source.model.parameters()) p.grad = randn(p.shape, { generator: new Generator(9) });
  source.optimizer.step();
  const { tensors, metadata } = captureTrainingState({ ...source, epoch: 1, step: 1, extra: { note: 'ok' } });
  const json = metadata['torchlet.training']!;

  it('the stored checksum is zlib CRC-32 over the tensors and the JSON', () => {
    expect(metadata['torchlet.training.crc32']).toBe(checkpointCrc(tensors, json));
  });

  const paths = [
    'format',
    'version',
    'epoch',
    'step',
    'model',
    'model.0',
    'optimizer',
    'optimizer.type',
    'optimizer.paramGroups',
    'optimizer.paramGroups.0',
    'optimizer.paramGroups.0.lr',
    'optimizer.paramGroups.0.params',
    'optimizer.paramGroups.0.betas',
    'optimizer.state',
    'optimizer.state.0',
    'optimizer.state.0.step',
    'optimizer.state.0.expAvg',
    'optimizer.state.0.expAvg.tensor',
    'scheduler',
    'scheduler.type',
    'scheduler.state',
    'scheduler.state.lastEpoch',
    'scheduler.state.baseLrs',
    'generators',
    'generators.g',
    'generators.g.prng',
    'generators.g.prng.X',
    'generators.g.prng.i',
    'generators.g.seed',
    'generators.g.spareNormal',
    'extra',
  ];
  const deep = JSON.parse('['.repeat(3000) + ']'.repeat(3000)) as unknown;
  const REMOVE = Symbol('remove');
  const badValues: unknown[] = [
    null,
    -1,
    1.5,
    'x',
    '',
    [],
    {},
    1e300,
    true,
    [1, 2, 3],
    { tensor: 'model.0.weight' },
    { tensor: 'missing' },
    deep,
    new Array(5000).fill(0),
    2 ** 53,
  ];

  it('every field replaced by every hostile value, or removed (with a valid checksum): a typed error with the targets untouched, or a clean load', () => {
    gc();
    const snapshot = (t: ReturnType<typeof makeTargets>) =>
      JSON.stringify(
        [t.model.stateDict(), t.optimizer.stateDict(), t.scheduler.stateDict(), t.generators.g.getState()],
        (_k, v) => (v instanceof Tensor ? Array.from(v.data) : v),
      );
    let rejected = 0;
    for (const path of paths) {
      for (const bad of [...badValues, REMOVE]) {
        const body = JSON.parse(json) as Record<string, unknown>;
        const keys = path.split('.');
        let at = body as Record<string, unknown>;
        for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
        if (bad === REMOVE) delete at[keys.at(-1)!];
        else at[keys.at(-1)!] = bad;
        const hostile = JSON.stringify(body);
        const meta: SafetensorsMetadata = {
          'torchlet.training': hostile,
          'torchlet.training.crc32': checkpointCrc(tensors, hostile),
        };
        const targets = makeTargets(2);
        const before = snapshot(targets);
        const got = hostileRead(
          () => restoreTrainingState(tensors, meta, targets),
          [CheckpointError, StateDictError, TypeError, RangeError, ShapeError],
        );
        if (got instanceof Error) {
          rejected += 1;
          expect(snapshot(targets), `${path} = ${String(bad).slice(0, 20)}: ${got.message}`).toBe(before);
          expect(got.message, path).toMatch(/^[A-Za-z.]+: /);
        }
      }
    }
    // Most replacements break the checkpoint; a few (an lr of 1e300, any extra) are still valid.
    expect(rejected).toBeGreaterThan(paths.length * badValues.length * 0.7);
  });

  it('hostile checkpoint files on disk: truncated or bit-flipped, never loaded', () => {
    const bytes = encodeSafetensors(tensors, metadata);
    const path = join(dir, 'train.safetensors');
    for (let bit = 0; bit < bytes.length * 8; bit += 37) {
      writeFileSync(path, flipBit(bytes, bit));
      const targets = makeTargets(3);
      const got = hostileRead(() => loadTrainingCheckpoint(path, targets), [SafetensorsError, CheckpointError]);
      expect(got).toBeInstanceOf(Error);
    }
    for (const cut of [0, 7, 8, 100, bytes.length - 1]) {
      writeFileSync(path, bytes.subarray(0, cut));
      expect(
        hostileRead(() => loadTrainingCheckpoint(path, makeTargets(4)), [SafetensorsError, CheckpointError]),
      ).toBeInstanceOf(Error);
    }
    writeFileSync(path, bytes);
    expect(loadTrainingCheckpoint(path, makeTargets(5))).toEqual({ epoch: 1, step: 1, extra: { note: 'ok' } });
  });
});
