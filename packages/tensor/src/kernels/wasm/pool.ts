/** The fused relu → max-pool epilogue's backward on the WebAssembly runtime, a sample per task. */
import type { PoolBackwardTask } from '../conv/tasks.js';
import { KIND, POOL_BACKWARD, PRODUCT } from './slots.js';
import { align, type WasmRuntime } from './runtime.js';

/**
 * The backward of `maxPool2x2(relu(y))` (convBatch's `reluMaxPool` epilogue), a sample per task: y's
 * gradient is `0 + gradPooled` at each window's maximum where the pooled value is > 0, and +0
 * everywhere else, the bits the JS max-pool backward and relu backward give one after the other.
 * `gradY` is written in place when resident (the conv backward then reads it without a copy).
 * @returns false when nothing ran (no room): take another path
 */
export function maxPoolReluBackward(rt: WasmRuntime, call: PoolBackwardTask): boolean {
  const { channels, h, w, windowRows, count, gradPooled, pooled, indices, gradY } = call;
  if (count <= 0) return true;
  if (!(gradPooled instanceof Float32Array && pooled instanceof Float32Array && gradY instanceof Float32Array)) {
    return false;
  }
  const pooledSize = count * channels * Math.floor(h / windowRows) * (w >> 1);
  const ySize = count * channels * h * w;
  const yResident = rt.has(gradY);
  let end = rt.operands;
  const gAt = end;
  end = align(end + pooledSize * 4, 64);
  const pooledAt = end;
  end = align(end + pooledSize * 4, 64);
  const indicesAt = end;
  end = align(end + pooledSize * 4, 64);
  const yAt = yResident ? gradY.byteOffset : end;
  if (!yResident) end = align(end + ySize * 4, 64);
  if (!rt.reserve(end)) return false;
  const f32 = rt.f32;
  const i32 = rt.i32;
  f32.set(gradPooled.subarray(0, pooledSize), gAt >> 2);
  f32.set(pooled.subarray(0, pooledSize), pooledAt >> 2);
  i32.set(indices.subarray(0, pooledSize), indicesAt >> 2);
  const p = rt.params >> 2;
  i32[p + PRODUCT.kind] = KIND.poolBackward;
  i32[p + POOL_BACKWARD.gradPooled] = gAt;
  i32[p + POOL_BACKWARD.pooled] = pooledAt;
  i32[p + POOL_BACKWARD.indices] = indicesAt;
  i32[p + POOL_BACKWARD.gradY] = yAt;
  i32[p + POOL_BACKWARD.channels] = channels;
  i32[p + POOL_BACKWARD.h] = h;
  i32[p + POOL_BACKWARD.w] = w;
  i32[p + POOL_BACKWARD.windowRows] = windowRows;
  // A memory-bound pass: worth the workers only when there is a fair amount of it.
  rt.runTasks(count, ySize >= 1 << 16);
  if (!yResident) gradY.set(f32.subarray(yAt >> 2, (yAt >> 2) + ySize));
  return true;
}
