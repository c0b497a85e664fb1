import { sameShape, type Shape } from '@torchlet/tensor';
import type { Variable } from '../variable.js';
import { reshape } from './movement.js';
import { sum } from './reduce.js';

/**
 * `sumToShape` in differentiable ops, for differentiable backwards: sums a broadcast gradient back to
 * `shape` (the leading axes broadcasting added, and the size-1 axes it stretched).
 */
export function sumToShapeGraph(g: Variable, shape: Shape): Variable {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  shape.forEach((d, i) => {
    if (d === 1 && g.shape[lead + i] !== 1) axes.push(lead + i);
  });
  return reshape(sum(g, axes, true), shape);
}
