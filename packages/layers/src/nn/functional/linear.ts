import { defineOp, matmul, reshape, sum, transpose, type ForwardContext, type Variable } from '@torchlet/autograd';
import { contiguousData, formatShape, shapeError, Tensor, typeError, type Shape } from '@torchlet/tensor';
import { getGemm, type GemmArray } from '@torchlet/tensor/kernels';
import { checkInputWeightBias } from './check-tensors.js';

type TensorInput = Tensor | Variable;

function checkLinear(input: unknown, weight: unknown, bias: unknown): void {
  const op = 'linear';
  checkInputWeightBias(op, input, weight, bias);
  const x = input as TensorInput;
  const w = weight as TensorInput;
  const b = bias as TensorInput | null | undefined;
  if (w.ndim !== 2) throw shapeError(op, `weight must be 2-D [outFeatures, inFeatures], got ${formatShape(w.shape)}`);
  if (x.ndim < 1)
    throw shapeError(op, `input must have at least 1 dimension [..., inFeatures], got ${formatShape(x.shape)}`);
  const inFeatures = x.shape[x.ndim - 1]!;
  if (inFeatures !== w.shape[1]) {
    throw shapeError(
      op,
      `input has ${inFeatures} features (last axis of ${formatShape(x.shape)}) but weight ${formatShape(w.shape)} expects ${w.shape[1]}`,
    );
  }
  if (b && (b.ndim !== 1 || b.shape[0] !== w.shape[0])) {
    throw shapeError(
      op,
      `bias must be [${w.shape[0]}] to match weight ${formatShape(w.shape)}, got ${formatShape(b.shape)}`,
    );
  }
  if (x.dtype === 'int32') throw typeError(op, `input must be float32 or float64, got int32 ${formatShape(x.shape)}`);
  if (w.dtype !== x.dtype)
    throw typeError(op, `input is ${x.dtype} but weight is ${w.dtype}; cast one of them so both match`);
  if (b && b.dtype !== x.dtype)
    throw typeError(op, `input is ${x.dtype} but bias is ${b.dtype}; cast one of them so both match`);
}

function floatArray(like: GemmArray, length: number): GemmArray {
  return like instanceof Float32Array ? new Float32Array(length) : new Float64Array(length);
}

/** What linear's backward reads: x for gradWeight, W for gradInput (each only if wanted), and the GEMM sizes. */
interface LinearSaved {
  input: Tensor | null;
  weight: Tensor | null;
  inputShape: Shape;
  rows: number;
  inF: number;
  outF: number;
}

/** One GEMM each way: forward `x·Wᵀ + b`, backward `g·W`, `gᵀ·x` and the column sums of g. */
const linearOp = defineOp({
  name: 'linear',
  forward(ctx: ForwardContext<LinearSaved>, input: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
    const [outF, inF] = weight.shape as [number, number];
    // From the shape, not size / inF: with inF = 0 there are still rows, each the bias (or 0).
    const rows = input.shape.slice(0, -1).reduce((a, d) => a * d, 1);
    const x = contiguousData(input) as GemmArray;
    const w = contiguousData(weight) as GemmArray;
    const y = floatArray(x, rows * outF);
    if (bias) {
      // The bias goes in first and the GEMM adds onto it (beta = 1): no second pass.
      const b = contiguousData(bias);
      for (let r = 0; r < rows; r++) y.set(b, r * outF);
    }
    if (rows > 0 && outF > 0 && inF > 0)
      getGemm().gemm(false, true, rows, outF, inF, 1, x, 0, inF, w, 0, inF, bias ? 1 : 0, y, 0, outF);
    // Keep only what backward will read: x for gradWeight, W for gradInput.
    ctx.save({
      input: ctx.needsInputGrad[1] ? input : null,
      weight: ctx.needsInputGrad[0] ? weight : null,
      inputShape: input.shape,
      rows,
      inF,
      outF,
    });
    return new Tensor(y, [...input.shape.slice(0, -1), outF]);
  },
  backward(ctx, gradOutput: Tensor): [Tensor | null, Tensor | null, Tensor | null] {
    const { input, weight, inputShape, rows, inF, outF } = ctx.saved;
    const g = contiguousData(gradOutput) as GemmArray;
    const { gemm } = getGemm();
    let gradInput: Tensor | null = null;
    let gradWeight: Tensor | null = null;
    let gradBias: Tensor | null = null;
    if (ctx.needsInputGrad[0]) {
      const gx = floatArray(g, rows * inF);
      if (rows > 0 && inF > 0 && outF > 0)
        gemm(false, false, rows, inF, outF, 1, g, 0, outF, contiguousData(weight!) as GemmArray, 0, inF, 0, gx, 0, inF);
      gradInput = new Tensor(gx, inputShape);
    }
    if (ctx.needsInputGrad[1]) {
      const gw = floatArray(g, outF * inF);
      if (rows > 0 && inF > 0 && outF > 0)
        gemm(true, false, outF, inF, rows, 1, g, 0, outF, contiguousData(input!) as GemmArray, 0, inF, 0, gw, 0, inF);
      gradWeight = new Tensor(gw, [outF, inF]);
    }
    if (ctx.needsInputGrad[2]) {
      // Summed in float64 whatever the dtype, so a large batch does not lose the small terms.
      const acc = new Float64Array(outF);
      for (let r = 0; r < rows; r++) {
        const at = r * outF;
        for (let o = 0; o < outF; o++) acc[o]! += g[at + o]!;
      }
      const gb = floatArray(g, outF);
      gb.set(acc);
      gradBias = new Tensor(gb, [outF]);
    }
    return [gradInput, gradWeight, gradBias];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    const { rows, inF, outF } = ctx.saved;
    const [input, weight] = ctx.inputs;
    const g = reshape(gradOutput, [rows, outF]);
    return [
      ctx.needsInputGrad[0] ? reshape(matmul(g, weight), input.shape) : null,
      ctx.needsInputGrad[1] ? matmul(transpose(g, 0, 1), reshape(input, [rows, inF])) : null,
      ctx.needsInputGrad[2] ? sum(g, 0) : null,
    ];
  },
});

/**
 * Affine map `y = x·Wᵀ + b`, as `torch.nn.functional.linear`; one GEMM forward, two backward.
 *
 * @param input  `[..., inFeatures]`
 * @param weight `[outFeatures, inFeatures]`
 * @param bias   `[outFeatures]` or null
 * @returns `[..., outFeatures]`
 * @throws ShapeError if the feature sizes disagree; TypeError for int32 or mixed dtypes
 * @example linear(randn([32, 784]), randn([10, 784]), zeros([10])).shape // [32, 10]
 */
export function linear(input: TensorInput, weight: TensorInput, bias: TensorInput | null = null): Variable {
  checkLinear(input, weight, bias);
  return linearOp(input, weight, bias ?? null);
}
