import { randn, tensor, type Variable } from '@torchlet/autograd';
import * as T from '@torchlet/tensor';
import { getGemm, setGemm, ShapeError, type Gemm } from '@torchlet/tensor';
import { afterEach, describe, expect, it } from 'vitest';
import { conv1d, conv2d, conv3d, convOutputSize, normalizeConvOptions } from '../../../src/nn/functional/index.js';
import { referenceConv } from '../../helpers/reference-conv.js';

const f64 = { dtype: 'float64' } as const;

describe('conv2d worked example: 5×5×3 input, two 3×3×3 filters, bias, stride 2, padding 1', () => {
  // Channels of the input, one 5×5 plane each.
  const x = tensor(
    [
      [
        [0, 1, 2, 0, 1],
        [1, 0, 0, 2, 2],
        [2, 1, 0, 1, 0],
        [0, 2, 1, 1, 2],
        [1, 0, 2, 0, 1],
      ],
      [
        [2, 0, 1, 1, 0],
        [0, 1, 2, 0, 1],
        [1, 1, 0, 2, 0],
        [2, 0, 0, 1, 1],
        [0, 2, 1, 0, 2],
      ],
      [
        [1, 1, 0, 2, 1],
        [2, 0, 1, 0, 0],
        [0, 2, 1, 1, 2],
        [1, 0, 2, 0, 1],
        [2, 1, 0, 1, 0],
      ],
    ],
    f64,
  );
  const w = tensor(
    [
      [
        [
          [1, 0, -1],
          [0, 1, 0],
          [-1, 0, 1],
        ],
        [
          [0, 1, 0],
          [1, -1, 1],
          [0, 1, 0],
        ],
        [
          [-1, -1, 0],
          [0, 0, 1],
          [1, 0, 0],
        ],
      ],
      [
        [
          [0, 0, 1],
          [1, 0, 0],
          [0, 1, -1],
        ],
        [
          [1, 1, 1],
          [0, 0, 0],
          [-1, -1, -1],
        ],
        [
          [0, -1, 0],
          [-1, 1, -1],
          [0, -1, 0],
        ],
      ],
    ],
    f64,
  );
  const b = tensor([1, 0], f64);

  it('gives a 3×3×2 output with the hand-computed values', () => {
    const y = conv2d(x, w, b, { stride: 2, padding: 1 });
    expect(y.shape).toEqual([2, 3, 3]);
    // out[0, 0, 0]: the window sits on the padded corner, so only taps (1..2, 1..2) see the input:
    //   channel 0: 1·0 + 0·1 + 0·1 + 1·0 = 0; channel 1: −1·2 + 1·0 + 1·0 + 0·1 = −2;
    //   channel 2: 0·1 + 1·1 + 0·2 + 0·0 = 1; plus bias 1 → 0.
    // out[0, 1, 1]: the full window on x[:, 1:4, 1:4]: channel sums −3, 5, 0, plus bias 1 → 3.
    expect(y.data.get(0, 0, 0)).toBe(0);
    expect(y.data.get(0, 1, 1)).toBe(3);
    expect(y.toArray()).toEqual([
      [
        [0, 9, 2],
        [7, 3, 6],
        [4, 4, 1],
      ],
      [
        [-2, -8, 0],
        [-8, 0, 2],
        [4, -2, 0],
      ],
    ]);
  });

  it('agrees with the direct-loop reference', () => {
    const y = conv2d(T.unsqueeze(x.data, 0), w, b, { stride: 2, padding: 1 });
    const ref = referenceConv(T.unsqueeze(x.data, 0), w.data, b.data, {
      stride: [2, 2],
      padBefore: [1, 1],
      padAfter: [1, 1],
      dilation: [1, 1],
      groups: 1,
    });
    expect(y.toArray()).toEqual(ref.toArray());
  });
});

