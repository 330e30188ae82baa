// WorkPool: a few threads that run batches of independent items, for work
// whose results the caller then takes in order (audit checks the signatures
// of the events ahead of the replay; ls opens the key records ahead of the
// printing).
//
//   WorkPool pool(DefaultWorkers());
//   auto batch = pool.Submit(items.size(), [&](size_t i) { Check(items[i]); });
//   ...                      // read the next batch meanwhile
//   batch->Wait();           // runs what no worker has taken yet, then waits
//   for (auto& item : items) Use(item);   // in order, on this thread
//
// Batches are taken in the order they were submitted; the items of one
// batch in any order, on any of the pool's threads or on the thread that
// waits. `fn` must be safe to call concurrently for different items, must
// not throw, and must stay valid, with everything it touches, until the
// batch is waited for or the pool is destroyed.
//
// Thread-safe: Submit and Wait may be called from any thread (the callers
// here use one). Destroying the pool abandons the items of unfinished
// batches that no thread has started, waits for those running, and joins
// the threads; a batch abandoned that way must not be waited for.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace custody {

class WorkPool {
 public:
  class Batch {
   public:
    Batch(size_t n, std::function<void(size_t)> fn) : n_(n), fn_(std::move(fn)) {}
    // Runs the items not taken yet on the calling thread, then waits until
    // every item of the batch has finished.
    void Wait();

   private:
    friend class WorkPool;
    void RunItems();
    bool Exhausted() const { return next_.load(std::memory_order_relaxed) >= n_; }
    void Abandon() { next_.store(n_, std::memory_order_relaxed); }

    const size_t n_;
    const std::function<void(size_t)> fn_;
    std::atomic<size_t> next_{0};
    std::atomic<size_t> done_{0};
    std::mutex mu_;
    std::condition_variable finished_;
  };

  // `threads` worker threads (0: none; every item then runs in Wait).
  explicit WorkPool(unsigned threads);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `n` items: fn(0) ... fn(n - 1).
  std::shared_ptr<Batch> Submit(size_t n, std::function<void(size_t)> fn);

 private:
  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Batch>> queue_;  // guarded by mu_
  bool stop_ = false;                         // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace custody
