// The vector width this build targets and the GEMM's tile sizes for it. The build compiles for the
// machine it runs on (-march=native), so this is 512-bit on AVX-512, 256-bit on AVX/AVX2, else 128-bit
// (SSE2, NEON), all through GCC/Clang vector extensions.
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax() { _mm_pause(); }
#elif defined(__aarch64__)
static inline void cpu_relax() { __asm__ __volatile__("yield"); }
#else
static inline void cpu_relax() {}
#endif

#if defined(__AVX512F__)
#define VECTOR_BYTES 64
#define SIMD_NAME "avx512"
#elif defined(__AVX__)
#define VECTOR_BYTES 32
#if defined(__AVX2__) && defined(__FMA__)
#define SIMD_NAME "avx2+fma"
#else
#define SIMD_NAME "avx"
#endif
#elif defined(__ARM_NEON)
#define VECTOR_BYTES 16
#define SIMD_NAME "neon"
#elif defined(__SSE2__)
#define VECTOR_BYTES 16
#define SIMD_NAME "sse2"
#else
#define VECTOR_BYTES 16
#define SIMD_NAME "generic"
#endif

// Kernels whose a·b + c should become fused multiply-adds (the build turns contraction off everywhere
// else: the Adam step must round as the JS loop does): CONTRACTS before the function, and
// CONTRACT_HERE first in its body.
#if defined(__clang__)
#define CONTRACTS
#define CONTRACT_HERE _Pragma("clang fp contract(fast)")
#else
#define CONTRACTS __attribute__((optimize("fp-contract=fast")))
#define CONTRACT_HERE
#endif

typedef float vfloat __attribute__((vector_size(VECTOR_BYTES)));
typedef double vdouble __attribute__((vector_size(VECTOR_BYTES)));

template <typename T>
struct Vec;
template <>
struct Vec<float> {
  typedef vfloat type;
};
template <>
struct Vec<double> {
  typedef vdouble type;
};

// The micro-tile is MR rows × NR = 2 vectors of columns, all MR·2 accumulators in registers:
// 8×2 = 16 of AVX-512's 32 registers (8×32 floats), 6×2 = 12 of AVX's 16. KC = 256 keeps one packed B
// sliver (KC·NR) in L1 for float64 and in L1/L2 for float32; MC rows of packed A (MC·KC) stay in L2.
template <typename T>
struct Tiles {
  static constexpr long VL = VECTOR_BYTES / sizeof(T);
  static constexpr long NR = 2 * VL;
  static constexpr long MR = VECTOR_BYTES == 64 ? 8 : 6;
  static constexpr long KC = 256;
  static constexpr long MC = MR * (VECTOR_BYTES == 64 ? 12 : 16);
  // Columns of B packed at once (one panel), and rows of A packed at once (bounds the scratch).
  static constexpr long NC = 4096;
  static constexpr long MB = MC * 32;
};
