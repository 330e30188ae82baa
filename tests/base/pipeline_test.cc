// Tests for base/pipeline.{h,cc}: RunOrderedPipeline.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "base/pipeline.h"
#include "base/status.h"

using custody::Code;

namespace {
struct PipelineRun {
  uint64_t items;
  std::vector<uint64_t> consumed;
  std::atomic<int> transforms{0};
  custody::PipelineStages stages;
};

void SetupCountingPipeline(PipelineRun& run, std::atomic<bool>* slow) {
  run.stages.produce = [&run](custody::ChunkSlot& s) -> custody::Result<bool> {
    if (s.index >= run.items) return false;
    uint64_t v = s.index * 2654435761u;
    std::memcpy(s.in.data(), &v, sizeof v);
    s.in_len = sizeof v;
    s.last = s.index + 1 == run.items;
    return true;
  };
  run.stages.transform = [&run, slow](custody::ChunkSlot& s) -> custody::Status {
    ++run.transforms;
    // Uneven work so that workers finish out of order.
    if (slow && *slow && s.index % 3 == 0)
      std::this_thread::sleep_for(std::chrono::microseconds(200 + (s.index % 7) * 50));
    uint64_t v;
    std::memcpy(&v, s.in.data(), sizeof v);
    v = ~v;
    std::memcpy(s.out.data(), &v, sizeof v);
    s.out_len = sizeof v;
    return {};
  };
  run.stages.consume = [&run](custody::ChunkSlot& s) -> custody::Status {
    uint64_t v;
    std::memcpy(&v, s.out.data(), sizeof v);
    if (~v != s.index * 2654435761u) return custody::Fail(Code::kCorrupt, "wrong payload");
    run.consumed.push_back(s.index);
    return {};
  };
}
}  // namespace

TEST_CASE("vault/RunOrderedPipelinePreservesOrderWithManySlotsAndWorkers", "[vault][pipeline]") {
  std::atomic<bool> slow{true};
  const std::vector<std::pair<size_t, unsigned>> shapes = {{8, 8}, {3, 16}, {1, 1}, {16, 2}, {5, 1}};
  for (auto [slots, workers] : shapes) {
    CAPTURE(slots, workers);
    PipelineRun run;
    run.items = 500;
    SetupCountingPipeline(run, &slow);
    auto s = custody::RunOrderedPipeline(slots, 16, 16, workers, run.items, run.stages);
    REQUIRE(s);
    REQUIRE(run.consumed.size() == 500);
    for (uint64_t i = 0; i < 500; ++i) REQUIRE(run.consumed[i] == i);
    CHECK(run.transforms == 500);
  }
  CHECK(custody::DefaultWorkers() >= 1);
}

TEST_CASE("vault/RunOrderedPipelineWithNothingToProduceConsumesNothing", "[vault][pipeline]") {
  PipelineRun run;
  run.items = 0;
  SetupCountingPipeline(run, nullptr);
  REQUIRE(custody::RunOrderedPipeline(4, 16, 16, 4, run.items, run.stages));
  CHECK(run.consumed.empty());
  CHECK(run.transforms == 0);
}

TEST_CASE("vault/RunOrderedPipelinePropagatesATransformError", "[vault][pipeline]") {
  std::atomic<bool> slow{true};
  PipelineRun run;
  run.items = 400;
  SetupCountingPipeline(run, &slow);
  auto inner = run.stages.transform;
  run.stages.transform = [inner](custody::ChunkSlot& s) -> custody::Status {
    if (s.index == 137) return custody::Fail(Code::kCorrupt, "chunk 137 failed authentication");
    return inner(s);
  };
  auto s = custody::RunOrderedPipeline(6, 16, 16, 4, run.items, run.stages);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Code::kCorrupt);
  CHECK(s.error().message == "chunk 137 failed authentication");
  // Everything before the failing chunk was consumed in order; nothing after.
  REQUIRE(run.consumed.size() == 137);
  for (uint64_t i = 0; i < 137; ++i) CHECK(run.consumed[i] == i);
}

TEST_CASE("vault/RunOrderedPipelinePropagatesProduceAndConsumeErrors", "[vault][pipeline]") {
  {
    PipelineRun run;
    run.items = 100;
    SetupCountingPipeline(run, nullptr);
    auto inner = run.stages.produce;
    run.stages.produce = [inner](custody::ChunkSlot& s) -> custody::Result<bool> {
      if (s.index == 50) return custody::Fail(Code::kIo, "read error");
      return inner(s);
    };
    auto s = custody::RunOrderedPipeline(4, 16, 16, 3, run.items, run.stages);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == Code::kIo);
    CHECK(s.error().message == "read error");
    CHECK(run.consumed.size() <= 50);
  }
  {
    PipelineRun run;
    run.items = 100;
    SetupCountingPipeline(run, nullptr);
    auto inner = run.stages.consume;
    int calls = 0;
    run.stages.consume = [inner, &calls](custody::ChunkSlot& s) -> custody::Status {
      if (++calls == 10) return custody::Fail(Code::kIo, "disk full");
      return inner(s);
    };
    auto s = custody::RunOrderedPipeline(4, 16, 16, 3, run.items, run.stages);
    REQUIRE_FALSE(s);
    CHECK(s.error().message == "disk full");
    CHECK(calls == 10);
    CHECK(run.consumed.size() == 9);
  }
}
