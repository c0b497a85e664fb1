import { ShapeError, tensor, zeros } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { groupNorm, instanceNorm, layerNorm } from '../../../src/nn/functional/norm.js';
import { BatchNorm3d, GroupNorm, InstanceNorm1d, InstanceNorm2d, LayerNorm } from '../../../src/nn/modules/norm.js';

describe('normalisation: worked examples', () => {
  it('layerNorm gives each row mean 0 and biased variance 1/(1 + eps)', () => {
    const y = layerNorm(
      tensor(
        [
          [1, 2, 3, 4],
          [10, 10, 10, 14],
        ],
        { dtype: 'float64' },
      ),
      4,
      { eps: 0 },
    ).data;
    const rows = y.toArray() as number[][];
    for (const row of rows) {
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
      expect(row.reduce((a, b) => a + b * b, 0) / 4).toBeCloseTo(1, 12);
    }
  });
  it('groupNorm with one channel per group is instanceNorm', () => {
    const x = tensor(
      [
        [
          [1, 3, 8],
          [2, 2, 5],
        ],
      ],
      { dtype: 'float64' },
    );
    expect(groupNorm(x, 2).data.toArray()).toEqual(instanceNorm(x).data.toArray());
  });
  it('instanceNorm moves running statistics towards the average unbiased instance variance', () => {
    const runningMean = zeros([1], { dtype: 'float64' });
    const runningVar = tensor([1], { dtype: 'float64' });
    // instances [0, 2] (mean 1, unbiased var 2) and [4, 4, ...] → [4, 8] (mean 6, var 8)
    instanceNorm(tensor([[[0, 2]], [[4, 8]]], { dtype: 'float64' }), { runningMean, runningVar, momentum: 0.5 });
    expect(runningMean.toArray()).toEqual([0.5 * 3.5]);
    expect(runningVar.toArray()).toEqual([0.5 * 1 + 0.5 * 5]);
  });
});

describe('normalisation errors name the op and the argument', () => {
  it('layerNorm', () => {
    expect(() => layerNorm(zeros([2, 3]), [4])).toThrow(ShapeError);
    expect(() => layerNorm(zeros([2, 3]), [4])).toThrow(
      /layerNorm: input \[2, 3\] does not end in normalizedShape \[4\]/,
    );
    expect(() => layerNorm(zeros([2, 3]), 3, { weight: zeros([2]) })).toThrow(
      /layerNorm: weight must be \[3\], got \[2\]/,
    );
    expect(() => layerNorm(zeros([2, 3]), [-1])).toThrow(/normalizedShape must be a non-negative integer/);
    expect(() => layerNorm(zeros([2, 3]), 3, { eps: -1 })).toThrow(
      /layerNorm: eps must be a finite number >= 0, got eps=-1/,
    );
    expect(() => layerNorm(zeros([3]), [2, 3])).toThrow(/input must be \[\.\.\., 2, 3\], got \[3\]/);
    expect(() => layerNorm(zeros([2, 3]), 3, { bias: zeros([3], { dtype: 'float64' }) })).toThrow(
      /input is float32 but bias is float64/,
    );
  });
  it('groupNorm', () => {
    expect(() => groupNorm(zeros([2, 6, 3]), 4)).toThrow(ShapeError);
    expect(() => groupNorm(zeros([2, 6, 3]), 4)).toThrow(
      /groupNorm: input has 6 channels, not divisible by numGroups=4/,
    );
    expect(() => groupNorm(zeros([2, 6, 3]), 0)).toThrow(/numGroups must be a positive integer, got number 0/);
    expect(() => groupNorm(zeros([6]), 1)).toThrow(/groupNorm: input must be \[N, C, \.\.\.\], got \[6\]/);
  });
  it('instanceNorm', () => {
    expect(() => instanceNorm(zeros([2, 3]))).toThrow(
      /instanceNorm: input must be \[N, C, \.\.\.spatial\], got \[2, 3\]/,
    );
    expect(() => instanceNorm(zeros([2, 3, 1]))).toThrow(/needs more than 1 spatial value, got input \[2, 3, 1\]/);
    expect(() => instanceNorm(zeros([2, 3, 4]), { useInputStats: false })).toThrow(
      /runningMean and runningVar are required when useInputStats is false/,
    );
    expect(() => instanceNorm(zeros([2, 3, 4]), { runningMean: zeros([3]) })).toThrow(/both be given or both be null/);
    expect(() => instanceNorm(zeros([2, 3, 4]), { runningMean: zeros([2]), runningVar: zeros([2]) })).toThrow(
      /instanceNorm: runningMean must be \[3\], got \[2\]/,
    );
    expect(() => instanceNorm(zeros([2, 3, 4]), { momentum: 2 })).toThrow(
      /momentum must be in \[0, 1\], got momentum=2/,
    );
  });
});

