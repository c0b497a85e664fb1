// Output arrays arrive fresh from JS (calloc: pages not yet mapped). A kernel that adds onto such an
// array reads each page first, which maps the shared zero page, then writes it, which copies that page
// and flushes its old mapping from every core the process runs on: an inter-processor interrupt per
// 4 KB page, dear on a VM (12% of the [16,64,56,56] conv step's time at 2 threads went there, perf).
// Mapping the pages writable up front, in one call, costs one page clear each and no flush. Only for
// arrays a kernel reads before it writes: a first write maps a fresh page without a flush anyway, and on
// pages already mapped (memory malloc hands out again) the call is a walk for nothing (1% of a step).
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

// Maps the whole pages inside [p, p + bytes) writable now; a no-op where the system cannot (the
// kernels are correct either way, only slower on first touch). Small ranges are left to fault.
static inline void map_writable(void* p, size_t bytes) {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  if (bytes < 16 * page) return;
  uintptr_t lo = (reinterpret_cast<uintptr_t>(p) + page - 1) & ~(page - 1);
  uintptr_t hi = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(page - 1);
  if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_POPULATE_WRITE);
#else
  (void)p, (void)bytes;
#endif
}
