import * as T from '@torchlet/tensor';
import type { Shape, Tensor } from '@torchlet/tensor';
import { defineOp, type ForwardContext } from '../function.js';
import { sumToShape } from '../sum-to-shape.js';
import type { Variable } from '../variable.js';
import { sumToShapeGraph } from './sum-to-shape-graph.js';
import { log } from './unary.js';
import { where } from './where.js';

/** A tensor operand or a plain number (a constant that never needs a gradient). */
type Operand = Tensor | number;

// Anything else than a Tensor or a number is left to the tensor op, whose TypeError names the operand.
const shapeOf = (x: Operand): Shape => (x instanceof T.Tensor ? x.shape : []);

/** The operands' shapes, to sum a broadcast gradient back to each. */
interface OperandShapes {
  aShape: Shape;
  bShape: Shape;
}

/** `a + b` with numpy broadcasting. `a`, `b`: broadcastable shapes (or numbers) → the broadcast shape. */
export const add = defineOp({
  name: 'add',
  forward(ctx: ForwardContext<OperandShapes>, a: Operand, b: Operand): Tensor {
    ctx.save({ aShape: shapeOf(a), bShape: shapeOf(b) });
    return T.add(a, b);
  },
  backward(ctx, gradOutput: Tensor): [Tensor | null, Tensor | null] {
    const { aShape, bShape } = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? sumToShape(gradOutput, aShape) : null,
      ctx.needsInputGrad[1] ? sumToShape(gradOutput, bShape) : null,
    ];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    const { aShape, bShape } = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? sumToShapeGraph(gradOutput, aShape) : null,
      ctx.needsInputGrad[1] ? sumToShapeGraph(gradOutput, bShape) : null,
    ];
  },
});

/** `a − b` with broadcasting. Its own backward rather than `add(a, neg(b))`: one pass instead of two in every loss. */
export const sub = defineOp({
  name: 'sub',
  forward(ctx: ForwardContext<OperandShapes>, a: Operand, b: Operand): Tensor {
    ctx.save({ aShape: shapeOf(a), bShape: shapeOf(b) });
    return T.sub(a, b);
  },
  backward(ctx, gradOutput: Tensor): [Tensor | null, Tensor | null] {
    const { aShape, bShape } = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? sumToShape(gradOutput, aShape) : null,
      ctx.needsInputGrad[1] ? sumToShape(T.neg(gradOutput), bShape) : null,
    ];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    const { aShape, bShape } = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? sumToShapeGraph(gradOutput, aShape) : null,
      ctx.needsInputGrad[1] ? sumToShapeGraph(neg(gradOutput), bShape) : null,
    ];
  },
});

/** `a · b` elementwise with broadcasting. */
export const mul = defineOp({
  name: 'mul',
  forward(
    ctx: ForwardContext<OperandShapes & { a: Operand | null; b: Operand | null }>,
    a: Operand,
    b: Operand,
  ): Tensor {
    // Each gradient needs only the other operand; keep just what will be used.
    ctx.save({
      a: ctx.needsInputGrad[1] ? a : null,
      b: ctx.needsInputGrad[0] ? b : null,
      aShape: shapeOf(a),
      bShape: shapeOf(b),
    });
    return T.mul(a, b);
  },
  backward(ctx, gradOutput: Tensor): [Tensor | null, Tensor | null] {
    const { a, b, aShape, bShape } = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? sumToShape(T.mul(gradOutput, b!), aShape) : null,
      ctx.needsInputGrad[1] ? sumToShape(T.mul(gradOutput, a!), bShape) : null,
    ];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    const { aShape, bShape } = ctx.saved;
    const [a, b] = ctx.inputs;
    return [
      ctx.needsInputGrad[0] ? sumToShapeGraph(mul(gradOutput, b), aShape) : null,
      ctx.needsInputGrad[1] ? sumToShapeGraph(mul(gradOutput, a), bShape) : null,
    ];
  },
});