describe('normalisation modules', () => {
  it('defaults as PyTorch: LayerNorm and GroupNorm affine, InstanceNorm neither affine nor tracking', () => {
    expect(Object.keys(new LayerNorm([2, 3]).stateDict())).toEqual(['weight', 'bias']);
    expect(new LayerNorm([2, 3]).weight!.shape).toEqual([2, 3]);
    // An empty normalised axis, as torch.nn.LayerNorm([3, 0]): empty parameters, an empty output.
    const empty = new LayerNorm([3, 0], { dtype: 'float64' });
    expect(empty.weight!.shape).toEqual([3, 0]);
    expect(empty.forward(zeros([2, 3, 0], { dtype: 'float64' })).shape).toEqual([2, 3, 0]);
    expect(Object.keys(new LayerNorm(4, { elementwiseAffine: false }).stateDict())).toEqual([]);
    expect(Object.keys(new GroupNorm(2, 4).stateDict())).toEqual(['weight', 'bias']);
    expect(Object.keys(new InstanceNorm2d(3).stateDict())).toEqual([]);
    // The order too: checkpoints and the PyTorch interop read the keys in it.
    const keys = (m: { stateDict(): object }) => Object.keys(m.stateDict()).join(' ');
    const all = 'weight bias running_mean running_var num_batches_tracked';
    expect(keys(new InstanceNorm2d(3, { affine: true, trackRunningStats: true }))).toBe(all);
    expect(keys(new InstanceNorm2d(3, { trackRunningStats: true }))).toBe(
      'running_mean running_var num_batches_tracked',
    );
    expect(keys(new BatchNorm3d(3, { affine: false }))).toBe('running_mean running_var num_batches_tracked');
    expect(keys(new BatchNorm3d(2))).toBe(all);
    expect(new LayerNorm(4).toString()).toBe('LayerNorm([4], eps=0.00001)');
    expect(new GroupNorm(2, 4, { affine: false }).toString()).toBe('GroupNorm(2, 4, eps=0.00001, affine=false)');
  });
  it('InstanceNorm reads [C, L] as one unbatched sample; eval without running stats uses the input', () => {
    const m = new InstanceNorm1d(2);
    const x = tensor([
      [1, 2, 3],
      [0, 0, 6],
    ]);
    expect(m.forward(x).shape).toEqual([2, 3]);
    m.eval();
    const batched = instanceNorm(
      tensor([
        [
          [1, 2, 3],
          [0, 0, 6],
        ],
      ]),
    ).data.toArray() as number[][][];
    expect(m.forward(x).data.toArray()).toEqual(batched[0]);
  });
  it('module errors', () => {
    expect(() => new GroupNorm(4, 6)).toThrow(/GroupNorm: numChannels \(6\) must be divisible by numGroups \(4\)/);
    expect(() => new GroupNorm(2, 4).forward(zeros([1, 6, 2]))).toThrow(/GroupNorm: input has 6 channels/);
    expect(() => new InstanceNorm2d(3).forward(zeros([2, 4, 2, 2]))).toThrow(
      /InstanceNorm2d: input has 4 channels \(axis 1 of \[2, 4, 2, 2\]\) but numFeatures is 3/,
    );
    expect(() => new InstanceNorm2d(3).forward(zeros([2, 3]))).toThrow(/expected 3-D \(unbatched\) or 4-D input/);
    expect(() => new BatchNorm3d(3).forward(zeros([2, 3, 4, 4]))).toThrow(/BatchNorm3d: expected 5-D input/);
    expect(() => new LayerNorm(3, { eps: Number.NaN })).toThrow(/LayerNorm: eps must be a finite number >= 0/);
    expect(() => new InstanceNorm1d(3, { affine: 1 as never })).toThrow(/InstanceNorm1d: affine must be a boolean/);
  });
});
