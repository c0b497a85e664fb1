import { defineOp, grad, relu, type ForwardContext, type Variable } from '@torchlet/autograd';
import {
  convForwardInto,
  getBackend,
  takeColumns,
  Tensor,
  type ConvPlan,
  uninitializedArrayFor,
  outputLength,
  type FloatArray,
  floatData,
} from '@torchlet/tensor';
import type { ConvOptions, TensorInput } from './conv-options.js';
import {
  convGradients,
  type ConvSaved,
  convOp,
  keepConvColumns,
  planConvCall,
  prepareConv,
  type ConvCall,
} from './conv.js';
import { makePlan, maxPool1d, maxPool2d, poolAxis, windowMax, windowMax2x2 } from './pool.js';

/*
 * Conv2d → ReLU → MaxPool2d(2) is the block most small CNNs are built from (LeNet-5 is two of them;
 * Conv1d → ReLU → MaxPool1d(2) is its 1-D twin).
 * Run as three ops, the conv output leaves the WebAssembly memory, relu copies it, the pool reads it
 * again, and backward makes two more arrays that size, all in single-threaded JS: at LeNet-5's batch
 * of 64 that was about a third of a training step. As one op, the relu and the pooling run inside the
 * conv's wasm tasks, on each sample right after its GEMM (in cache, on every thread), only the pooled
 * quarter comes out, and backward rebuilds the conv output's gradient in wasm memory where the conv's
 * backward reads it. relu and max commute with nothing in between, so the result is the same bits.
 */

/**
 * `maxPool2d(relu(conv2d(input, weight, bias, options)), 2)` as one op: the same values and gradients,
 * bit for bit, faster under the WebAssembly backend (float32, batched input), where the three run
 * fused; elsewhere (the JS backend, float64, an unbatched input) it runs the three ops. `Sequential`
 * runs its Conv2d → ReLU → MaxPool2d(2) blocks through this.
 *
 * @param input  `[N, Cin, H, W]` or unbatched `[Cin, H, W]`
 * @param weight `[Cout, Cin / groups, kH, kW]`
 * @param bias   `[Cout]` or null
 * @param options as `conv2d`
 * @returns `[N, Cout, ⌊Hout/2⌋, ⌊Wout/2⌋]`, `Hout`, `Wout` the conv's output size
 * @throws as `conv2d`, and as `maxPool2d` when the conv output is smaller than 2×2
 * @example conv2dReluMaxPool2d(randn([8, 1, 28, 28]), randn([6, 1, 5, 5]), null, { padding: 2 }).shape // [8, 6, 14, 14]
 */
export function conv2dReluMaxPool2d(
  input: TensorInput,
  weight: TensorInput,
  bias?: TensorInput | null,
  options: ConvOptions = {},
): Variable {
  const { x, call } = prepareConv('conv2d', 2, input, weight, bias, options);
  if (fusible(2, x, weight, bias ?? null, call)) return convReluMaxPoolOp(x, weight, bias ?? null, call);
  return maxPool2d(relu(convOp(x, weight, bias ?? null, call)), 2);
}

/**
 * `maxPool1d(relu(conv1d(input, weight, bias, options)), 2)` as one op, as `conv2dReluMaxPool2d`: the
 * same bits, fused under the WebAssembly backend (float32, batched input); `Sequential` runs its
 * Conv1d → ReLU → MaxPool1d(2) blocks through this.
 *
 * @param input  `[N, Cin, L]` or unbatched `[Cin, L]`
 * @param weight `[Cout, Cin / groups, k]`
 * @param bias   `[Cout]` or null
 * @param options as `conv1d`
 * @returns `[N, Cout, ⌊Lout/2⌋]`, `Lout` the conv's output length
 * @throws as `conv1d`, and as `maxPool1d` when the conv output is shorter than 2
 * @example conv1dReluMaxPool1d(randn([8, 1, 64]), randn([4, 1, 7]), null, { padding: 3 }).shape // [8, 4, 32]
 */
