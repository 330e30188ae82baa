#include "base/work_pool.h"

namespace custody {

void WorkPool::Batch::RunItems() {
  for (size_t i; (i = next_.fetch_add(1, std::memory_order_relaxed)) < n_;) {
    fn_(i);
    if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
      // Taking the lock orders this notification after the waiter's check.
      { std::lock_guard<std::mutex> lock(mu_); }
      finished_.notify_all();
    }
  }
}

void WorkPool::Batch::Wait() {
  RunItems();
  std::unique_lock<std::mutex> lock(mu_);
  finished_.wait(lock, [this] { return done_.load(std::memory_order_acquire) == n_; });
}

WorkPool::WorkPool(unsigned threads) {
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { WorkerLoop(); });
}

WorkPool::~WorkPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    for (auto& b : queue_) b->Abandon();
    queue_.clear();
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

std::shared_ptr<WorkPool::Batch> WorkPool::Submit(size_t n, std::function<void(size_t)> fn) {
  auto batch = std::make_shared<Batch>(n, std::move(fn));
  if (threads_.empty() || n == 0) return batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(batch);
  }
  wake_.notify_all();
  return batch;
}

void WorkPool::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    while (!queue_.empty() && queue_.front()->Exhausted()) queue_.pop_front();
    if (stop_) return;
    if (queue_.empty()) {
      wake_.wait(lock);
      continue;
    }
    std::shared_ptr<Batch> batch = queue_.front();
    lock.unlock();
    batch->RunItems();
    lock.lock();
  }
}

}  // namespace custody
