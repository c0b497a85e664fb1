import * as T from '@torchlet/tensor';
import type { Generator, Shape, Tensor } from '@torchlet/tensor';
import { Variable } from '@torchlet/autograd';

/** A float64 leaf that requires grad. */
export function leaf(t: Tensor): Variable {
  return new Variable(T.cast(t, 'float64'), { requiresGrad: true });
}

/** Standard normal float64 leaf. */
export function randnLeaf(shape: Shape, g: Generator): Variable {
  return leaf(T.randn(shape, { dtype: 'float64', generator: g }));
}

/**
 * Values with |v| in [lo, hi) and a random sign: keeps finite differences away from kinks
 * (relu, abs at 0) and singularities (division by ~0).
 */
export function awayFromZero(shape: Shape, g: Generator, lo = 0.3, hi = 2): Tensor {
  const magnitude = T.uniform(shape, lo, hi, { dtype: 'float64', generator: g });
  const sign = T.sub(T.mul(T.lt(T.rand(shape, { dtype: 'float64', generator: g }), 0.5), 2), 1);
  return T.mul(magnitude, sign);
}

/** Moves every element within `gap` of one of `points` by 3·gap, so no finite difference straddles a kink. */
export function avoid(t: Tensor, points: readonly number[], gap = 1e-3): Tensor {
  const out = T.clone(t);
  const d = out.data;
  for (let i = 0; i < d.length; i++) {
    for (const p of points) if (Math.abs(d[i]! - p) < gap) d[i] = p + 3 * gap;
  }
  return out;
}

/** Throws, naming the element, unless every |actual − expected| ≤ atol + rtol·|expected|. */
export function expectClose(actual: Tensor, expected: Tensor, rtol = 1e-12, atol = 1e-12): void {
  if (!T.sameShape(actual.shape, expected.shape)) {
    throw new Error(`shape ${T.formatShape(actual.shape)} vs expected ${T.formatShape(expected.shape)}`);
  }
  const a = T.contiguousData(actual);
  const b = T.contiguousData(expected);
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i]! - b[i]!) <= atol + rtol * Math.abs(b[i]!))) {
      throw new Error(`element ${i}: ${a[i]} vs expected ${b[i]} (rtol ${rtol}, atol ${atol})`);
    }
  }
}