describe('conv: behaviour', () => {
  it('unbatched input [C, ...] equals a batch of one without the batch axis, forward and backward', () => {
    const g = new T.Generator(3);
    const x = randn([2, 5, 6], { ...f64, generator: g, requiresGrad: true });
    const xb = T.unsqueeze(x.data, 0);
    const w = randn([3, 2, 3, 2], { ...f64, generator: g, requiresGrad: true });
    const y = conv2d(x, w, null, { padding: [1, 0] });
    const yb = conv2d(xb, w.data, null, { padding: [1, 0] });
    expect(y.shape).toEqual([3, 5, 5]);
    expect(y.toArray()).toEqual((yb.toArray() as number[][])[0]);
    y.backward(T.onesLike(y.data));
    expect(x.grad!.shape).toEqual([2, 5, 6]);
  });

  it('reads non-contiguous input (a permuted view) correctly', () => {
    const g = new T.Generator(4);
    const base = T.randn([1, 6, 5, 2], { ...f64, generator: g });
    const x = T.permute(base, [0, 3, 2, 1]); // [1, 2, 5, 6], not contiguous
    const w = T.randn([2, 2, 3, 3], { ...f64, generator: g });
    const want = conv2d(T.contiguous(x), w, null, { padding: 1 });
    expect(conv2d(x, w, null, { padding: 1 }).toArray()).toEqual(want.toArray());
  });

  it("paddingMode 'reflect' equals reflect-padding first, then an unpadded conv", () => {
    const g = new T.Generator(5);
    const x = T.randn([1, 2, 4, 5], { ...f64, generator: g });
    const w = T.randn([3, 2, 3, 3], { ...f64, generator: g });
    const padded = T.pad(
      x,
      [
        [2, 2],
        [1, 1],
      ],
      { mode: 'reflect' },
    );
    const want = conv2d(padded, w, null);
    expect(conv2d(x, w, null, { padding: [2, 1], paddingMode: 'reflect' }).toArray()).toEqual(want.toArray());
  });

  it("padding: 'same' with an even kernel pads the extra element at the end (k=4, dilation 3 → 4 before, 5 after)", () => {
    expect(normalizeConvOptions('conv1d', [4], { padding: 'same', dilation: 3 })).toMatchObject({
      padBefore: [4],
      padAfter: [5],
    });
    const x = tensor([[[1, 2, 3, 4, 5, 6]]], f64);
    const w = tensor([[[1, 0, 0, 0]]], f64); // picks x at offset −4 of the output position
    expect(conv1d(x, w, null, { padding: 'same', dilation: 3 }).toArray()).toEqual([[[0, 0, 0, 0, 1, 2]]]);
    expect(conv1d(x, w, null, { padding: 'valid' }).shape).toEqual([1, 1, 3]);
  });

  it('groups = Cin is a depthwise convolution: each channel sees only its own filter', () => {
    const x = tensor(
      [
        [
          [1, 2, 3],
          [10, 20, 30],
        ],
      ],
      f64,
    );
    const w = tensor([[[1, 1]], [[0, 2]]], f64);
    expect(conv1d(x, w, null, { groups: 2 }).toArray()).toEqual([
      [
        [3, 5],
        [40, 60],
      ],
    ]);
  });

  it('conv3d runs on [N, C, D, H, W] and gives Cout × convOutputSize per axis', () => {
    const g = new T.Generator(6);
    const y = conv3d(T.randn([2, 2, 4, 5, 6], { generator: g }), T.randn([3, 2, 2, 3, 3], { generator: g }), null, {
      stride: [1, 2, 3],
      padding: 1,
    });
    expect(y.shape).toEqual([2, 3, ...convOutputSize([4, 5, 6], [2, 3, 3], { stride: [1, 2, 3], padding: 1 })]);
    expect(y.dtype).toBe('float32');
  });

  it('convOutputSize is the public size formula floor((I + 2P − D·(K−1) − 1)/S) + 1', () => {
    expect(convOutputSize(28, 5)).toBe(24);
    expect(convOutputSize(7, 3, { stride: 2, padding: 1 })).toBe(4);
    expect(convOutputSize(10, 3, { dilation: 2 })).toBe(6);
  });
});

