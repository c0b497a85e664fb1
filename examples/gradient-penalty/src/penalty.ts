import { add, grad, mul, sum, Variable } from '@torchlet/autograd';
import { Conv2d, Flatten, functional as F, Linear, MaxPool2d, ReLU, Sequential, SGD } from '@torchlet/layers';
import { Generator, manualSeed, randn, Tensor, type DType } from '@torchlet/tensor';

/** A small CNN: `[N, 1, 8, 8]` → `[N, 2]`. */
export function smallCnn(dtype: DType = 'float32'): Sequential {
  const model = new Sequential(
    new Conv2d(1, 4, 3, { padding: 1, dtype }),
    new ReLU(),
    new MaxPool2d(2), // [N, 4, 4, 4]
    new Flatten(),
    new Linear(64, 2, { dtype }),
  );
  return model;
}

/** Synthetic images `[n, 1, 8, 8]`, labelled 1 when the left half is brighter than the right. */
export function makeData(n: number, generator: Generator, dtype: DType = 'float32'): { x: Tensor; y: Int32Array } {
  const x = randn([n, 1, 8, 8], { generator, dtype });
  const y = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    let left = 0;
    for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) left += (c < 4 ? 1 : -1) * x.data[s * 64 + r * 8 + c]!;
    y[s] = left > 0 ? 1 : 0;
  }
  return { x, y };
}

/**
 * One step of input-gradient regularisation: loss = CE + λ·(mean over samples of |∂CEₛ/∂xₛ|²), CEₛ a
 * sample's own loss (N times its share of the mean). The penalty is a function of a gradient, so its
 * own gradient (for the optimizer) is a second derivative.
 */
export function penalisedStep(model: Sequential, optimizer: SGD, x: Tensor, y: Int32Array, lambda: number) {
  const input = new Variable(x, { requiresGrad: true });
  const ce = F.crossEntropy(model.forward(input), new Tensor(y, [y.length]));
  const [gx] = grad(ce, [input], { createGraph: true });
  const n = y.length;
  const penalty = mul(sum(mul(gx!, gx!)), n);
  const loss = add(ce, mul(penalty, lambda));
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  return { ce: ce.item(), penalty: penalty.item() };
}

/** Trains for `steps` and returns the last step's cross-entropy and input-gradient penalty. */
export function train(lambda: number, steps: number, seed = 0, log?: (line: string) => void) {
  manualSeed(seed);
  const g = new Generator(seed);
  const model = smallCnn();
  const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const { x, y } = makeData(64, g);
  let last = { ce: NaN, penalty: NaN };
  for (let step = 0; step < steps; step++) {
    last = penalisedStep(model, optimizer, x, y, lambda);
    if (log && (step % 10 === 0 || step === steps - 1))
      log(`λ=${lambda} step ${step}: cross-entropy ${last.ce.toFixed(4)}, |∂CE/∂x|² ${last.penalty.toExponential(3)}`);
  }
  return last;
}

/**
 * A Hessian-vector product H·v of the loss in the parameters, by differentiating ⟨∇L, v⟩, beside
 * the central difference (∇L(θ + εv) − ∇L(θ − εv)) / 2ε that it should equal. float64.
 */
export function hessianVectorProduct(seed = 1): { hv: Float64Array; finiteDifference: Float64Array } {
  manualSeed(seed);
  const g = new Generator(seed);
  const model = smallCnn('float64');
  const params = model.parameters();
  const { x, y } = makeData(8, g, 'float64');
  const target = new Tensor(y, [y.length]);
  const v = params.map((p) => randn(p.shape, { generator: g, dtype: 'float64' }));
  const loss = () => F.crossEntropy(model.forward(x), target);
  const grads = grad(loss(), params, { createGraph: true }) as Variable[];
  const inner = grads.map((gp, i) => sum(mul(gp, v[i]!))).reduce((a, b) => add(a, b));
  const hv = flat(grad(inner, params).map((h) => h!.data));
  const eps = 1e-5;
  const gradAt = (sign: number): Float64Array => {
    const saved = params.map((p) => p.data);
    params.forEach(
      (p, i) =>
        (p.data = new Tensor(
          saved[i]!.data.map((w, k) => w + sign * eps * v[i]!.data[k]!),
          p.shape,
        )),
    );
    const out = flat(grad(loss(), params).map((h) => h!.data));
    params.forEach((p, i) => (p.data = saved[i]!));
    return out;
  };
  const plus = gradAt(1);
  const minus = gradAt(-1);
  return { hv, finiteDifference: plus.map((a, k) => (a - minus[k]!) / (2 * eps)) };
}

function flat(ts: Tensor[]): Float64Array {
  const out = new Float64Array(ts.reduce((n, t) => n + t.size, 0));
  let at = 0;
  for (const t of ts) {
    out.set(t.toTypedArray(), at);
    at += t.size;
  }
  return out;
}
