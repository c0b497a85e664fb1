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

template <typename T>
static void adam_task(void* ctx, long task) {
  const AdamCall<T>& c = *static_cast<AdamCall<T>*>(ctx);
  long end = std::min(c.count, (task + 1) * c.chunk);
  for (long i = task * c.chunk; i < end; i++) {
    double g = c.sign * static_cast<double>(c.grad[i]);
    c.m[i] = static_cast<T>(c.beta1 * static_cast<double>(c.m[i]) + (1 - c.beta1) * g);
    c.v[i] = static_cast<T>(c.beta2 * static_cast<double>(c.v[i]) + (1 - c.beta2) * g * g);
    double m = c.m[i], v = c.v[i];
    c.param[i] = static_cast<T>(static_cast<double>(c.param[i]) - c.stepSize * (m / (std::sqrt(v) / c.bias2Sqrt + c.eps)));
  }
}
