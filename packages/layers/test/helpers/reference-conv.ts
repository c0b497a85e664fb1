import { Tensor } from '@torchlet/tensor';
import { expect } from 'vitest';

/**
 * The "vanilla" sliding-window convolution: one multiply-add per (output, input channel, kernel
 * tap), straight from the definition, in float64. The im2col + GEMM path is checked against it.
 * 1-D and 2-D run as 3-D with unit leading spatial axes.
 */
export interface ReferenceConvOptions {
  stride: readonly number[];
  padBefore: readonly number[];
  padAfter: readonly number[];
  dilation: readonly number[];
  groups: number;
}

/** Spatial sizes `v` (1-3 of them) padded in front with `fill` to exactly 3. */
function as3(v: readonly number[], fill: number): [number, number, number] {
  const out = [fill, fill, fill];
  for (let i = 0; i < v.length; i++) out[3 - v.length + i] = v[i]!;
  return out as [number, number, number];
}

/** `floor((L + padBefore + padAfter − dilation·(k − 1) − 1) / stride) + 1` on every axis. */
export function referenceOutputSize(
  spatial: readonly number[],
  kernel: readonly number[],
  o: ReferenceConvOptions,
): number[] {
  return spatial.map(
    (l, i) =>
      Math.floor((l + o.padBefore[i]! + o.padAfter[i]! - o.dilation[i]! * (kernel[i]! - 1) - 1) / o.stride[i]!) + 1,
  );
}

/** Element by element within `tol` relative to `1 + |expected|`; the message names both values. */
export function expectAllClose(actual: Tensor, expected: Tensor, tol = 1e-10, what = 'im2col path'): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.toTypedArray();
  const b = expected.toTypedArray();
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!))))
      expect.fail(`element ${i}: ${what} ${a[i]}, direct loops ${b[i]}`);
  }
}

/** A convolution's operands as float64 data, and its sizes, for the reference loops. */
export function convSizes(input: Tensor, weight: Tensor, bias: Tensor | null, o: ReferenceConvOptions) {
  const [n, cIn, ...spatial] = input.shape as number[];
  const [cOut, cInG, ...kernel] = weight.shape as number[];
  return {
    x: input.toTypedArray(),
    w: weight.toTypedArray(),
    b: bias ? bias.toTypedArray() : null,
    n: n!,
    cIn: cIn!,
    spatial,
    cOut: cOut!,
    cInG: cInG!,
    kernel,
    outSpatial: referenceOutputSize(spatial, kernel, o),
  };
}

/**
 * @param input  `[N, Cin, ...spatial]`
 * @param weight `[Cout, Cin / groups, ...k]`
 * @param bias   `[Cout]` or null
 * @returns `[N, Cout, ...out]`, `out = floor((L + padBefore + padAfter − dilation·(k − 1) − 1) / stride) + 1`, float64
 */
export function referenceConv(input: Tensor, weight: Tensor, bias: Tensor | null, o: ReferenceConvOptions): Tensor {
  const { x, w, b, n, cIn, spatial, cOut, cInG, kernel, outSpatial } = convSizes(input, weight, bias, o);
  const [inD, inH, inW] = as3(spatial, 1);
  const [kD, kH, kW] = as3(kernel, 1);
  const [sD, sH, sW] = as3(o.stride, 1);
  const [pD, pH, pW] = as3(o.padBefore, 0);
  const [dD, dH, dW] = as3(o.dilation, 1);
  const [oD, oH, oW] = as3(outSpatial, 1);
  const cOutG = cOut! / o.groups;
  const out = new Float64Array(n! * cOut! * oD * oH * oW);
  let at = 0;
  for (let b0 = 0; b0 < n!; b0++) {
    for (let co = 0; co < cOut!; co++) {
      const g = Math.floor(co / cOutG);
      for (let od = 0; od < oD; od++) {
        for (let oh = 0; oh < oH; oh++) {
          for (let ow = 0; ow < oW; ow++) {
            let s = b ? b[co]! : 0;
            for (let ci = 0; ci < cInG!; ci++) {
              const c = g * cInG! + ci;
              for (let kd = 0; kd < kD; kd++) {
                const id = od * sD - pD + kd * dD;
                if (id < 0 || id >= inD) continue;
                for (let kh = 0; kh < kH; kh++) {
                  const ih = oh * sH - pH + kh * dH;
                  if (ih < 0 || ih >= inH) continue;
                  for (let kw = 0; kw < kW; kw++) {
                    const iw = ow * sW - pW + kw * dW;
                    if (iw < 0 || iw >= inW) continue;
                    const xv = x[(((b0 * cIn! + c) * inD + id) * inH + ih) * inW + iw]!;
                    const wv = w[(((co * cInG! + ci) * kD + kd) * kH + kh) * kW + kw]!;
                    s += xv * wv;
                  }
                }
              }
            }
            out[at++] = s;
          }
        }
      }
    }
  }
  return new Tensor(out, [n!, cOut!, ...outSpatial]);
}