export function conv1dReluMaxPool1d(
  input: TensorInput,
  weight: TensorInput,
  bias?: TensorInput | null,
  options: ConvOptions = {},
): Variable {
  const { x, call } = prepareConv('conv1d', 1, input, weight, bias, options);
  if (fusible(1, x, weight, bias ?? null, call)) return convReluMaxPoolOp(x, weight, bias ?? null, call);
  return maxPool1d(relu(convOp(x, weight, bias ?? null, call)), 2);
}

/**
 * Whether the fused op runs: a backend with the `convReluMaxPool` capability, float32, a batched
 * input, a conv output of at least 2 on every axis.
 */
function fusible(dims: number, x: TensorInput, weight: TensorInput, bias: TensorInput | null, call: ConvCall): boolean {
  if (getBackend().convReluMaxPool === undefined || x.ndim !== dims + 2) return false;
  if (x.dtype !== 'float32' || weight.dtype !== 'float32' || (bias !== null && bias.dtype !== 'float32')) return false;
  const kernel = weight.shape.slice(2);
  return x.shape
    .slice(2)
    .every(
      (size, i) =>
        outputLength(size, kernel[i]!, call.stride[i]!, call.padBefore[i]!, call.padAfter[i]!, call.dilation[i]!) >= 2,
    );
}

/** `relu` on the bits, as the relu op: every negative value (and -0) becomes +0. */
function reluInPlace(y: Float32Array): void {
  const bits = new Int32Array(y.buffer, y.byteOffset, y.length);
  for (let i = 0; i < bits.length; i++) bits[i] = bits[i]! & ~(bits[i]! >> 31);
}

/**
 * `y: [N, C, ...outputSize]` → `maxPool(relu(y), 2)` with indices over 2×2 windows (2-D) or pairs
 * (1-D), by the JS kernels (when the wasm memory has no room).
 */
export function reluMaxPoolJs(y: Float32Array, plan: ConvPlan, pooled: Float32Array, indices: Int32Array): void {
  const size = plan.geom.outputSize;
  const dims = size.length;
  reluInPlace(y);
  const poolPlan = makePlan(
    [plan.batch, plan.cOut, ...size],
    dims,
    size.map((l) => poolAxis(l, l >> 1, 2, 2, 0, 1)),
  );
  if (dims === 2) windowMax2x2(y, poolPlan, pooled, indices);
  else windowMax(y, poolPlan, pooled, indices);
}

/**
 * The gradient of y `[planes, h, w]` from the pooled output's (windows of `windowRows`×2): `0 + g` at
 * each window's maximum where the pooled value is > 0, +0 elsewhere (what max pooling's backward onto
 * zeros and then relu's give), by JS loops.
 */
export function maxPoolReluBackwardJs(
  g: Float32Array,
  pooled: Float32Array,
  indices: Int32Array,
  planes: number,
  h: number,
  w: number,
  windowRows: 1 | 2,
  gy: Float32Array,
): void {
  gy.fill(0);
  const pooledBits = new Int32Array(pooled.buffer, pooled.byteOffset, pooled.length);
  const perPlane = Math.floor(h / windowRows) * (w >> 1);
  for (let plane = 0, o = 0; plane < planes; plane++) {
    const base = plane * h * w;
    for (let q = 0; q < perPlane; q++, o++) if (pooledBits[o]! > 0) gy[base + indices[o]!] = 0 + g[o]!;
  }
}

/**
 * The conv output as `[h, w]` per channel (a 1-D conv's h is 1), and the pooling windows' rows: 2
 * (2×2) for a 2-D conv, 1 (1×2) for a 1-D one.
 */
function pooledGeometry(plan: ConvPlan): { h: number; w: number; windowRows: 1 | 2 } {
  const size = plan.geom.outputSize;
  const windowRows = size.length === 2 ? 2 : 1;
  return { h: windowRows === 2 ? size[0]! : 1, w: size[size.length - 1]!, windowRows };
}

