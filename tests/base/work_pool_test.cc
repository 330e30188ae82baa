// Tests for base/work_pool.{h,cc}: WorkPool.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <vector>

#include "base/work_pool.h"

using custody::WorkPool;

TEST_CASE("WorkPoolRunsEveryItemOfEveryBatchOnceBeforeWaitReturns", "[work_pool]") {
  for (unsigned threads : {0u, 1u, 2u, 4u}) {
    WorkPool pool(threads);
    std::vector<std::vector<int>> runs(8, std::vector<int>(1000, 0));
    std::vector<std::shared_ptr<WorkPool::Batch>> batches;
    for (auto& run : runs) batches.push_back(pool.Submit(run.size(), [&run](size_t i) { ++run[i]; }));
    for (size_t b = 0; b < batches.size(); ++b) {
      batches[b]->Wait();
      for (int n : runs[b]) REQUIRE(n == 1);
    }
  }
}

TEST_CASE("WorkPoolWaitOnAnEmptyBatchReturns", "[work_pool]") {
  WorkPool pool(2);
  pool.Submit(0, [](size_t) { FAIL("no item to run"); })->Wait();
}

TEST_CASE("WorkPoolDestroyedWithUnwaitedBatchesJoinsItsThreads", "[work_pool]") {
  std::atomic<int> ran{0};
  {
    WorkPool pool(2);
    for (int b = 0; b < 16; ++b) pool.Submit(1000, [&ran](size_t) { ran.fetch_add(1); });
  }  // abandons what was not started; every started item has finished here
  const int after = ran.load();
  REQUIRE(after <= 16 * 1000);
  REQUIRE(ran.load() == after);
}