/** A transposed convolution's options, one entry per spatial axis. */
export interface ReferenceTransposeOptions {
  stride: readonly number[];
  padding: readonly number[];
  outputPadding: readonly number[];
  dilation: readonly number[];
  groups: number;
}

/** What a transposed-conv reference reads off its operands: data, sizes and the output size. */
export function transposeSizes(input: Tensor, weight: Tensor, o: ReferenceTransposeOptions) {
  const [n, cIn, ...spatial] = input.shape as [number, number, ...number[]];
  const [, cOutG, ...kernel] = weight.shape as [number, number, ...number[]];
  const outSpatial = spatial.map(
    (l, i) => (l - 1) * o.stride[i]! - 2 * o.padding[i]! + o.dilation[i]! * (kernel[i]! - 1) + o.outputPadding[i]! + 1,
  );
  const sizes = { n, cIn, spatial, cOutG, kernel, cOut: cOutG * o.groups, cInG: cIn / o.groups, outSpatial };
  return { x: input.toTypedArray(), w: weight.toTypedArray(), ...sizes };
}

/**
 * Transposed convolution by scattering: every input element adds `x · w` onto the output positions
 * its kernel taps reach, `out = in·stride − padding + k·dilation`, dropping those outside the output.
 *
 * @param input  `[N, Cin, ...spatial]`
 * @param weight `[Cin, Cout / groups, ...k]`
 * @returns `[N, Cout, ...out]`, `out = (L − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1`
 */
export function referenceConvTranspose(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  o: ReferenceTransposeOptions,
): Tensor {
  const { x, w, n, cIn, spatial, cOutG, kernel, cOut, cInG, outSpatial } = transposeSizes(input, weight, o);
  const [inD, inH, inW] = as3(spatial, 1);
  const [kD, kH, kW] = as3(kernel, 1);
  const [sD, sH, sW] = as3(o.stride, 1);
  const [pD, pH, pW] = as3(o.padding, 0);
  const [dD, dH, dW] = as3(o.dilation, 1);
  const [oD, oH, oW] = as3(outSpatial, 1);
  const outPlane = oD * oH * oW;
  const out = new Float64Array(n! * cOut * outPlane);
  if (bias) {
    const b = bias.toTypedArray();
    for (let i = 0; i < out.length; i++) out[i] = b[Math.floor(i / outPlane) % cOut]!;
  }
  for (let b0 = 0; b0 < n!; b0++) {
    for (let ci = 0; ci < cIn!; ci++) {
      const g = Math.floor(ci / cInG);
      for (let id = 0; id < inD; id++) {
        for (let ih = 0; ih < inH; ih++) {
          for (let iw = 0; iw < inW; iw++) {
            const xv = x[(((b0 * cIn! + ci) * inD + id) * inH + ih) * inW + iw]!;
            for (let col = 0; col < cOutG!; col++) {
              const co = g * cOutG! + col;
              for (let kd = 0; kd < kD; kd++) {
                const od = id * sD - pD + kd * dD;
                if (od < 0 || od >= oD) continue;
                for (let kh = 0; kh < kH; kh++) {
                  const oh = ih * sH - pH + kh * dH;
                  if (oh < 0 || oh >= oH) continue;
                  for (let kw = 0; kw < kW; kw++) {
                    const ow = iw * sW - pW + kw * dW;
                    if (ow < 0 || ow >= oW) continue;
                    const wv = w[(((ci * cOutG! + col) * kD + kd) * kH + kh) * kW + kw]!;
                    out[(((b0 * cOut + co) * oD + od) * oH + oh) * oW + ow]! += xv * wv;
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return new Tensor(out, [n!, cOut, ...outSpatial]);
}