/**
 * The fused op of both; inputs validated and padded by `conv1dReluMaxPool1d` / `conv2dReluMaxPool2d`,
 * float32 and batched. A 1-D conv runs as a 2-D one of height 1, its windows 1×2.
 */
const convReluMaxPoolOp = defineOp({
  name: 'convReluMaxPool',
  forward(
    ctx: ForwardContext<ConvSaved & { pooled: Float32Array; indices: Int32Array }>,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | null,
    call: ConvCall,
  ): Tensor {
    const { plan } = planConvCall(input, weight, call);
    const { batch, cOut } = plan;
    const { h, w, windowRows } = pooledGeometry(plan);
    const pooledSize = plan.geom.outputSize.map((l) => l >> 1);
    const perSample = cOut * Math.floor(h / windowRows) * (w >> 1);
    // Both are written whole, by the backend or by the JS fallback.
    const pooled = uninitializedArrayFor('float32', batch * perSample) as Float32Array;
    const indices = uninitializedArrayFor('int32', batch * perSample) as Int32Array;
    const keep = keepConvColumns(ctx, input, plan) as Float32Array | null;
    // The conv output only lives until it is pooled: a pooled (resident) buffer, reused every step.
    const y = takeColumns('float32', batch * cOut * plan.outPositions);
    const yData = y.columns as Float32Array;
    const x = floatData(input) as Float32Array;
    const wData = floatData(weight) as Float32Array;
    const biasData = bias ? (floatData(bias) as Float32Array) : null;
    const kernels = getBackend().convReluMaxPool;
    const done = kernels?.forward({ plan, x, w: wData, bias: biasData, y: yData, keep, pooled, indices }) ?? 0;
    if (done < batch) {
      // No room in the backend's memory (or columns outside it): the same bits from the generic kernels.
      convForwardInto(x, wData, plan, yData, false, keep, biasData);
      reluMaxPoolJs(yData, plan, pooled, indices);
    }
    y.give();
    ctx.save({ input, weight, plan, columns: keep, pooled, indices });
    return new Tensor(pooled, [batch, cOut, ...pooledSize]);
  },
  backward(ctx, gradPooled: Tensor): (Tensor | null)[] {
    const { plan, pooled, indices } = ctx.saved;
    const { h, w, windowRows } = pooledGeometry(plan);
    const g = floatData(gradPooled) as Float32Array;
    const gy = takeColumns('float32', plan.batch * plan.cOut * h * w);
    const gyData = gy.columns as Float32Array;
    const ran =
      getBackend().convReluMaxPool?.backward({ plan, gradPooled: g, pooled, indices, gradY: gyData }) ?? false;
    if (!ran) maxPoolReluBackwardJs(g, pooled, indices, plan.batch * plan.cOut, h, w, windowRows, gyData);
    const grads = convGradients(ctx, gyData as FloatArray);
    gy.give();
    return [...grads, null];
  },
  differentiableBackward(ctx, gradPooled): (Variable | null)[] {
    // Under createGraph the block is differentiated as the chain it fuses (the same bits forward),
    // each link with its own differentiable backward.
    const [input, weight, bias, call] = ctx.inputs;
    const y = relu(convOp(input, weight, bias, call));
    const pooled = ctx.saved.plan.geom.outputSize.length === 2 ? maxPool2d(y, 2) : maxPool1d(y, 2);
    const wanted = [input, weight, bias].filter((v, i): v is Variable => v !== null && ctx.needsInputGrad[i] === true);
    const grads = grad(pooled, wanted, { gradOutputs: gradPooled, createGraph: true });
    return [input, weight, bias, null].map((v) =>
      v !== null && wanted.includes(v) ? grads[wanted.indexOf(v)]! : null,
    );
  },
});
