#include "base/pipeline.h"

#include <algorithm>

namespace custody {

unsigned DefaultWorkers() {
  // glibc's hardware_concurrency() opens and reads /sys on every call, and
  // audit hashes a million small extents: ask once a process.
  static const unsigned workers = [] {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 2u : n;
  }();
  return workers;
}

namespace {
enum class SlotState { kFree, kFilled, kDone };
}

Status RunOrderedPipeline(size_t nslots, size_t in_capacity, size_t out_capacity, unsigned workers,
                          uint64_t chunks, const PipelineStages& stages) {
  if (chunks <= 1) {
    ChunkSlot s;
    s.in.resize(in_capacity);
    s.out.resize(out_capacity);
    CUSTODY_ASSIGN(bool more, stages.produce(s));
    if (!more) return {};
    CUSTODY_TRY(stages.transform(s));
    return stages.consume(s);
  }
  nslots = static_cast<size_t>(std::min<uint64_t>(nslots, chunks));
  workers = static_cast<unsigned>(std::min<uint64_t>(workers, chunks));
  std::vector<ChunkSlot> slots(nslots);
  std::vector<SlotState> state(nslots, SlotState::kFree);
  for (auto& s : slots) {
    s.in.resize(in_capacity);
    s.out.resize(out_capacity);
  }
  std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::deque<size_t> queue;  // GUARDED_BY(mu)
  bool stop = false;         // GUARDED_BY(mu)

  std::vector<std::thread> threads;
  for (unsigned w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (;;) {
        size_t i;
        {
          std::unique_lock lock(mu);
          work_cv.wait(lock, [&] { return stop || !queue.empty(); });
          if (stop && queue.empty()) return;
          i = queue.front();
          queue.pop_front();
        }
        slots[i].status = stages.transform(slots[i]);
        {
          std::lock_guard lock(mu);
          state[i] = SlotState::kDone;
        }
        done_cv.notify_all();
      }
    });
  }
  auto shutdown = [&] {
    {
      std::lock_guard lock(mu);
      stop = true;
      queue.clear();
    }
    work_cv.notify_all();
    for (auto& t : threads) t.join();
  };

  uint64_t next_produce = 0, next_consume = 0;
  bool eof = false;
  Status result;
  while (true) {
    while (!eof && next_produce - next_consume < nslots) {
      size_t i = next_produce % nslots;
      ChunkSlot& s = slots[i];
      s.index = next_produce;
      s.in_len = s.out_len = 0;
      s.last = false;
      s.status = {};
      auto more = stages.produce(s);
      if (!more) {
        result = std::unexpected(more.error());
        break;
      }
      if (!*more) {
        eof = true;
        break;
      }
      {
        std::lock_guard lock(mu);
        state[i] = SlotState::kFilled;
        queue.push_back(i);
      }
      work_cv.notify_one();
      ++next_produce;
      if (s.last) eof = true;
    }
    if (!result) break;
    if (next_consume == next_produce) break;  // eof and everything consumed
    size_t i = next_consume % nslots;
    {
      std::unique_lock lock(mu);
      done_cv.wait(lock, [&] { return state[i] == SlotState::kDone; });
      state[i] = SlotState::kFree;
    }
    if (!slots[i].status) {
      result = slots[i].status;
      break;
    }
    if (auto s = stages.consume(slots[i]); !s) {
      result = s;
      break;
    }
    ++next_consume;
  }
  shutdown();
  return result;
}

}  // namespace custody