/** `a / b` elementwise with broadcasting (true division). */
export const div = defineOp({
  name: 'div',
  forward(ctx: ForwardContext<OperandShapes & { a: Operand | null; b: Operand }>, a: Operand, b: Operand): Tensor {
    ctx.save({ a: ctx.needsInputGrad[1] ? a : null, b, aShape: shapeOf(a), bShape: shapeOf(b) });
    return T.div(a, b);
  },
  backward(ctx, gradOutput: Tensor): [Tensor | null, Tensor | null] {
    const { a, b, aShape, bShape } = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? sumToShape(T.div(gradOutput, b), aShape) : null,
      // d(a/b)/db = −a / b²
      ctx.needsInputGrad[1] ? sumToShape(T.neg(T.div(T.mul(gradOutput, a!), T.mul(b, b))), bShape) : null,
    ];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    const { aShape, bShape } = ctx.saved;
    const [a, b] = ctx.inputs;
    return [
      ctx.needsInputGrad[0] ? sumToShapeGraph(div(gradOutput, b), aShape) : null,
      ctx.needsInputGrad[1] ? sumToShapeGraph(neg(div(mul(gradOutput, a), mul(b, b))), bShape) : null,
    ];
  },
});

/** `−x`. `x`: any shape → same shape. */
export const neg = defineOp({
  name: 'neg',
  forward(_ctx, x: Tensor): Tensor {
    return T.neg(x);
  },
  backward(_ctx, gradOutput: Tensor): [Tensor] {
    return [T.neg(gradOutput)];
  },
  differentiableBackward(_ctx, gradOutput): (Variable | null)[] {
    return [neg(gradOutput)];
  },
});

interface PowSaved {
  base: Operand;
  exponent: Operand;
  /** The output, kept only when the exponent needs a gradient (xⁿ·log x). */
  y: Tensor | null;
  baseShape: Shape;
  exponentShape: Shape;
}

/**
 * `base ** exponent` elementwise with broadcasting; either may be a number.
 * Gradients follow PyTorch at the singular points: none flows to `base` where `exponent = 0`,
 * and none to `exponent` where `base = 0` and `exponent ≥ 0` (where `log(base)` is −∞ but the
 * power is flat or one-sided).
 */
export const pow = defineOp({
  name: 'pow',
  forward(ctx: ForwardContext<PowSaved>, base: Operand, exponent: Operand): Tensor {
    const y = T.pow(base, exponent);
    ctx.save({
      base,
      exponent,
      y: ctx.needsInputGrad[1] ? y : null,
      baseShape: shapeOf(base),
      exponentShape: shapeOf(exponent),
    });
    return y;
  },
  backward(ctx, gradOutput: Tensor): [Tensor | null, Tensor | null] {
    const { base, exponent, y, baseShape, exponentShape } = ctx.saved;
    let gradBase: Tensor | null = null;
    let gradExponent: Tensor | null = null;
    if (ctx.needsInputGrad[0]) {
      // d/dx xⁿ = n·xⁿ⁻¹
      const slope =
        typeof exponent === 'number'
          ? exponent === 0
            ? T.zerosLike(base as Tensor)
            : T.mul(exponent, T.pow(base, exponent - 1))
          : T.where(T.eq(exponent, 0), 0, T.mul(exponent, T.pow(base, T.sub(exponent, 1))));
      gradBase = sumToShape(T.mul(gradOutput, slope), baseShape);
    }
    if (ctx.needsInputGrad[1]) {
      // d/dn xⁿ = xⁿ·log x
      const flat = T.mul(T.eq(base, 0), T.ge(exponent, 0));
      const logBase = typeof base === 'number' ? Math.log(base) : T.log(base);
      const slope = T.where(flat, 0, T.mul(y!, logBase));
      gradExponent = sumToShape(T.mul(gradOutput, slope), exponentShape);
    }
    return [gradBase, gradExponent];
  },
  differentiableBackward(ctx, gradOutput): (Variable | null)[] {
    const { baseShape, exponentShape } = ctx.saved;
    const [base, exponent] = ctx.inputs;
    const [y] = ctx.outputs;
    let gradBase: Variable | null = null;
    let gradExponent: Variable | null = null;
    if (ctx.needsInputGrad[0]) {
      const slope =
        typeof exponent === 'number'
          ? exponent === 0
            ? mul(base, 0)
            : mul(exponent, pow(base, exponent - 1))
          : where(T.eq(exponent.data, 0), 0, mul(exponent, pow(base, sub(exponent, 1))));
      gradBase = sumToShapeGraph(mul(gradOutput, slope), baseShape);
    }
    if (ctx.needsInputGrad[1]) {
      const baseData = typeof base === 'number' ? base : base.data;
      const flat = T.mul(T.eq(baseData, 0), T.ge(typeof exponent === 'number' ? exponent : exponent.data, 0));
      const logBase = typeof base === 'number' ? Math.log(base) : log(base);
      gradExponent = sumToShapeGraph(mul(gradOutput, where(flat, 0, mul(y!, logBase))), exponentShape);
    }
    return [gradBase, gradExponent];
  },
});
