// One Adam update (AssemblyScript), a slice per task, with the bits of the JS loop.

import { ADAM_BETA1, ADAM_BETA2, ADAM_BIAS2_SQRT, ADAM_CHUNK, ADAM_COUNT, ADAM_EPS, ADAM_GRAD, ADAM_M, ADAM_PARAM, ADAM_SIGN, ADAM_STEP_SIZE, ADAM_V } from './slots.as';

/**
 * Task `t` of an Adam update (kind 5), elements [t·chunk, (t+1)·chunk) of one float32 parameter: slots
 * 17 param, 18 grad, 19 m, 20 v (addresses), 21 count, 22 chunk; f64 at bytes 96 sign, 104 beta1, 112
 * beta2, 120 stepSize, 128 √(1 − beta2^step), 136 eps. The operations, in float64 and in the same order,
 * are the JS loop's (`plainAdam` in @torchlet/layers), with the moments rounded to float32 when
 * stored and read back: IEEE arithmetic and sqrt are exact, so the bits are the same.
 */
export function adamTask(params: usize, t: i32): void {
  const param = load<usize>(params, ADAM_PARAM), grad = load<usize>(params, ADAM_GRAD);
  const m = load<usize>(params, ADAM_M), v = load<usize>(params, ADAM_V);
  const count = load<i32>(params, ADAM_COUNT), chunk = load<i32>(params, ADAM_CHUNK);
  const sign = load<f64>(params, ADAM_SIGN), beta1 = load<f64>(params, ADAM_BETA1), beta2 = load<f64>(params, ADAM_BETA2);
  const stepSize = load<f64>(params, ADAM_STEP_SIZE), bias2Sqrt = load<f64>(params, ADAM_BIAS2_SQRT), eps = load<f64>(params, ADAM_EPS);
  const first = t * chunk;
  const last = min(first + chunk, count);
  for (let i = first; i < last; i++) {
    const o = <usize>i << 2;
    const g = sign * <f64>load<f32>(grad + o);
    const mi = <f32>(beta1 * <f64>load<f32>(m + o) + (1 - beta1) * g);
    const vi = <f32>(beta2 * <f64>load<f32>(v + o) + (1 - beta2) * g * g);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const w = <f64>load<f32>(param + o);
    store<f32>(param + o, <f32>(w - stepSize * (<f64>mi / (Math.sqrt(<f64>vi) / bias2Sqrt + eps))));
  }
}
