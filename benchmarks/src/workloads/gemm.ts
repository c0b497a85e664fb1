import { Tensor, contiguousData, matmul } from '@torchlet/tensor';
import type * as TF from '@tensorflow/tfjs-core';
import { seededNormal } from '../data.js';
import type { Prepared, Workload } from './workload.js';

/** `C [m, n] = A [m, k] · B [k, n]`, float32, both operands row-major and untransposed. */
export function gemmWorkload(m: number, k: number, n: number): Workload {
  const name = m === k && k === n ? `gemm ${m}³` : `gemm ${m}×${k}×${n} (m×k×n)`;
  let inputs: { a: Float32Array; b: Float32Array } | null = null;
  const data = () => (inputs ??= { a: seededNormal([m, k], 101), b: seededNormal([k, n], 102) });
  return {
    name,
    scalableBatch: null,
    flops: () => 2 * m * k * n,
    images: null,
    pytorch: { kind: 'gemm', m, k, n },
    torchlet(): Prepared {
      const { a, b } = data();
      const ta = new Tensor(a, [m, k]);
      const tb = new Tensor(b, [k, n]);
      let c: Tensor | null = null;
      return {
        run: () => {
          c = matmul(ta, tb);
        },
        outputs: () => [contiguousData(c!) as Float32Array],
        dispose: () => {
          c = null;
        },
      };
    },
    tfjs(tf): Prepared {
      const { a, b } = data();
      const ta = tf.tensor2d(a, [m, k]);
      const tb = tf.tensor2d(b, [k, n]);
      let c: TF.Tensor | null = null;
      return {
        run: () => {
          c?.dispose();
          c = tf.matMul(ta, tb);
          c.dataSync();
        },
        outputs: () => [c!.dataSync() as Float32Array],
        dispose: () => tf.dispose([ta, tb, ...(c ? [c] : [])]),
      };
    },
  };
}
