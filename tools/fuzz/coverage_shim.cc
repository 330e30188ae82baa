// GCC coverage for libFuzzer.
//
// Clang 14 (Debian 12) cannot compile Custody: libstdc++ 12's <expected> is
// only enabled for compilers with C++20 conditionally-trivial special members
// (__cpp_concepts >= 202002L), which clang 14 lacks, and libc++ 14 has no
// std::expected at all. So the harnesses and the library are compiled with
// g++ 12 (-fsanitize=address,undefined -fsanitize-coverage=trace-pc,trace-cmp)
// and linked with clang's libFuzzer runtime (libclang_rt.fuzzer-x86_64.a).
//
// libFuzzer 14 dropped its own __sanitizer_cov_trace_pc (it aborts with "no
// longer supported"), so this file provides one that feeds libFuzzer's
// documented "extra counters" section: each call site hashes into a 64 KiB
// table of 8-bit counters that libFuzzer reads as coverage features. Linked
// with --allow-multiple-definition so this definition wins over the
// runtime's stub. trace-cmp hooks (__sanitizer_cov_trace_cmp*) are libFuzzer's
// own and drive -use_value_profile=1. This file must not itself be compiled
// with -fsanitize-coverage.
#include <cstdint>

extern "C" {
__attribute__((section("__libfuzzer_extra_counters"), used, aligned(64)))
uint8_t custody_fuzz_extra_counters[1 << 16];

__attribute__((no_sanitize_address, no_sanitize_undefined)) void __sanitizer_cov_trace_pc() {
  uintptr_t pc = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  uint32_t h = static_cast<uint32_t>((pc * 0x9E3779B97F4A7C15ull) >> 48);
  custody_fuzz_extra_counters[h]++;
}

// GCC's trace-cmp also hooks floating-point comparisons (nlohmann-json's
// number code has some); clang never emits these, so libFuzzer's runtime
// has no definition. No value profile for them: nothing in Custody's
// formats is a floating-point number.
void __sanitizer_cov_trace_cmpf(float, float) {}
void __sanitizer_cov_trace_cmpd(double, double) {}
}
