/** Adam on the WebAssembly runtime: float32 parameters, large ones in slices over the pool. */
import type { AdamStepCall, OptimizerKernels } from '../seam.js';
import { ADAM, KIND, PRODUCT } from './slots.js';
import { align, TASKS_PER_THREAD, type WasmRuntime } from './runtime.js';

// An Adam update of at least this many elements is split over the pool (a memory-bound pass).
const ADAM_PARALLEL_MIN = 1 << 14;
// Below this many elements copying into the wasm memory costs more than the JS loop saves.
const ADAM_MIN = 4096;

/**
 * One Adam update without weight decay or AMSGrad, as `@torchlet/layers`' JS loop computes it and
 * with the same bits (float64 arithmetic in the same order, moments rounded to float32 when stored):
 * `g = sign·grad; m = beta1·m + (1 − beta1)·g; v = beta2·v + (1 − beta2)·g·g;
 * param −= stepSize·m / (√v / bias2Sqrt + eps)`, large parameters split over the pool.
 * @returns false when nothing ran (no room): take the JS loop
 */
function adamStep(
  rt: WasmRuntime,
  call: AdamStepCall & { param: Float32Array; grad: Float32Array; m: Float32Array; v: Float32Array },
): boolean {
  const { param, paramOffset, grad, m, v } = call;
  const count = grad.length;
  if (count === 0) return true;
  const has = (array: Float32Array) => rt.has(array);
  const at: number[] = [];
  let end = rt.operands;
  const arrays = [param.subarray(paramOffset, paramOffset + count), grad, m, v];
  for (const array of arrays) {
    if (has(array)) {
      at.push(array.byteOffset);
    } else {
      at.push(end);
      end = align(end + count * 4, 64);
    }
  }
  if (!rt.reserve(end)) return false;
  const f32 = rt.f32;
  arrays.forEach((array, i) => {
    if (!has(array)) f32.set(array, at[i]! >> 2);
  });
  const p = rt.params >> 2;
  const i32 = rt.i32;
  const threads = rt.pool === null ? 1 : rt.pool.size;
  // Slices on 64-byte lines (16 floats), so two threads never write one cache line.
  const chunk = align(Math.ceil(count / (threads * TASKS_PER_THREAD)), 16);
  const tasks = Math.ceil(count / chunk);
  i32[p + PRODUCT.kind] = KIND.adam;
  // param, grad, m and v: four consecutive slots.
  for (let i = 0; i < 4; i++) i32[p + ADAM.param + i] = at[i]!;
  i32[p + ADAM.count] = count;
  i32[p + ADAM.chunk] = chunk;
  const f64 = rt.f64;
  // f64 slots: word slot s is f64 index s / 2.
  const q = rt.params >> 3;
  f64[q + ADAM.sign / 2] = call.sign;
  f64[q + ADAM.beta1 / 2] = call.beta1;
  f64[q + ADAM.beta2 / 2] = call.beta2;
  f64[q + ADAM.stepSize / 2] = call.stepSize;
  f64[q + ADAM.bias2Sqrt / 2] = call.bias2Sqrt;
  f64[q + ADAM.eps / 2] = call.eps;
  rt.runTasks(tasks, count >= ADAM_PARALLEL_MIN);
  // The parameter and the moments were written: back out, unless they live here.
  for (const i of [0, 2, 3]) {
    const array = arrays[i]!;
    if (!has(array)) array.set(f32.subarray(at[i]! >> 2, (at[i]! >> 2) + count));
  }
  return true;
}

/** The `optimizer` capability: Adam on float32 parameters of at least ADAM_MIN elements. */
export function adamKernels(rt: WasmRuntime): OptimizerKernels {
  return {
    adam: (call) => {
      const { param, grad, m, v } = call;
      if (grad.length < ADAM_MIN) return false;
      if (!(param instanceof Float32Array && grad instanceof Float32Array)) return false;
      if (!(m instanceof Float32Array && v instanceof Float32Array)) return false;
      return adamStep(rt, { ...call, param, grad, m, v });
    },
  };
}
