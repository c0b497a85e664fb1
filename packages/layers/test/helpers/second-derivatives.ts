import { add, grad, mul, sum, type Variable } from '@torchlet/autograd';
import { expectClose, fromFixture, type FixtureTensor } from './fixtures.js';

/**
 * PyTorch's second derivatives of one case (fixtures/generate/second_derivatives.py): for params P,
 * fixed r and v, L = the output if it is a scalar, else Σ r·y²; hvp = ∂/∂P Σ⟨∂L/∂Pᵢ, vᵢ⟩ and
 * ggn = ∂/∂P |∂L/∂P₀|².
 */
export interface Derivatives {
  name: string;
  r: FixtureTensor;
  v: FixtureTensor[];
  hvp: FixtureTensor[];
  ggn: FixtureTensor[];
}

/** Asserts `f`'s Hessian-vector product and gradient-norm gradient at `params` match the case (float64). */
export function expectSecondDerivatives(c: Derivatives, f: (...p: Variable[]) => Variable, params: Variable[]): void {
  const y = f(...params);
  const loss = y.ndim === 0 ? y : sum(mul(fromFixture(c.r), mul(y, y)));
  const grads = grad(loss, params, { createGraph: true }) as Variable[];
  const inner = grads.map((g, i) => sum(mul(g, fromFixture(c.v[i]!)))).reduce((a, b) => add(a, b));
  // A gradient that is constant in the params (L1's sign) records no graph: its derivatives are 0.
  const hvp = inner.requiresGrad ? grad(inner, params, { retainGraph: true, allowUnused: true }) : [];
  const norm = sum(mul(grads[0]!, grads[0]!));
  const ggn = norm.requiresGrad ? grad(norm, params, { allowUnused: true }) : [];
  params.forEach((p, i) => {
    expectClose(hvp[i]?.data ?? mul(p, 0).data, c.hvp[i]!, 1e-8, 1e-10, `hvp[${i}]`);
    expectClose(ggn[i]?.data ?? mul(p, 0).data, c.ggn[i]!, 1e-8, 1e-10, `ggn[${i}]`);
  });
}
