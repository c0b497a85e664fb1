import fc from 'fast-check';
import { randn } from '@torchlet/autograd';
import { Generator, ShapeError, tensor, zeros } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { interpolate, type InterpolateMode } from '../../../src/nn/functional/interpolate.js';
import { Upsample } from '../../../src/nn/modules/upsample.js';
import { arbSizeOrZero, gradcheckOrEmpty } from '../../helpers/zero-size.js';

describe('interpolate: worked examples', () => {
  it('nearest floors, linear blends, alignCorners maps the end pixels onto each other', () => {
    const x = tensor([[[0, 10, 20]]], { dtype: 'float64' });
    expect(interpolate(x, { size: 2 }).data.toArray()).toEqual([[[0, 10]]]);
    expect(interpolate(x, { size: 5, mode: 'linear', alignCorners: true }).data.toArray()).toEqual([
      [[0, 5, 10, 15, 20]],
    ]);
    expect(interpolate(x, { scaleFactor: 2, mode: 'linear' }).data.toArray()).toEqual([
      [[0, 2.5, 7.5, 12.5, 17.5, 20]],
    ]);
  });
  it('Upsample holds the options', () => {
    const m = new Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: false });
    expect(m.forward(zeros([1, 2, 3, 4])).shape).toEqual([1, 2, 6, 8]);
    expect(m.toString()).toBe("Upsample(scaleFactor=2, mode='bilinear', alignCorners=false)");
    expect(() => new Upsample({ mode: 'nearest' })).toThrow(/Upsample: give exactly one of size and scaleFactor/);
  });
});

describe('interpolate errors name the argument', () => {
  const x = zeros([1, 2, 4, 4]);
  it('options', () => {
    expect(() => interpolate(x, {})).toThrow(/interpolate: give exactly one of size and scaleFactor/);
    expect(() => interpolate(x, { size: 2, scaleFactor: 2 })).toThrow(/exactly one/);
    expect(() => interpolate(x, { size: 2, alignCorners: true })).toThrow(
      /interpolate: alignCorners can only be set with the linear modes, not 'nearest'/,
    );
    expect(() => interpolate(x, { size: 2, mode: 'cubic' as never })).toThrow(/mode must be 'nearest', 'linear'/);
    expect(() => interpolate(x, { size: [2, 2, 2] })).toThrow(
      /size must be an integer or 2 integers, got size=\[2, 2, 2\]/,
    );
    expect(() => interpolate(x, { size: [2, 0] })).toThrow(RangeError);
    expect(() => interpolate(x, { size: [2, 1.5] })).toThrow(
      /size must be an integer or 2 integers, got size=\[2, 1\.5\]/,
    );
    expect(() => interpolate(x, { scaleFactor: 0.1 })).toThrow(/makes an empty output from input \[1, 2, 4, 4\]/);
    expect(() => interpolate(x, { scaleFactor: Number.NaN })).toThrow(
      /interpolate: scaleFactor must be a finite number or 2 finite numbers, got scaleFactor=NaN/,
    );
    expect(() => interpolate(x, { scaleFactor: [2] })).toThrow(TypeError);
    expect(() => interpolate(x, { scaleFactor: [2, -1.5] })).toThrow(
      /interpolate: scaleFactor must be positive, got scaleFactor=\[2, -1\.5\]/,
    );
    expect(interpolate(x, { scaleFactor: [1.5, 2] }).shape).toEqual([1, 2, 6, 8]);
  });
  it('rank and mode', () => {
    expect(() => interpolate(x, { size: 2, mode: 'linear' })).toThrow(ShapeError);
    expect(() => interpolate(x, { size: 2, mode: 'linear' })).toThrow(
      /interpolate: mode 'linear' needs a 3-D input, got \[1, 2, 4, 4\]/,
    );
    expect(() => interpolate(zeros([2, 4]), { size: 2 })).toThrow(/input must be \[N, C, L\]/);
    expect(() => interpolate(tensor([[[1]]], { dtype: 'int32' }), { size: 2 })).toThrow(/got int32/);
  });
});

describe('interpolate gradients match central differences (float64)', () => {
  it('any mode, size or factor, alignCorners both ways, batch 0 too', () => {
    fc.assert(
      fc.property(
        arbSizeOrZero(),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 3, maxLength: 3 }),
        fc.boolean(),
        fc.boolean(),
        fc.option(fc.constantFrom(0.5, 1.5, 2, 2.3)),
        fc.integer(),
        (n, dims, inSize, outSize, linear, alignCorners, factor, seed) => {
          const mode = (linear ? ['linear', 'bilinear', 'trilinear'][dims - 1] : 'nearest') as InterpolateMode;
          const spatial = inSize.slice(0, dims).map((d) => (factor !== null ? d + 1 : d));
          const x = randn([n, 1, ...spatial], { dtype: 'float64', generator: new Generator(seed), requiresGrad: true });
          const sizeOrFactor = factor !== null ? { scaleFactor: factor } : { size: outSize.slice(0, dims) };
          const options = linear ? { ...sizeOrFactor, mode, alignCorners } : { ...sizeOrFactor, mode };
          const out = factor !== null ? spatial.map((d) => Math.floor(d * factor)) : outSize.slice(0, dims);
          expect(interpolate(x, options).shape).toEqual([n, 1, ...out]);
          gradcheckOrEmpty((x) => interpolate(x!, options), [x], { eps: 1e-6, atol: 1e-5, rtol: 1e-3 });
        },
      ),
      { numRuns: 40 },
    );
  });
});