describe('conv over Cin = 0 channels: the empty sum', () => {
  it('gives [N, Cout, ...out] of the bias (zeros without), and bias gradient = Σ gradOutput', () => {
    const x = randn([2, 0, 4, 4], { ...f64, requiresGrad: true });
    const w = randn([3, 0, 3, 3], { ...f64, requiresGrad: true });
    const b = tensor([1, -2, 0.5], { ...f64, requiresGrad: true });
    const y = conv2d(x, w, b, { padding: 1 });
    expect(y.shape).toEqual([2, 3, 4, 4]);
    expect(Array.from(y.data.toTypedArray().subarray(0, 17))).toEqual([...new Array<number>(16).fill(1), -2]);
    y.backward(T.ones([2, 3, 4, 4], f64));
    expect(b.grad!.toArray()).toEqual([32, 32, 32]);
    expect(x.grad!.shape).toEqual([2, 0, 4, 4]);
    expect(w.grad!.shape).toEqual([3, 0, 3, 3]);
    expect(conv1d(T.zeros([0, 5]), T.zeros([2, 0, 2])).shape).toEqual([2, 4]);
    expect(conv3d(T.zeros([1, 0, 3, 3, 3]), T.zeros([2, 0, 2, 2, 2])).toArray()).toEqual(
      T.zeros([1, 2, 2, 2, 2]).toArray(),
    );
  });
});

describe('conv: backward does only the work asked for', () => {
  let restore: Gemm | null = null;
  afterEach(() => {
    if (restore) setGemm(restore);
    restore = null;
  });

  /** Counts GEMM calls by transposition pattern: NN (forward), TN (input grad), NT (weight grad). */
  function countingGemm(): Record<string, number> {
    const counts: Record<string, number> = { NN: 0, TN: 0, NT: 0 };
    const inner = getGemm();
    restore = setGemm({
      name: 'counting',
      gemm(transA, transB, ...rest) {
        counts[`${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`]!++;
        inner.gemm(transA, transB, ...rest);
      },
    });
    return counts;
  }

  it('input without requiresGrad: no input-gradient GEMM, but the weight gradient is computed', () => {
    const g = new T.Generator(7);
    const x = randn([2, 3, 5, 5], { ...f64, generator: g });
    const w = randn([4, 3, 3, 3], { ...f64, generator: g, requiresGrad: true });
    const counts = countingGemm();
    const y = conv2d(x, w, null, { padding: 1 });
    expect(counts.NN).toBe(2); // one GEMM per sample
    y.backward(T.onesLike(y.data));
    expect(counts.TN).toBe(0);
    expect(counts.NT).toBe(2);
    expect(x.grad).toBeNull();
    expect(w.grad!.shape).toEqual([4, 3, 3, 3]);
  });

  it('weight without requiresGrad: no weight-gradient GEMM', () => {
    const g = new T.Generator(8);
    const x = randn([2, 3, 5, 5], { ...f64, generator: g, requiresGrad: true });
    const w: Variable = randn([4, 3, 3, 3], { ...f64, generator: g });
    const counts = countingGemm();
    const y = conv2d(x, w, null, { padding: 1, groups: 1 });
    y.backward(T.onesLike(y.data));
    expect(counts.TN).toBe(2);
    expect(counts.NT).toBe(0);
  });

  it('the weight gradient reads the columns the forward kept; pooled columns are rewritten every step', () => {
    const g = new T.Generator(11);
    const w = randn([3, 2, 3, 3], { ...f64, generator: g, requiresGrad: true });
    const geom = T.convGeometry('conv2d', { channels: 2, inputSize: [5, 6], kernelSize: 3, padding: 1 });
    for (let step = 0; step < 3; step++) {
      const x = T.randn([2, 2, 5, 6], { ...f64, generator: g });
      w.grad = null;
      const y = conv2d(x, w, null, { padding: 1 });
      const gy = T.randn(y.shape, { ...f64, generator: g });
      // Twice through the retained graph: the kept columns must survive the first backward.
      y.backward(gy, { retainGraph: true });
      y.backward(gy);
      // gW = Σn gy[n] · im2col(x[n])ᵀ, from the tensor package's own im2col.
      const cols = T.im2col(x, geom); // [2, 18, 30]
      let want = T.zeros([3, 18], f64);
      for (let n = 0; n < 2; n++) {
        const gyN = T.reshape(T.narrow(gy, 0, n, 1), [3, 30]);
        want = T.add(want, T.matmul(gyN, T.transpose(T.reshape(T.narrow(cols, 0, n, 1), [18, 30]), 0, 1)));
      }
      expect(T.allClose(w.grad!, T.reshape(T.mul(want, 2), [3, 2, 3, 3]), 1e-12, 1e-12)).toBe(true);
    }
  });

  it('the bias gradient is the sum of gradOutput over batch and positions', () => {
    const x = randn([2, 1, 3, 3], { ...f64, generator: new T.Generator(9) });
    const b = tensor([0.5, -1], { ...f64, requiresGrad: true });
    const y = conv2d(x, T.ones([2, 1, 2, 2], f64), b);
    y.backward(T.onesLike(y.data));
    expect(b.grad!.toArray()).toEqual([8, 8]); // 2 samples × 2×2 positions
  });
});

