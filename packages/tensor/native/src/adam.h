// One Adam update without weight decay or AMSGrad, with the bits of @torchlet/layers' JS loop: float64
// arithmetic in the same order (the build turns off contraction into fused multiply-adds), the moments
// rounded to the parameter's type when stored and read back:
//   g = sign·grad; m = beta1·m + (1 − beta1)·g; v = beta2·v + (1 − beta2)·g·g;
//   param −= stepSize·m / (√v / bias2Sqrt + eps)
// Elementwise, so any cut into tasks gives the same bits.
#pragma once

#include <cmath>

#include "thread-pool.h"

template <typename T>
struct AdamCall {
  T* param;
  const T* grad;
  T* m;
  T* v;
  long count, chunk;
  double sign, beta1, beta2, stepSize, bias2Sqrt, eps;
};

// The loop vectorises (the build passes -fno-math-errno: a square root need not set errno, and is
// correctly rounded either way); each element's arithmetic is unchanged.
template <typename T>
static void adam_task(void* ctx, long task) {
  const AdamCall<T>& c = *static_cast<AdamCall<T>*>(ctx);
  long end = std::min(c.count, (task + 1) * c.chunk);
  T* __restrict param = c.param;
  const T* __restrict grad = c.grad;
  T* __restrict mo = c.m;
  T* __restrict vo = c.v;
  const double sign = c.sign, beta1 = c.beta1, beta2 = c.beta2, stepSize = c.stepSize, bias2Sqrt = c.bias2Sqrt;
  const double eps = c.eps;
  for (long i = task * c.chunk; i < end; i++) {
    double g = sign * static_cast<double>(grad[i]);
    T mi = static_cast<T>(beta1 * static_cast<double>(mo[i]) + (1 - beta1) * g);
    T vi = static_cast<T>(beta2 * static_cast<double>(vo[i]) + (1 - beta2) * g * g);
    mo[i] = mi, vo[i] = vi;
    double m = mi, v = vi;
    param[i] = static_cast<T>(static_cast<double>(param[i]) - stepSize * (m / (std::sqrt(v) / bias2Sqrt + eps)));
  }
}
