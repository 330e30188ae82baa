// An ordered parallel pipeline for streaming chunk work in bounded memory:
//
//   produce (calling thread, in order) -> transform (worker threads, any
//   order) -> consume (calling thread, in order)
//
// over a fixed ring of `slots` buffers, so memory is slots x buffer size
// whatever the stream length. Used to encrypt+hash on add, decrypt on
// extract and hash on audit, spreading the crypto over every core while I/O
// stays sequential.
//
// The first error from any stage stops the pipeline and is returned; slots
// already produced are dropped without being consumed.
//
// At most `slots` chunks are in flight (from the start of their produce to
// the end of their consume) at any time, and they are consecutive: a caller
// may keep buffers of its own (locked memory for plaintext, say) and give
// chunk i buffer i % slots, which no other chunk touches meanwhile.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "base/status.h"

namespace custody {

struct ChunkSlot {
  uint64_t index = 0;
  std::vector<uint8_t> in;    // input bytes (capacity reserved once)
  size_t in_len = 0;
  std::vector<uint8_t> out;   // output bytes
  size_t out_len = 0;
  bool last = false;          // set by produce on the final chunk
  uint8_t hash[32] = {};      // for stages that hash
  Status status;
};

struct PipelineStages {
  // Fills `slot` for chunk `slot.index`. Returns false when there is nothing
  // more to produce (the slot is then unused).
  std::function<Result<bool>(ChunkSlot&)> produce;
  std::function<Status(ChunkSlot&)> transform;  // must be thread-safe
  std::function<Status(ChunkSlot&)> consume;
};

// Number of worker threads to use by default: every core.
unsigned DefaultWorkers();

// `chunks` is how many chunks the stream has at most: the ring and the
// worker count are capped by it, and a single-chunk stream runs inline on
// the calling thread (no threads, no ring) — small documents stay cheap.
Status RunOrderedPipeline(size_t slots, size_t in_capacity, size_t out_capacity, unsigned workers,
                          uint64_t chunks, const PipelineStages& stages);

}  // namespace custody