describe('conv: errors name the op, the argument and the numbers', () => {
  const x = T.zeros([1, 3, 4, 4]);
  const w = T.zeros([2, 3, 3, 3]);

  it('kernel larger than the padded input', () => {
    const call = () => conv2d(x, T.zeros([2, 3, 5, 5]), null);
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('conv2d: input [1, 3, 4, 4] padded to 4x4 is smaller than the dilated kernel 5x5');
    expect(() => conv2d(x, w, null, { dilation: 2 })).toThrow(
      'conv2d: input [1, 3, 4, 4] padded to 4x4 is smaller than the dilated kernel 5x5',
    );
  });

  it('an output or im2col matrix past MAX_ELEMENTS is a RangeError naming padding/stride and the count, not an engine error', () => {
    const call = () => conv2d(randn([2, 3, 8, 8]), randn([4, 3, 3, 3]), null, { padding: 32768 });
    expect(call).toThrow(RangeError);
    expect(call).toThrow(
      'conv2d: the output [2, 4, 65542, 65542] of input [2, 3, 8, 8] with padding=32768, stride=1, dilation=1 holds 34366030112 elements, more than the 2147483647 a tensor can hold',
    );
    expect(() => conv1d(randn([1, 1, 4]), randn([1, 1, 3]), null, { padding: 2 ** 53 })).toThrow(
      /^conv1d: the output \[1, 1, 18014398509481984\] of input \[1, 1, 4\] with padding=9007199254740992/,
    );
    // One output channel, but Cin·kH·kW × positions columns: 3·9 × 46339² > 2^31 − 1.
    expect(() => conv2d(randn([1, 3, 1, 1]), randn([1, 3, 3, 3]), null, { padding: 23170 })).toThrow(
      /^conv2d: one sample's im2col columns \(27 × 2147302921 positions, input \[1, 3, 1, 1\] with padding=23170/,
    );
  });

  it('an empty spatial axis (nothing to convolve, so the output would be empty)', () => {
    const call = () => conv2d(T.zeros([1, 3, 0, 4]), w, null, { padding: 2 });
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('conv2d: input [1, 3, 0, 4] has an empty spatial axis');
  });

  it('groups not dividing the input channels', () => {
    const call = () => conv2d(T.zeros([1, 6, 4, 4]), T.zeros([4, 1, 3, 3]), null, { groups: 4 });
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('conv2d: input channels (6) must be divisible by groups (4); input is [1, 6, 4, 4]');
  });

  it('groups not dividing the output channels', () => {
    const call = () => conv2d(T.zeros([1, 4, 4, 4]), T.zeros([6, 1, 3, 3]), null, { groups: 4 });
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('conv2d: weight [6, 1, 3, 3] has 6 output channels, not divisible by groups=4');
  });

  it('wrong input rank', () => {
    const call = () => conv2d(T.zeros([4, 4]), w, null);
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('conv2d: input must be 3-D (unbatched) or 4-D (batched), got [4, 4]');
  });

  it('wrong weight rank', () => {
    const call = () => conv1d(T.zeros([1, 3, 8]), w, null);
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('conv1d: weight must be 3-D [Cout, Cin / groups, k], got [2, 3, 3, 3]');
  });

  it('non-positive stride', () => {
    const call = () => conv2d(x, w, null, { stride: [2, 0] });
    expect(call).toThrow(RangeError);
    expect(call).toThrow('conv2d: stride must be positive, got stride=[2, 0]');
  });

  it('non-positive dilation', () => {
    expect(() => conv2d(x, w, null, { dilation: 0 })).toThrow(RangeError);
    expect(() => conv2d(x, w, null, { dilation: 0 })).toThrow('conv2d: dilation must be positive, got dilation=0');
  });

  it('negative padding', () => {
    const call = () => conv2d(x, w, null, { padding: -1 });
    expect(call).toThrow(RangeError);
    expect(call).toThrow('conv2d: padding must be >= 0, got padding=-1');
  });

  it("padding 'same' with a stride > 1", () => {
    const call = () => conv2d(x, w, null, { padding: 'same', stride: [2, 1] });
    expect(call).toThrow(RangeError);
    expect(call).toThrow("conv2d: padding='same' needs stride 1 on every axis, got stride=[2, 1]");
  });

  it('an unknown padding string or paddingMode', () => {
    // @ts-expect-error: not a padding
    expect(() => conv2d(x, w, null, { padding: 'full' })).toThrow(
      "conv2d: padding must be a number, a tuple, 'same' or 'valid', got padding='full'",
    );
    // @ts-expect-error: not a mode
    const call = () => conv2d(x, w, null, { paddingMode: 'mirror' });
    expect(call).toThrow(RangeError);
    expect(call).toThrow("conv2d: paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular', got 'mirror'");
  });

  it('a tuple of the wrong length or a fractional value', () => {
    const call = () => conv2d(x, w, null, { stride: [1, 1, 1] });
    expect(call).toThrow(TypeError);
    expect(call).toThrow('conv2d: stride must be an integer or 2 integers, got stride=[1, 1, 1]');
    expect(() => conv2d(x, w, null, { padding: 0.5 })).toThrow(
      'conv2d: padding must be an integer or 2 integers, got padding=0.5',
    );
  });

  it('groups that is not a positive integer', () => {
    expect(() => conv2d(x, w, null, { groups: 0 })).toThrow(RangeError);
    expect(() => conv2d(x, w, null, { groups: 0 })).toThrow('conv2d: groups must be positive, got groups=0');
    expect(() => conv2d(x, w, null, { groups: 1.5 })).toThrow(TypeError);
  });

  it('weight/input channel mismatch', () => {
    const call = () => conv2d(T.zeros([1, 4, 32, 32]), T.zeros([8, 3, 3, 3]), null);
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(
      'conv2d: input has 4 channels, but weight [8, 3, 3, 3] with groups=1 expects 3; input is [1, 4, 32, 32]',
    );
  });

  it('a bias that is not one value per output channel', () => {
    const call = () => conv2d(x, w, T.zeros([3]));
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('conv2d: bias must be [2] (one per output channel of weight [2, 3, 3, 3]), got [3]');
  });

  it('input and weight of different dtypes', () => {
    const call = () => conv2d(x, T.zeros([2, 3, 3, 3], f64), null);
    expect(call).toThrow(TypeError);
    expect(call).toThrow('conv2d: input is float32 but weight is float64; cast one of them so both match');
    expect(() => conv2d(x, w, T.zeros([2], f64))).toThrow('conv2d: input is float32 but bias is float64');
    expect(() => conv2d(T.zeros([1, 3, 4, 4], { dtype: 'int32' }), w, null)).toThrow(
      'conv2d: input must be float32 or float64, got int32 [1, 3, 4, 4]',
    );
  });

  it('reflect padding as large as the input, circular padding larger than it', () => {
    const small = T.zeros([1, 3, 2, 5]);
    const reflect = () => conv2d(small, w, null, { padding: 2, paddingMode: 'reflect' });
    expect(reflect).toThrow(RangeError);
    expect(reflect).toThrow(
      "conv2d: paddingMode='reflect' needs padding < input size on every axis; input [1, 3, 2, 5] with padding=2",
    );
    expect(() => conv2d(small, w, null, { padding: 2, paddingMode: 'circular' })).not.toThrow();
    const circular = () => conv2d(small, w, null, { padding: 3, paddingMode: 'circular' });
    expect(circular).toThrow(RangeError);
    expect(circular).toThrow(
      "conv2d: paddingMode='circular' needs padding <= input size on every axis; input [1, 3, 2, 5] with padding=3",
    );
  });

  it('a non-tensor argument', () => {
    // @ts-expect-error: not a tensor
    const call = () => conv2d([[1]], w, null);
    expect(call).toThrow(TypeError);
    expect(call).toThrow('conv2d: input must be a Tensor or Variable, got object');
  });
});
