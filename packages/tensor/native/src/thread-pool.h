// The addon's persistent thread pool. The caller publishes a job of `count` tasks, runs tasks itself,
// and waits until every task is done. Workers spin briefly for the next job (back-to-back kernels skip
// the sleep), then sleep on a condition variable. The job word holds (generation << 32 | next task), so
// a worker that wakes late can never claim a task of a newer job against an older one's function.
//
// Which thread runs a task never matters to the results: every kernel cuts its work into tasks at
// places fixed by the shapes alone, and each task writes only its own outputs.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "simd.h"

typedef void (*TaskFn)(void* ctx, long task);

class Pool {
 public:
  void run(TaskFn fn, void* ctx, long count, int threads) {
    if (threads <= 1 || count <= 1) {
      for (long t = 0; t < count; t++) fn(ctx, t);
      return;
    }
    ensure(threads - 1);
    fn_ = fn;
    ctx_ = ctx;
    count_ = count;
    participants_.store(threads - 1, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    uint64_t gen = (job_.load(std::memory_order_relaxed) >> 32) + 1;
    job_.store(gen << 32, std::memory_order_release);
    {
      std::lock_guard<std::mutex> lock(mutex_);
    }
    wake_.notify_all();
    work(gen);
    // Wait for the tasks workers claimed: spin (they are short), then yield the core to them.
    for (long spins = 0; done_.load(std::memory_order_acquire) < count; spins++) {
      if (spins < 4096)
        cpu_relax();
      else
        std::this_thread::yield();
    }
  }

  int size() const { return static_cast<int>(workers_.size()); }

 private:
  // Claims and runs tasks of job `gen` until none is left.
  void work(uint64_t gen) {
    for (;;) {
      uint64_t word = job_.load(std::memory_order_acquire);
      if ((word >> 32) != gen) return;
      long next = static_cast<long>(word & 0xffffffffu);
      if (next >= count_) return;
      if (!job_.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel)) continue;
      fn_(ctx_, next);
      done_.fetch_add(1, std::memory_order_release);
    }
  }

  void ensure(int workers) {
    while (static_cast<int>(workers_.size()) < workers) {
      int index = static_cast<int>(workers_.size());
      workers_.emplace_back([this, index] { loop(index); });
      workers_.back().detach();
    }
  }

  void loop(int index) {
    uint64_t seen = job_.load(std::memory_order_acquire) >> 32;
    for (;;) {
      // Poll briefly (tens of µs) for the next job before sleeping.
      uint64_t gen = seen;
      for (int spins = 0; spins < 4000; spins++) {
        gen = job_.load(std::memory_order_acquire) >> 32;
        if (gen != seen) break;
        cpu_relax();
      }
      if (gen == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return (job_.load(std::memory_order_acquire) >> 32) != seen; });
        gen = job_.load(std::memory_order_acquire) >> 32;
      }
      seen = gen;
      if (index < participants_.load(std::memory_order_relaxed)) work(gen);
    }
  }

  std::vector<std::thread> workers_;
  std::atomic<uint64_t> job_{0};
  std::atomic<long> done_{0};
  std::atomic<int> participants_{0};
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  long count_ = 0;
  std::mutex mutex_;
  std::condition_variable wake_;
};

// Aligned scratch, grown on demand and kept.
struct Scratch {
  void* data = nullptr;
  size_t bytes = 0;
  void* get(size_t want) {
    if (want > bytes) {
      std::free(data);
      bytes = (want + 4095) & ~static_cast<size_t>(4095);
      data = std::aligned_alloc(64, bytes);
      if (data == nullptr) bytes = 0;
    }
    return data;
  }
  template <typename T>
  T* as(long count) {
    return static_cast<T*>(get(sizeof(T) * static_cast<size_t>(count)));
  }
};

static long ceil_div(long a, long b) { return (a + b - 1) / b; }
