import { Tensor } from '@torchlet/tensor';
import { convSizes, transposeSizes, type ReferenceConvOptions } from './reference-conv.js';

/** Every index tuple of `shape`, row-major. */
export function indexTuples(shape: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const d of shape) out = out.flatMap((prefix) => Array.from({ length: d }, (_, i) => [...prefix, i]));
  return out;
}

/** The row-major flat position of `index` in an array of `sizes`. */
const flat = (index: readonly number[], sizes: readonly number[]) => index.reduce((a, v, i) => a * sizes[i]! + v, 0);

/**
 * The sliding-window convolution over any number of spatial axes, straight from the definition (one
 * multiply-add per output, input channel and kernel tap, in float64): the oracle of convNd beyond 3-D.
 *
 * @param input  `[N, Cin, ...spatial]`
 * @param weight `[Cout, Cin / groups, ...k]`
 * @returns `[N, Cout, ...out]`, `out = floor((L + padBefore + padAfter − dilation·(k − 1) − 1) / stride) + 1`
 */
export function referenceConvNd(input: Tensor, weight: Tensor, bias: Tensor | null, o: ReferenceConvOptions): Tensor {
  const { x, w, b, n, cIn, spatial, cOut, cInG, kernel, outSpatial } = convSizes(input, weight, bias, o);
  const positions = indexTuples(outSpatial);
  const taps = indexTuples(kernel);
  const cOutG = cOut! / o.groups;
  const out: number[] = [];
  for (let s = 0; s < n!; s++) {
    for (let co = 0; co < cOut!; co++) {
      const g = Math.floor(co / cOutG);
      for (const pos of positions) {
        let acc = b ? b[co]! : 0;
        for (let ci = 0; ci < cInG!; ci++) {
          const c = g * cInG! + ci;
          for (const tap of taps) {
            const at = pos.map((p, i) => p * o.stride[i]! - o.padBefore[i]! + tap[i]! * o.dilation[i]!);
            if (at.some((v, i) => v < 0 || v >= spatial[i]!)) continue;
            acc +=
              x[(s * cIn! + c) * spatial.reduce((a, d) => a * d, 1) + flat(at, spatial)]! *
              w[(co * cInG! + ci) * taps.length + flat(tap, kernel)]!;
          }
        }
        out.push(acc);
      }
    }
  }
  return new Tensor(Float64Array.from(out), [n!, cOut!, ...outSpatial]);
}

/**
 * The transposed convolution over any number of spatial axes by its definition: every input element
 * scatters `x[n, ci, i]·w[ci, co, k]` onto output position `i·stride − padding + k·dilation` (float64).
 *
 * @param input  `[N, Cin, ...spatial]`
 * @param weight `[Cin, Cout / groups, ...k]`
 * @returns `[N, Cout, ...out]`, `out = (L − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1`
 */
export function referenceConvTransposeNd(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  o: { stride: number[]; padding: number[]; dilation: number[]; outputPadding: number[]; groups: number },
): Tensor {
  const { x, w, n, cIn, spatial, cOutG, kernel, cOut, cInG, outSpatial } = transposeSizes(input, weight, o);
  const outPlane = outSpatial.reduce((a, d) => a * d, 1);
  const inPlane = spatial.reduce((a, d) => a * d, 1);
  const out = new Float64Array(n! * cOut * outPlane);
  const b = bias ? bias.toTypedArray() : null;
  if (b)
    for (let s = 0; s < n!; s++)
      for (let co = 0; co < cOut; co++) out.fill(b[co]!, (s * cOut + co) * outPlane, (s * cOut + co + 1) * outPlane);
  const positions = indexTuples(spatial);
  const taps = indexTuples(kernel);
  for (let s = 0; s < n!; s++) {
    for (let ci = 0; ci < cIn!; ci++) {
      const g = Math.floor(ci / cInG);
      for (const pos of positions) {
        const v = x[(s * cIn! + ci) * inPlane + flat(pos, spatial)]!;
        for (let cog = 0; cog < cOutG!; cog++) {
          const co = g * cOutG! + cog;
          for (const tap of taps) {
            const at = pos.map((p, i) => p * o.stride[i]! - o.padding[i]! + tap[i]! * o.dilation[i]!);
            if (at.some((a, i) => a < 0 || a >= outSpatial[i]!)) continue;
            const j = (s * cOut + co) * outPlane + flat(at, outSpatial);
            out[j] = out[j]! + v * w[(ci * cOutG! + cog) * taps.length + flat(tap, kernel)]!;
          }
        }
      }
    }
  }
  return new Tensor(out, [n!, cOut, ...outSpatial]);
}
